"""Connecting a Mastodon account: app registration, OAuth with PKCE, handle and limits."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kaiku.channels.base import Account, ChannelError, Failure, Redirect
from kaiku.channels.mastodon.client import SCOPES
from tests.channels.mastodon.conftest import FastMastodon
from tests.channels.mastodon.server import MastodonServer

CALLBACK = "https://kaiku.example/channels/connect/mastodon/callback"


def follow_authorize(redirect: Redirect) -> dict[str, str]:
    """Play the browser: open the consent page, return the query it sends us back with."""
    response = httpx.get(redirect.url, follow_redirects=False)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_connect_registers_app_authorizes_and_returns_handle_and_limits(
    mastodon: MastodonServer,
) -> None:
    mastodon.api.max_characters = 1000
    redirect = FastMastodon.start_connect({"instance": mastodon.base_url}, CALLBACK)

    assert isinstance(redirect, Redirect)
    (app,) = mastodon.api.apps.values()
    assert app["redirect_uris"] == [CALLBACK]
    assert app["scopes"] == SCOPES.split()
    query = parse_qs(urlsplit(redirect.url).query)
    assert query["client_id"] == [app["client_id"]]
    assert query["scope"] == [SCOPES]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] == [redirect.state["oauth_state"]]

    setup = FastMastodon.finish_connect(redirect.state, follow_authorize(redirect), CALLBACK)

    assert setup.handle == f"@toivonpolku@{mastodon.api.domain}"
    assert setup.display_name == "Toivon Polku ry"
    assert setup.base_url == mastodon.base_url
    assert setup.credentials["access_token"] in mastodon.api.tokens
    assert setup.credentials["client_id"] == app["client_id"]
    assert setup.settings["account_id"] == "109302"
    assert setup.settings["max_characters"] == 1000

    limits = FastMastodon(
        Account(setup.handle, setup.base_url, setup.credentials, setup.settings)
    ).limits()
    assert limits.max_chars == 1000
    assert limits.counter == "mastodon"
    assert limits.characters_reserved_per_url == 23
    assert limits.max_images == 4
    assert limits.image_max_bytes == 16_777_216
    assert limits.alt_text_max == 1500
    assert limits.threads and limits.max_thread_parts == 25
    assert "image/png" in limits.image_types


def test_connect_reads_limits_from_v1_instance_when_v2_is_missing(
    mastodon: MastodonServer,
) -> None:
    mastodon.api.instance_v2 = False
    redirect = FastMastodon.start_connect({"instance": mastodon.base_url}, CALLBACK)

    setup = FastMastodon.finish_connect(redirect.state, follow_authorize(redirect), CALLBACK)

    assert setup.settings["version"] == "3.5.3"
    assert setup.settings["max_characters"] == 500
    assert setup.settings["image_size_limit"] == 10_485_760


def test_limits_fall_back_to_documented_defaults_without_settings() -> None:
    limits = FastMastodon(Account("@a@b", "https://b", {}, {})).limits()

    assert (limits.max_chars, limits.characters_reserved_per_url, limits.max_images) == (500, 23, 4)


def test_connect_refuses_a_callback_with_another_state(mastodon: MastodonServer) -> None:
    redirect = FastMastodon.start_connect({"instance": mastodon.base_url}, CALLBACK)
    query = follow_authorize(redirect)

    with pytest.raises(ChannelError) as caught:
        FastMastodon.finish_connect(redirect.state, {**query, "state": "forged"}, CALLBACK)

    assert caught.value.code == "state_mismatch"
    assert caught.value.failure is Failure.PERMANENT


def test_connect_reports_a_denied_authorization(mastodon: MastodonServer) -> None:
    mastodon.api.deny_authorization = True
    redirect = FastMastodon.start_connect({"instance": mastodon.base_url}, CALLBACK)
    query = follow_authorize(redirect)

    with pytest.raises(ChannelError) as caught:
        FastMastodon.finish_connect(redirect.state, query, CALLBACK)

    assert query["error"] == "access_denied"
    assert caught.value.code == "authorization_denied"


def test_connect_fails_when_the_pkce_verifier_does_not_match(mastodon: MastodonServer) -> None:
    redirect = FastMastodon.start_connect({"instance": mastodon.base_url}, CALLBACK)
    query = follow_authorize(redirect)
    state = {**redirect.state, "code_verifier": "not-the-verifier"}

    with pytest.raises(ChannelError) as caught:
        FastMastodon.finish_connect(state, query, CALLBACK)

    assert caught.value.failure is Failure.AUTH
    assert "invalid_grant" in caught.value.detail


def test_connect_refuses_an_address_that_is_no_url() -> None:
    with pytest.raises(ChannelError) as caught:
        FastMastodon.start_connect({"instance": "ftp://example.org"}, CALLBACK)

    assert caught.value.code == "invalid_instance"


def test_verify_raises_auth_for_a_revoked_token(
    mastodon: MastodonServer, connector: FastMastodon, token: str
) -> None:
    connector.verify()
    mastodon.api.revoke(token)

    with pytest.raises(ChannelError) as caught:
        connector.verify()

    assert caught.value.failure is Failure.AUTH
    assert caught.value.detail == "The access token is invalid"
