"""The one place where a network failure becomes a ``ChannelError``, shared by every client.

Both ways out (``kaiku.http``'s httpx client and ``kaiku.http_lite``) raise httpx's exception
types, so one mapping serves them all. What matters for publishing exactly once is whether the
request may have reached the platform:

- ``BlockedAddress``: the address policy refused the host before any connection: PERMANENT
  ``blocked_address`` (asking again cannot help).
- ``ConnectError``, ``ConnectTimeout``, ``PoolTimeout``: no connection, so nothing was sent:
  TRANSIENT ``network``, even for a request that creates something.
- Any other timeout, ``NetworkError`` (a read or write broke off) and ``RemoteProtocolError``:
  the request left, at least partly, and no answer came back. For a request that creates
  something (``unsafe``) that is UNKNOWN_OUTCOME ``timeout``: the engine reconciles before
  any retry, which is what keeps a post from going out twice. Otherwise TRANSIENT ``network``.
- Any other transport error: TRANSIENT ``network``.

Also here: JSON decoding and the parts of rate-limit headers that every platform spells alike
(the server's ``Date``, whole-number headers, ``Retry-After``). What the numbers mean stays
with each platform's client.

Per client differences are parameters, not copies: ``invalid_url`` gives a malformed address
a PERMANENT code (Mastodon: the instance a person typed, "invalid_instance"; Meta: whole URLs
such as an account's own graph_url, "invalid"); where it is None (X, LinkedIn, whose addresses
are fixed), ``UnsupportedProtocol`` stays a transport error like any other and ``InvalidURL``
is not caught. The Bluesky client keeps its own error type and a stricter rule on top of
``nothing_sent``: every transport error but a failed connection counts as maybe sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Generic, Protocol, Self, TypeVar

import httpx

from kaiku import http
from kaiku.channels.base import ChannelError, Failure

# No connection was made: whatever the request was, the platform has not seen it.
NOT_SENT: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
# The request left (at least partly) and the answer was lost.
ANSWER_LOST: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


def nothing_sent(exc: httpx.TransportError) -> bool:
    """True when ``exc`` says the platform cannot have seen the request (no connection)."""
    return isinstance(exc, NOT_SENT)


def network_error(
    exc: httpx.TransportError | httpx.InvalidURL,
    *,
    unsafe: bool,
    target: str,
    invalid_url: str | None = None,
) -> ChannelError:
    """The ``ChannelError`` for a request that raised ``exc`` (see the module's docstring).

    ``unsafe``: the request creates something on the platform. ``target``: the path or URL,
    the detail when the exception has no words of its own."""
    if isinstance(exc, http.BlockedAddress):
        return ChannelError(Failure.PERMANENT, "blocked_address", str(exc))
    if invalid_url is not None and isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ChannelError(Failure.PERMANENT, invalid_url, str(exc))
    if isinstance(exc, httpx.InvalidURL):
        # Not a transport error: only ``mapped_errors`` with ``invalid_url`` catches it.
        raise TypeError("InvalidURL is mapped only with an invalid_url code") from exc
    if nothing_sent(exc):
        return ChannelError(Failure.TRANSIENT, "network", str(exc) or target)
    if isinstance(exc, ANSWER_LOST):
        failure = Failure.UNKNOWN_OUTCOME if unsafe else Failure.TRANSIENT
        code = "timeout" if unsafe else "network"
        return ChannelError(failure, code, f"{type(exc).__name__}: {exc}")
    return ChannelError(Failure.TRANSIENT, "network", str(exc) or target)


@contextmanager
def mapped_errors(*, unsafe: bool, target: str, invalid_url: str | None = None) -> Iterator[None]:
    """Run one request; a network failure in it is raised as ``network_error``'s answer."""
    caught: tuple[type[Exception], ...] = (httpx.TransportError,)
    if invalid_url is not None:
        caught = (httpx.TransportError, httpx.InvalidURL)
    try:
        yield
    except caught as exc:
        assert isinstance(exc, httpx.TransportError | httpx.InvalidURL)
        raise network_error(exc, unsafe=unsafe, target=target, invalid_url=invalid_url) from exc


# A gateway in front of the platform answered for it (502 Bad Gateway, 504 Gateway Timeout):
# the platform may have acted on the request, so for one that creates something the outcome is
# unknown. A 500 or 503 comes from the platform itself and is left to each client.
GATEWAY_LOST = frozenset({502, 504})


def gateway_lost(status: int) -> bool:
    """True when ``status`` says the answer was lost between the platform and us."""
    return status in GATEWAY_LOST


class Closable(Protocol):
    def close(self) -> None: ...


H = TypeVar("H", bound=Closable)


class OwnsHTTP(Generic[H]):
    """A platform client over one HTTP client (``_http``), closed with it; a context manager."""

    _http: H

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class JSONResponse(Protocol):
    def json(self) -> object: ...


def json_body(response: JSONResponse, bad_response: Callable[[str], ChannelError]) -> object:
    """The decoded JSON of an answer; one that is not JSON raises the platform's
    ``bad_response("non-JSON answer")`` (TRANSIENT ``unexpected``)."""
    try:
        return response.json()
    except ValueError as exc:
        raise bad_response("non-JSON answer") from exc


# --- rate-limit headers ---------------------------------------------------------------------


def server_now(headers: Mapping[str, str]) -> datetime:
    """The server's clock (its ``Date`` header) when it sent one, else ours: a reset time in a
    header is in the server's time."""
    value = headers.get("date")
    if value:
        try:
            return parsedate_to_datetime(value)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)


def header_int(headers: Mapping[str, str], name: str) -> int | None:
    """A header that holds a whole number (``x-rate-limit-remaining``), or None."""
    value = headers.get(name, "").strip()
    return int(value) if value.isdigit() else None


def retry_after(value: str, now: datetime | None = None, *, http_date: bool = True) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: seconds, or (unless ``http_date`` is off,
    for platforms that document only seconds) an HTTP date against ``now`` (by default our
    clock). Never negative; None when there is none or it cannot be read."""
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        if not http_date:
            return None
    try:
        # A date without a zone ("-0000") is naive: the subtraction refuses it, as None.
        return max(0.0, (parsedate_to_datetime(value) - (now or datetime.now(UTC))).total_seconds())
    except (TypeError, ValueError):
        return None
