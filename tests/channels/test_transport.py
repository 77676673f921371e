"""The one mapping from a network failure to a ChannelError, shared by every client.

The expected table is written out here by hand from what each platform client did before the
mapping was shared (kaiku/channels/{x,linkedin,mastodon}/client.py, kaiku/channels/meta/graph.py):
a request that may have reached the platform and creates something is UNKNOWN_OUTCOME, so the
engine reconciles instead of posting twice; one that never left is TRANSIENT, even if unsafe.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from kaiku import http, http_lite
from kaiku.channels import transport
from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.x.models import bad_response

NOT_SENT = (Failure.TRANSIENT, "network")
LOST_SAFE = (Failure.TRANSIENT, "network")
LOST_UNSAFE = (Failure.UNKNOWN_OUTCOME, "timeout")
BLOCKED = (Failure.PERMANENT, "blocked_address")
OTHER = (Failure.TRANSIENT, "network")

# exception, expected when the request is safe, expected when it is unsafe
TABLE: list[tuple[httpx.TransportError, tuple[Failure, str], tuple[Failure, str]]] = [
    (http.BlockedAddress("10.0.0.1 is private", address="10.0.0.1"), BLOCKED, BLOCKED),
    (httpx.ConnectError("refused"), NOT_SENT, NOT_SENT),
    (httpx.ConnectTimeout("slow connect"), NOT_SENT, NOT_SENT),
    (httpx.PoolTimeout("no free connection"), NOT_SENT, NOT_SENT),
    (httpx.ReadTimeout("no answer"), LOST_SAFE, LOST_UNSAFE),
    (httpx.WriteTimeout("stuck sending"), LOST_SAFE, LOST_UNSAFE),
    (httpx.ReadError("reset"), LOST_SAFE, LOST_UNSAFE),
    (httpx.WriteError("broken pipe"), LOST_SAFE, LOST_UNSAFE),
    (httpx.CloseError("close failed"), LOST_SAFE, LOST_UNSAFE),
    (httpx.RemoteProtocolError("server hung up"), LOST_SAFE, LOST_UNSAFE),
    (httpx.LocalProtocolError("bad header"), OTHER, OTHER),
    (httpx.ProxyError("proxy"), OTHER, OTHER),
    (httpx.UnsupportedProtocol("ftp://"), OTHER, OTHER),
]


def raised(
    exc: Exception, *, unsafe: bool, invalid_url: str | None = None, target: str = "/2/tweets"
) -> ChannelError:
    with (
        pytest.raises(ChannelError) as info,
        transport.mapped_errors(unsafe=unsafe, target=target, invalid_url=invalid_url),
    ):
        raise exc
    assert info.value.__cause__ is exc  # the original stays in the traceback
    return info.value


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("invalid_url", [None, "invalid_instance"], ids=["plain", "invalid_url"])
@pytest.mark.parametrize(("exc", "if_safe", "if_unsafe"), TABLE, ids=lambda v: type(v).__name__)
def test_every_network_exception_maps_to_its_failure(
    exc: Exception,
    if_safe: tuple[Failure, str],
    if_unsafe: tuple[Failure, str],
    unsafe: bool,
    invalid_url: str | None,
) -> None:
    expected = if_unsafe if unsafe else if_safe
    if invalid_url is not None and isinstance(exc, httpx.UnsupportedProtocol):
        expected = (Failure.PERMANENT, invalid_url)
    error = raised(exc, unsafe=unsafe, invalid_url=invalid_url)
    assert (error.failure, error.code) == expected


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_a_malformed_url_is_permanent_where_a_person_typed_it(unsafe: bool) -> None:
    error = raised(httpx.InvalidURL("no host"), unsafe=unsafe, invalid_url="invalid")
    assert (error.failure, error.code, error.detail) == (Failure.PERMANENT, "invalid", "no host")


def test_a_malformed_url_passes_through_where_no_code_is_given() -> None:
    # InvalidURL is no transport error: X and LinkedIn, whose addresses are fixed, never caught it.
    exc = httpx.InvalidURL("no host")
    with pytest.raises(httpx.InvalidURL) as info, transport.mapped_errors(unsafe=True, target="/x"):
        raise exc
    assert info.value is exc


def test_the_detail_names_the_target_when_the_exception_has_no_words() -> None:
    assert raised(httpx.ConnectError(""), unsafe=True).detail == "/2/tweets"
    assert raised(httpx.ProxyError(""), unsafe=False).detail == "/2/tweets"


def test_a_lost_answer_keeps_the_exception_kind_in_its_detail() -> None:
    error = raised(httpx.ReadTimeout("timed out"), unsafe=True)
    assert error.detail == "ReadTimeout: timed out"


def test_nothing_sent_is_true_only_when_no_connection_was_made() -> None:
    sent_or_maybe = [exc for exc, safe, _ in TABLE if safe is not NOT_SENT]
    assert all(not transport.nothing_sent(exc) for exc in sent_or_maybe)
    for exc in (httpx.ConnectError("x"), httpx.ConnectTimeout("x"), httpx.PoolTimeout("x")):
        assert transport.nothing_sent(exc)


def test_json_body_decodes_and_refuses_what_is_not_json() -> None:
    assert transport.json_body(httpx.Response(200, json={"a": 1}), bad_response) == {"a": 1}
    with pytest.raises(ChannelError) as info:
        transport.json_body(httpx.Response(200, text="<html>"), bad_response)
    assert (info.value.failure, info.value.code) == (Failure.TRANSIENT, "unexpected")


# --- against real sockets on 127.0.0.1: what each client really raises --------------------------


@pytest.fixture
def hangs_up() -> Iterator[str]:
    """A server that reads the request and closes without answering: the answer is lost."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    listener.close()


def closed_port() -> str:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def through_httpx(base: str, *, unsafe: bool) -> ChannelError:
    with (
        pytest.raises(ChannelError) as info,
        http.client(base_url=base, timeout=5.0) as client,
        transport.mapped_errors(unsafe=unsafe, target="/post"),
    ):
        client.post("/post", data={"text": "hei"})
    return info.value


def through_http_lite(base: str, *, unsafe: bool) -> ChannelError:
    with (
        pytest.raises(ChannelError) as info,
        http_lite.Client(base, timeout=5.0) as client,
        transport.mapped_errors(unsafe=unsafe, target="/post"),
    ):
        client.request("POST", "/post", data={"text": "hei"})
    return info.value


@pytest.mark.parametrize("send", [through_httpx, through_http_lite])
def test_a_post_whose_answer_is_lost_is_an_unknown_outcome(
    send: Callable[..., ChannelError], hangs_up: str
) -> None:
    error = send(hangs_up, unsafe=True)
    assert (error.failure, error.code) == LOST_UNSAFE
    assert send(hangs_up, unsafe=False).failure is Failure.TRANSIENT


@pytest.mark.parametrize("send", [through_httpx, through_http_lite])
def test_a_post_that_never_connected_is_transient_even_if_unsafe(
    send: Callable[..., ChannelError],
) -> None:
    error = send(closed_port(), unsafe=True)
    assert (error.failure, error.code) == NOT_SENT


# --- rate-limit headers ------------------------------------------------------------------------

NOW = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "http_date", "seconds"),
    [
        ("", True, None),
        ("17", True, 17.0),
        (" 2.5 ", False, 2.5),
        ("-5", True, 0.0),
        ("Sun, 06 Dec 2026 21:01:00 GMT", True, 60.0),
        ("Sun, 06 Dec 2026 20:59:00 GMT", True, 0.0),
        ("Sun, 06 Dec 2026 21:01:00 GMT", False, None),
        ("Sun, 06 Dec 2026 21:01:00 -0000", True, None),
        ("soon", True, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    value: str, http_date: bool, seconds: float | None
) -> None:
    assert transport.retry_after(value, NOW, http_date=http_date) == seconds


def test_server_now_is_the_date_header_else_our_clock() -> None:
    sent = httpx.Headers({"Date": "Sun, 06 Dec 2026 21:00:00 GMT"})
    assert transport.server_now(sent) == NOW
    before = datetime.now(UTC)
    assert before <= transport.server_now(httpx.Headers({"Date": "garbage"})) <= datetime.now(UTC)


def test_header_int_takes_only_whole_numbers() -> None:
    headers = httpx.Headers({"a": " 42 ", "b": "-1", "c": "1.5"})
    assert [transport.header_int(headers, n) for n in "abcd"] == [42, None, None, None]


@pytest.mark.parametrize(("status", "lost"), [(502, True), (504, True), (500, False), (503, False)])
def test_only_a_gateways_answer_counts_as_a_lost_one(status: int, lost: bool) -> None:
    assert transport.gateway_lost(status) is lost
