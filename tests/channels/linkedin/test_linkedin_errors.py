"""How LinkedIn's failures map to what the engine does next."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kaiku.channels.base import ChannelError, Failure, OutgoingPost
from kaiku.channels.linkedin.client import MAX_RATE_LIMIT_WAIT, retry_after_from
from kaiku.channels.linkedin.connector import LinkedInConnector
from tests.channels.linkedin.conftest import make_connector
from tests.channels.linkedin.server import LinkedInServer

MakePost = Callable[..., OutgoingPost]


def publish_error(connector: LinkedInConnector, post: OutgoingPost) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        connector.publish_part(post, 0, [])
    return caught.value


def test_an_expired_token_is_auth(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    linkedin.expire_token(page.account.credentials["access_token"])

    error = publish_error(page, make_post("Hei"))

    assert (error.failure, error.code, error.status) == (Failure.AUTH, "auth", 401)
    assert "Invalid access token" in error.detail


def test_a_429_is_rate_limited_until_at_most_an_hour(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    linkedin.script("POST /rest/posts", [429])

    error = publish_error(page, make_post("Hei"))

    assert error.failure is Failure.RATE_LIMITED
    assert error.code == "rate_limited"
    assert error.retry_after is not None
    assert 0 < error.retry_after <= MAX_RATE_LIMIT_WAIT
    assert linkedin.live_posts() == []


def test_the_429_wait_ends_at_midnight_utc_when_that_is_sooner() -> None:
    late = datetime(2026, 11, 25, 23, 50, tzinfo=UTC)

    assert retry_after_from(httpx.Headers(), now=late) == 600.0
    assert retry_after_from(httpx.Headers({"Retry-After": "30"}), now=late) == 30.0


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_transient(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost, status: int
) -> None:
    linkedin.script("POST /rest/posts", [status])

    error = publish_error(page, make_post("Hei"))

    assert (error.failure, error.code) == (Failure.TRANSIENT, "server_error")


def test_a_502_after_sending_a_post_is_an_unknown_outcome(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    linkedin.script("POST /rest/posts", [502])

    error = publish_error(page, make_post("Hei"))

    assert error.failure is Failure.UNKNOWN_OUTCOME


@pytest.mark.parametrize("action", ["hang", "hang_after_apply"])
def test_a_read_timeout_after_the_post_was_sent_is_an_unknown_outcome(
    linkedin: LinkedInServer,
    page: LinkedInConnector,
    make_post: MakePost,
    action: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A real read timeout, made short: the post is the only request, and it never answers.
    monkeypatch.setattr(type(page), "timeout", httpx.Timeout(5.0, read=0.2))
    linkedin.script("POST /rest/posts", [action])

    error = publish_error(page, make_post("Hei"))

    assert (error.failure, error.code) == (Failure.UNKNOWN_OUTCOME, "timeout")
    assert [(r.method, r.path) for r in linkedin.requests] == [("POST", "/rest/posts")]


def test_a_403_for_a_page_means_linkedin_has_not_approved_the_app(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    linkedin.organization_access = False

    error = publish_error(page, make_post("Hei"))

    assert (error.failure, error.code, error.status) == (Failure.PERMANENT, "needs_approval", 403)
    assert "ACCESS_DENIED" in error.detail


def test_a_403_for_a_profile_is_forbidden(
    linkedin: LinkedInServer, local: type[LinkedInConnector], make_post: MakePost
) -> None:
    profile = make_connector(local, linkedin, page=False)
    profile.account.credentials["access_token"] = linkedin.issue_token(scopes=("openid",))

    error = publish_error(profile, make_post("Hei"))

    assert (error.failure, error.code) == (Failure.PERMANENT, "forbidden")


def test_a_sunset_version_while_publishing_is_a_permanent_api_version_error(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost, settings: Any
) -> None:
    settings.KAIKU_LINKEDIN_VERSION = "202504"

    error = publish_error(page, make_post("Hei"))

    assert (error.failure, error.code, error.status) == (Failure.PERMANENT, "api_version", 426)
    assert "NONEXISTENT_VERSION" in error.detail
    assert "202504" in error.detail


def test_a_refused_connection_before_sending_is_transient(
    page: LinkedInConnector, make_post: MakePost
) -> None:
    page.account.base_url = "http://127.0.0.1:9"  # nothing listens on the discard port

    error = publish_error(page, make_post("Hei"))

    assert (error.failure, error.code) == (Failure.TRANSIENT, "network")
