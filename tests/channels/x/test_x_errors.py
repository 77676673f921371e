"""How X's answers map to what the engine does next."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from kaiku.channels.base import ChannelError, Failure, OutgoingPost
from kaiku.channels.x.client import XClient
from tests.channels.x.conftest import FastX
from tests.channels.x.server import Reply, XServer

Make = Callable[..., OutgoingPost]
QUICK_READ_TIMEOUT = httpx.Timeout(5.0, read=0.2)


def fail(connector: FastX, post: OutgoingPost) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        connector.publish_part(post, 0, [])
    return caught.value


def test_429_is_rate_limited_until_x_rate_limit_reset(
    connector: FastX, x: XServer, make_post: Make
) -> None:
    x.rate_reset = 120
    x.script("POST /2/tweets", [429])

    error = fail(connector, make_post("Hei"))

    assert error.failure is Failure.RATE_LIMITED
    assert error.code == "rate_limited"
    assert error.detail == "Rate limit exceeded"
    assert error.retry_after is not None and 115 <= error.retry_after <= 121
    assert x.own_tweets() == []


def test_rate_limit_headers_come_with_every_answer(x: XServer) -> None:
    access, _ = x.issue_tokens()
    with XClient(x.base_url, access) as client:
        client.me()
        assert client.rate_limit is not None
        assert client.rate_limit.limit == x.rate_limit
        assert client.rate_limit.remaining == x.rate_limit - 1
        assert client.rate_limit.reset is not None and client.rate_limit.reset > time.time()


def test_going_over_the_limit_answers_429_with_the_documented_body(x: XServer) -> None:
    x.rate_limit = 1
    access, _ = x.issue_tokens()
    with XClient(x.base_url, access) as client:
        client.me()
        with pytest.raises(ChannelError) as caught:
            client.me()
    assert caught.value.failure is Failure.RATE_LIMITED


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_is_transient(connector: FastX, x: XServer, make_post: Make, status: int) -> None:
    x.script("POST /2/tweets", [status])

    error = fail(connector, make_post("Hei"))

    assert error.failure is Failure.TRANSIENT
    assert error.code == "server_error"


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_error_on_create_is_an_unknown_outcome(
    connector: FastX, x: XServer, make_post: Make, status: int
) -> None:
    x.script("POST /2/tweets", [Reply(status, {"title": "Bad Gateway"})])

    assert fail(connector, make_post("Hei")).failure is Failure.UNKNOWN_OUTCOME


def test_a_read_timeout_after_the_post_was_sent_is_an_unknown_outcome(
    connector: FastX, x: XServer, make_post: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real read timeout, made short: the post is the only request, and it never answers.
    monkeypatch.setattr(FastX, "timeout", QUICK_READ_TIMEOUT)
    x.script("POST /2/tweets", ["hang_after_apply"])

    error = fail(connector, make_post("Hei"))

    assert error.failure is Failure.UNKNOWN_OUTCOME
    assert error.code == "timeout"
    assert x.texts() == ["Hei"]
    assert [(r.method, r.path) for r in x.requests] == [("POST", "/2/tweets")]


def test_a_timeout_while_reading_is_transient(
    connector: FastX, x: XServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FastX, "timeout", QUICK_READ_TIMEOUT)  # the only request; it hangs
    x.script("GET /2/users/me", ["hang"])

    with pytest.raises(ChannelError) as caught:
        connector.verify()

    assert caught.value.failure is Failure.TRANSIENT
    assert [(r.method, r.path) for r in x.requests] == [("GET", "/2/users/me")]


def test_401_is_auth_after_one_refresh(connector: FastX, x: XServer, make_post: Make) -> None:
    x.script("POST /2/tweets", [401, 401])

    error = fail(connector, make_post("Hei"))

    assert error.failure is Failure.AUTH
    assert len(x.requests_to("POST", "/2/oauth2/token")) == 1
    assert len(x.requests_to("POST", "/2/tweets")) == 2


def test_402_out_of_credits_needs_a_person(connector: FastX, x: XServer, make_post: Make) -> None:
    x.script("POST /2/tweets", [402])

    error = fail(connector, make_post("Hei"))

    assert error.failure is Failure.PERMANENT
    assert error.code == "payment_required"


def test_another_403_is_forbidden(connector: FastX, x: XServer, make_post: Make) -> None:
    x.script(
        "POST /2/tweets",
        [
            Reply(
                403,
                {
                    "title": "Forbidden",
                    "type": "about:blank",
                    "status": 403,
                    "detail": "Not permitted.",
                },
            )
        ],
    )

    error = fail(connector, make_post("Hei"))

    assert error.failure is Failure.PERMANENT
    assert error.code == "forbidden"
