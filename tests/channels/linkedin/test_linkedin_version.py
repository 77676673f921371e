"""The LinkedIn-Version header: sent on every call, checked at connect and at verify."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from kaiku.channels.base import ChannelError, Failure, OutgoingPost
from kaiku.channels.linkedin.client import DEFAULT_VERSION, check_version
from kaiku.channels.linkedin.connector import LinkedInConnector
from tests.channels.linkedin.conftest import CALLBACK, make_connector
from tests.channels.linkedin.server import LinkedInServer

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("version", ["202609", "202601", "202609.01", "202611"])
def test_a_recent_version_passes_the_check(version: str) -> None:
    assert check_version(version, TODAY) is None


@pytest.mark.parametrize("version", ["2026-09", "20260901", "202613", "v202609", ""])
def test_a_malformed_version_is_reported(version: str) -> None:
    problem = check_version(version, TODAY)

    assert problem is not None
    assert "YYYYMM" in problem or "not a real" in problem


def test_a_version_eleven_months_old_warns_before_linkedin_turns_it_off() -> None:
    problem = check_version("202512", TODAY)

    assert problem is not None
    assert "11 months old" in problem
    assert "426" in problem


def test_a_future_version_is_reported() -> None:
    assert check_version("202701", TODAY) == "LinkedIn API version 202701 is in the future."


def test_the_default_version_is_current_when_written() -> None:
    assert check_version(DEFAULT_VERSION, TODAY) is None


def test_every_rest_call_sends_the_version_and_restli_protocol_headers(
    linkedin: LinkedInServer,
    page: LinkedInConnector,
    make_post: Callable[..., OutgoingPost],
    png: Any,
) -> None:
    post = make_post("Kuva", images=(png("kuvateksti"),))
    part = page.publish_part(post, 0, [])
    page.reconcile(post, 0, [])
    page.verify()
    page.delete(part.remote_id)

    rest = [r for r in linkedin.requests if r.path.startswith("/rest/")]
    assert {r.path.split("/")[2] for r in rest} == {
        "images",
        "posts",
        "organizationAcls",
    }
    for request in rest:
        assert request.headers["linkedin-version"] == DEFAULT_VERSION, request.path
        assert request.headers["x-restli-protocol-version"] == "2.0.0", request.path


def test_verify_detects_a_version_linkedin_no_longer_serves(
    linkedin: LinkedInServer, local: type[LinkedInConnector], settings: Any
) -> None:
    settings.KAIKU_LINKEDIN_VERSION = "202504"
    for is_page in (True, False):
        connector = make_connector(local, linkedin, page=is_page)

        with pytest.raises(ChannelError) as caught:
            connector.verify()

        assert caught.value.failure is Failure.PERMANENT
        assert caught.value.code == "api_version"
        assert "Requested version 20250401 is not active" in caught.value.detail


def test_a_version_stored_on_an_account_at_connect_does_not_pin_it(
    linkedin: LinkedInServer, page: LinkedInConnector, settings: Any
) -> None:
    # Connected in 2025 by an earlier Kaiku, which stored the version of the day; a year on
    # LinkedIn no longer serves it, and the configured one is what must be sent.
    page.account.settings["linkedin_version"] = "202504"
    settings.KAIKU_LINKEDIN_VERSION = "202609"

    page.verify()

    assert linkedin.requests[-1].headers["linkedin-version"] == "202609"


def test_connecting_with_a_sunset_version_fails_clearly(
    linkedin: LinkedInServer, local: type[LinkedInConnector], settings: Any
) -> None:
    from tests.channels.linkedin.test_linkedin_connect import ORG_APP, connect

    settings.KAIKU_LINKEDIN_VERSION = "202504"

    with pytest.raises(ChannelError) as caught:
        connect(local, **ORG_APP, page="toivonpolku")

    assert caught.value.code == "api_version"
    assert (
        linkedin.requests_to("GET", "/rest/organizations")[0].headers["linkedin-version"]
        == "202504"
    )


def test_a_malformed_configured_version_stops_connecting_at_once(
    local: type[LinkedInConnector], settings: Any
) -> None:
    settings.KAIKU_LINKEDIN_VERSION = "2026-09"

    with pytest.raises(ChannelError) as caught:
        local.start_connect(
            {"client_id": "a", "client_secret": "b", "page": "toivonpolku"}, CALLBACK
        )

    assert caught.value.code == "api_version"
