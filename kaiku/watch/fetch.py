"""The watch's way out to the network: stricter than ``kaiku.http`` because feeds are hostile.

- The address policy is checked when connecting: the host name is resolved once here, every
  address it resolves to must be public (``kaiku.http.is_public``, plus the IPv4 hidden in
  NAT64, 6to4 and Teredo addresses), and the socket is opened to the checked address. Host
  header and TLS SNI keep the name. So DNS cannot smuggle in 127.0.0.1 after a check, and
  every spelling (``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``, ``localhost.``) ends
  up as the address it means. ``KAIKU_ALLOWED_PRIVATE_HOSTS`` lifts it for the hosts (or
  host:port pairs) it lists, and for no redirect from them to anywhere else.
- A total deadline per fetch, redirects included: every socket read and write gets at most the
  time that is left, so a server that drips a byte a second is cut off at the deadline.
- A size cap on the decoded body. Compressed bodies are inflated here in bounded steps
  (``zlib`` with ``max_length``), so a gzip bomb stops at the cap instead of filling memory.
  A feed (``get(partial_ok=True)``) over the cap is read up to the cap and marked
  ``truncated``: the parser keeps the items before the cut (``too_large_partial``); anything
  else over the cap is refused (``too_large``).
- Redirects are followed here, at most ``MAX_REDIRECTS``, each target checked again; a loop is
  reported as a loop.
- Conditional GET (ETag, Last-Modified) and 304; Retry-After on 429/503, capped at 24 h.
"""

from __future__ import annotations

import contextvars
import email.utils
import json
import ssl
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

from kaiku import http
from kaiku.http import (
    USER_AGENT,
    BlockedAddress,
    address_allowed,
    allowed_addresses,
    literal_address,
    private_host_allowed,
)
from kaiku.watch.errors import WatchError

DEADLINE_SECONDS = 15.0
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = http.MAX_REDIRECTS
RETRY_AFTER_CAP = 24 * 3600.0
READ_CHUNK = 64 * 1024
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, */*;q=0.5"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "watch_fetch_deadline", default=None
)


def deadline_seconds() -> float:
    return float(getattr(settings, "KAIKU_WATCH_DEADLINE_SECONDS", DEADLINE_SECONDS))


def max_bytes() -> int:
    return int(getattr(settings, "KAIKU_WATCH_MAX_BYTES", MAX_BYTES))


# --- the address policy ------------------------------------------------------------------


def resolve_checked(host: str, port: int) -> list[str]:
    """Resolve ``host`` once; every address must pass the policy. Returns the addresses."""
    try:
        return allowed_addresses(host, port)
    except BlockedAddress as exc:
        raise WatchError(
            "blocked_address", host=host, address=exc.address, permanent=True
        ) from None
    except httpx.ConnectError:
        raise WatchError("dns_failed", host=host) from None


def check_url(url: str) -> httpx.URL:
    """Parse ``url`` and refuse what can be refused before connecting."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        host, port = "", None
    early = literal_address(host) if host else None
    if early is not None and not address_allowed(early) and not private_host_allowed(host, port):
        raise WatchError("blocked_address", host=host, address=str(early), permanent=True)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise WatchError("bad_url", url=url[:200], permanent=True) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise WatchError("bad_url", url=url[:200], permanent=True)
    literal = literal_address(parsed.host)
    port = parsed.port or _DEFAULT_PORTS[parsed.scheme]
    if (
        literal is not None
        and not address_allowed(literal)
        and not private_host_allowed(parsed.host, port)
    ):
        raise WatchError("blocked_address", host=parsed.host, address=str(literal), permanent=True)
    return parsed


# --- the network backend: pinned addresses, deadline on every socket operation -------------


def _time_left(timeout: float | None) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the fetch deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(http.PinnedBackend):
    """Connects only to addresses that passed the policy, resolved here and nowhere else,
    within the fetch's total deadline, to a stream that keeps to it."""

    def addresses(self, host: str, port: int) -> list[str]:
        return resolve_checked(host, port)

    def connect_timeout(self, timeout: float | None) -> float | None:
        return _time_left(timeout)

    def wrap(self, stream: httpcore.NetworkStream) -> httpcore.NetworkStream:
        return _DeadlineStream(stream)


# --- bounded decompression -----------------------------------------------------------------


class _Inflater:
    """Inflates gzip/deflate in steps of at most ``limit`` output bytes."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._raw_deflate_tried = False
        wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._wbits = wbits
        self._obj = zlib.decompressobj(wbits)

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        pending = data
        while True:
            if self._obj.eof:
                # A second gzip member follows, or trailing garbage (dropped).
                rest = self._obj.unused_data + pending
                if not rest.startswith(b"\x1f\x8b"):
                    break
                self._obj = zlib.decompressobj(self._wbits)
                pending = rest
            chunk = self._obj.unconsumed_tail + pending
            pending = b""
            if not chunk:
                break
            out += self._inflate(chunk, max(1, limit - len(out)))
            if len(out) >= limit or not (self._obj.unconsumed_tail or self._obj.eof):
                break
        return bytes(out)

    def _inflate(self, chunk: bytes, room: int) -> bytes:
        try:
            return self._obj.decompress(chunk, room)
        except zlib.error:
            if self.encoding != "deflate" or self._raw_deflate_tried:
                raise
            # Some servers send raw deflate without the zlib header.
            self._raw_deflate_tried = True
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._obj.decompress(chunk, room)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # after redirects
    status: int
    content: bytes
    headers: httpx.Headers
    permanent_url: str | None = None  # set when every redirect on the way was permanent
    truncated: bool = False  # the body was cut at the size cap (only with partial_ok)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str:
        return str(self.headers.get("etag", ""))[:500]

    @property
    def last_modified(self) -> str:
        return str(self.headers.get("last-modified", ""))[:100]

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", "")).split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in str(self.headers.get("content-type", "")).split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"' ").lower()
        return None

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WatchError("malformed", format="JSON", detail=str(exc)[:200]) from None


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), within [0, 24 h]."""
    if not value:
        return None
    value = value.strip()
    seconds: float
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, min(seconds, RETRY_AFTER_CAP))


def _error_detail(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return " ".join(body[:200].decode("utf-8", "replace").split())
    if isinstance(data, dict):
        for key in ("message", "error_description", "error", "detail", "title"):
            if isinstance(data.get(key), str):
                return str(data[key])[:300]
    return ""


def _status_error(status: int, headers: httpx.Headers, body: bytes) -> WatchError:
    wait = retry_after(headers.get("retry-after"))
    if status in (404, 410):
        return WatchError("not_found", status=status, permanent=status == 410)
    if status in (401, 403):
        detail = _error_detail(body)
        if status == 401:
            return WatchError("auth_required", status=status, detail=detail)
        return WatchError("forbidden", status=status, detail=detail)
    if status == 429:
        seconds = wait if wait is not None else 3600.0
        return WatchError("rate_limited", retry_after=seconds, minutes=max(1, round(seconds / 60)))
    if status >= 500:
        return WatchError("server_error", status=status, retry_after=wait)
    if status in (400, 422):
        return WatchError("api_error", status=status, detail=_error_detail(body) or str(status))
    return WatchError("http_status", status=status)


# --- the fetcher -------------------------------------------------------------------------------


class Fetcher:
    """A reusable, thread-safe fetcher with the watch's policy. Use as a context manager."""

    def __init__(
        self,
        *,
        deadline: float | None = None,
        limit: int | None = None,
        redirects: int = MAX_REDIRECTS,
        pool_size: int = 32,
    ) -> None:
        self.deadline = deadline if deadline is not None else deadline_seconds()
        self.limit = limit if limit is not None else max_bytes()
        self.redirects = redirects
        transport = http.guarded_transport(
            backend=PinnedBackend(),
            retries=0,
            limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
        )
        self._client = httpx.Client(
            transport=transport,
            trust_env=False,  # a proxy from the environment would bypass the pinned addresses
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        etag: str = "",
        last_modified: str = "",
        accept: str = FEED_ACCEPT,
        headers: dict[str, str] | None = None,
        params: dict[str, str | int] | None = None,
        partial_ok: bool = False,
    ) -> FetchResult:
        """GET ``url`` under the policy. Raises WatchError with a code for people.

        ``partial_ok``: a body over the size cap is cut there (``truncated``) instead of
        refused, for a feed whose first items are worth reading."""
        request_headers = {"Accept": accept, **(headers or {})}
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        token = _deadline.set(time.monotonic() + self.deadline)
        try:
            return self._follow(url, request_headers, params, partial_ok=partial_ok)
        finally:
            _deadline.reset(token)

    def get_json(
        self,
        url: str,
        *,
        params: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        return self.get(url, accept="application/json", headers=headers, params=params).json()

    def _follow(
        self,
        url: str,
        headers: dict[str, str],
        params: dict[str, str | int] | None,
        *,
        partial_ok: bool = False,
    ) -> FetchResult:
        current = check_url(url)
        if params:
            current = current.copy_merge_params(params)
        seen = {str(current)}
        permanent = True
        for _hop in range(self.redirects + 1):
            result = self._once(current, headers, partial_ok=partial_ok)
            if result.status not in _REDIRECTS:
                moved = str(current) if permanent and str(current) != url else None
                return FetchResult(
                    str(current),
                    result.status,
                    result.content,
                    result.headers,
                    moved,
                    truncated=result.truncated,
                )
            location = result.headers.get("location", "")
            if not location:
                raise WatchError("http_status", status=result.status)
            permanent = permanent and result.status in (301, 308)
            try:
                target = current.join(location)
            except (httpx.InvalidURL, ValueError):
                raise WatchError("bad_url", url=location[:200]) from None
            target = check_url(str(target))
            if str(target) in seen:
                raise WatchError("redirect_loop", url=str(target)[:200])
            seen.add(str(target))
            current = target
        raise WatchError("too_many_redirects", limit=self.redirects)

    def _once(
        self, url: httpx.URL, headers: dict[str, str], *, partial_ok: bool = False
    ) -> FetchResult:
        host = url.host
        per_op = min(10.0, self.deadline)
        timeout = httpx.Timeout(per_op, connect=per_op)
        try:
            with self._client.stream("GET", url, headers=headers, timeout=timeout) as response:
                status = response.status_code
                if status in _REDIRECTS or status == 304:
                    return FetchResult(str(url), status, b"", response.headers)
                if status >= 400:
                    body = self._read(response, limit=4096, strict=False)
                    raise _status_error(status, response.headers, body)
                if partial_ok:
                    content = self._read(response, limit=self.limit, strict=False)
                    # One byte more than the cap was asked for: whether it came tells a body
                    # of exactly the cap from a cut one.
                    truncated = len(content) > self.limit
                    return FetchResult(
                        str(url),
                        status,
                        content[: self.limit],
                        response.headers,
                        truncated=truncated,
                    )
                content = self._read(response, limit=self.limit, strict=True)
                return FetchResult(str(url), status, content, response.headers)
        except WatchError:
            raise
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise WatchError("connect_failed", host=host) from None
            raise WatchError("deadline", seconds=round(self.deadline)) from None
        except httpx.ConnectError as exc:
            text = str(exc)
            if "SSL" in text or "CERTIFICATE" in text.upper() or "TLS" in text:
                raise WatchError("tls_failed", host=host) from None
            raise WatchError("connect_failed", host=host) from None
        except zlib.error as exc:  # the server's fault, not the connection's
            raise WatchError("bad_compression", host=host, detail=str(exc)[:200]) from None
        except httpx.RemoteProtocolError as exc:
            raise WatchError("protocol_error", host=host, detail=str(exc)[:200]) from None
        except (httpx.ReadError, httpx.WriteError):
            raise WatchError("connect_failed", host=host) from None
        except httpx.HTTPError as exc:
            raise WatchError("connect_failed", host=host, detail=type(exc).__name__) from None

    def _read(self, response: httpx.Response, *, limit: int, strict: bool) -> bytes:
        declared = response.headers.get("content-length", "")
        if strict and declared.isdigit() and int(declared) > limit:
            raise WatchError("too_large", limit_mb=round(limit / 1048576, 1))
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        inflater: _Inflater | None = None
        if encoding in ("gzip", "x-gzip", "deflate"):
            inflater = _Inflater(encoding)
        elif encoding not in ("", "identity"):
            raise WatchError("malformed", format="HTTP", detail=f"content encoding {encoding}")
        body = bytearray()
        for raw in response.iter_raw(READ_CHUNK):
            deadline = _deadline.get()
            if deadline is not None and time.monotonic() > deadline:
                raise WatchError("deadline", seconds=round(self.deadline))
            piece = inflater.feed(raw, limit - len(body) + 1) if inflater else raw
            body += piece
            if len(body) > limit:
                if strict:
                    raise WatchError("too_large", limit_mb=round(limit / 1048576, 1))
                return bytes(body[: limit + 1])  # the byte past the cap says it was cut
        return bytes(body)
