"""Connecting an X account: the organisation's own app, OAuth 2.0 with PKCE, tokens, handle."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kaiku.channels.base import ChannelError, Failure, Redirect
from kaiku.channels.registry import connector_class
from kaiku.channels.x.client import SCOPES
from kaiku.channels.x.connector import XConnector
from kaiku.connections.guides import guide
from tests.channels.x.conftest import FastX
from tests.channels.x.server import CLIENT_ID, CLIENT_SECRET, PUBLIC_CLIENT_ID, USER_ID, XServer

CALLBACK = "https://kaiku.example/o/toivon-polku/channels/x/callback/"


@pytest.fixture
def connector_cls(x: XServer) -> type[FastX]:
    class Local(FastX):
        api_url = x.base_url
        auth_url = x.base_url

    return Local


def follow_authorize(redirect: Redirect) -> dict[str, str]:
    """Play the browser: open the consent page, return the query it sends us back with."""
    response = httpx.get(redirect.url, follow_redirects=False)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_the_registry_finds_the_x_connector() -> None:
    assert connector_class("x") is XConnector
    assert XConnector.label == "X"
    assert guide(XConnector.setup_guide, "fi") is not None


def test_authorize_url_has_pkce_challenge_state_and_scopes() -> None:
    redirect = XConnector.start_connect({"client_id": CLIENT_ID}, CALLBACK)

    url = urlsplit(redirect.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://x.com/i/oauth2/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == CALLBACK
    assert (
        query["scope"] == SCOPES == "tweet.read tweet.write users.read offline.access media.write"
    )
    assert query["state"] == redirect.state["oauth_state"]
    assert query["code_challenge_method"] == "S256"
    verifier = redirect.state["code_verifier"].encode()
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == expected


def test_connect_without_a_client_id_is_refused() -> None:
    with pytest.raises(ChannelError) as caught:
        XConnector.start_connect({"client_id": "  "}, CALLBACK)
    assert caught.value.failure is Failure.PERMANENT


def test_connect_stores_tokens_expiry_handle_and_user(
    x: XServer, connector_cls: type[FastX]
) -> None:
    redirect = connector_cls.start_connect(
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, CALLBACK
    )
    before = datetime.now(UTC)

    setup = connector_cls.finish_connect(redirect.state, follow_authorize(redirect), CALLBACK)

    assert setup.handle == "@toivonpolku"
    assert setup.display_name == "Toivon Polku ry"
    assert setup.settings["user_id"] == USER_ID
    assert setup.settings["api_url"] == x.base_url
    creds = setup.credentials
    assert creds["access_token"] in x.access
    assert creds["refresh_token"] in x.refresh
    assert creds["client_id"] == CLIENT_ID and creds["client_secret"] == CLIENT_SECRET
    expires = datetime.fromisoformat(creds["access_expires_at"])
    assert before + timedelta(hours=2) <= expires <= datetime.now(UTC) + timedelta(hours=2)
    # With offline.access the connection has no end date: nothing to warn about.
    assert setup.expires_at is None
    (token_call,) = x.requests_to("POST", "/2/oauth2/token")
    assert token_call.headers["authorization"].startswith("Basic ")
    assert "client_id" not in token_call.form


def test_a_public_client_sends_its_id_in_the_form(x: XServer, connector_cls: type[FastX]) -> None:
    redirect = connector_cls.start_connect({"client_id": PUBLIC_CLIENT_ID}, CALLBACK)

    setup = connector_cls.finish_connect(redirect.state, follow_authorize(redirect), CALLBACK)

    assert setup.credentials["client_secret"] == ""
    (token_call,) = x.requests_to("POST", "/2/oauth2/token")
    assert token_call.form["client_id"] == PUBLIC_CLIENT_ID
    assert "authorization" not in token_call.headers


def test_callback_with_a_wrong_state_is_refused_and_no_token_is_asked(
    x: XServer, connector_cls: type[FastX]
) -> None:
    redirect = connector_cls.start_connect({"client_id": CLIENT_ID}, CALLBACK)
    query = follow_authorize(redirect) | {"state": "forged"}

    with pytest.raises(ChannelError) as caught:
        connector_cls.finish_connect(redirect.state, query, CALLBACK)

    assert caught.value.code == "state_mismatch"
    assert x.requests_to("POST", "/2/oauth2/token") == []


def test_a_denied_authorization_is_reported(x: XServer, connector_cls: type[FastX]) -> None:
    x.deny_authorization = True
    redirect = connector_cls.start_connect({"client_id": CLIENT_ID}, CALLBACK)

    with pytest.raises(ChannelError) as caught:
        connector_cls.finish_connect(redirect.state, follow_authorize(redirect), CALLBACK)

    assert caught.value.code == "authorization_denied"


def test_a_wrong_code_verifier_fails_as_auth(x: XServer, connector_cls: type[FastX]) -> None:
    redirect = connector_cls.start_connect(
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, CALLBACK
    )
    state = {**redirect.state, "code_verifier": "not-the-verifier"}

    with pytest.raises(ChannelError) as caught:
        connector_cls.finish_connect(state, follow_authorize(redirect), CALLBACK)

    assert caught.value.failure is Failure.AUTH
    assert "Value passed for the token was invalid" in caught.value.detail


def test_limits_count_like_x_and_allow_threads() -> None:
    limits = XConnector.default_limits
    assert limits.max_chars == 280
    assert limits.counter == "x"
    assert limits.threads
    assert limits.max_images == 4
    assert limits.characters_reserved_per_url == 23
