"""A small keep-alive HTTP/1.1 client on the standard library, for paths that send many requests.

Publishing to Mastodon is the hot path: when a thousand posts fall due at once, a worker spends
most of its processor time in the HTTP client. httpx costs about 1.2 ms of CPU per request on
the development machines and ``http.client`` about 0.35 ms, so the Mastodon connector talks
through this client. Everything else keeps httpx through ``kaiku.http``.

The policy is ``kaiku.http``'s: one User-Agent, timeouts, no redirects followed, and refusal of
private, loopback and link-local addresses but for the hosts in ``KAIKU_ALLOWED_PRIVATE_HOSTS``. The
check is made on the addresses a host name resolved to, and the connection goes to one of those
very addresses, so a second DNS answer cannot smuggle in another one. Proxies from the
environment are not used.

Failures raise httpx's exception types (``httpx.ConnectError``, ``httpx.ReadTimeout``,
``httpx.RemoteProtocolError`` …), so callers tell "nothing was sent" from "the answer was lost"
the same way whichever client they use. Nothing is ever retried here: a request that may have
reached the server is the caller's to reconcile.
"""

from __future__ import annotations

import http.client
import json
import secrets
import select
import socket
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from kaiku.http import DEFAULT_TIMEOUT, MAX_ANSWER_BYTES, USER_AGENT, _tls, allowed_addresses

MAX_BODY = MAX_ANSWER_BYTES  # kaiku.http's limit for an API answer
MAX_IDLE = 16  # kept-alive connections per origin

FormData = Mapping[str, str | Sequence[str]]
Files = Mapping[str, tuple[str, bytes, str]]


class Response:
    """What came back: the status, the headers (case-insensitive) and the whole body."""

    __slots__ = ("content", "headers", "status_code", "url")

    def __init__(self, status_code: int, headers: httpx.Headers, content: bytes, url: str):
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.url = url

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        charset = "utf-8"
        for piece in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = piece.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.content.decode(charset, "replace")
        except LookupError:
            return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def _timeouts(timeout: httpx.Timeout | float | None) -> tuple[float | None, float | None]:
    """(connect, read/write) seconds."""
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout.connect, timeout.read
    return float(timeout), float(timeout)


def _stale(conn: http.client.HTTPConnection) -> bool:
    """An idle kept-alive connection that the server closed (or wrote to) is not reused."""
    sock = conn.sock
    if sock is None or sock.fileno() < 0:
        return True
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def _multipart(data: FormData | None, files: Files) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)

    def quoted(value: str) -> str:  # as browsers do (WHATWG multipart/form-data)
        return value.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")

    chunks: list[bytes] = []
    for name, values in (data or {}).items():
        for value in [values] if isinstance(values, str) else values:
            chunks.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted(name)}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
    for name, (filename, content, mime) in files.items():
        chunks.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted(name)}"; '
                f'filename="{quoted(filename)}"\r\nContent-Type: {mime}\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Client:
    """Requests to one origin (``base_url``) over a pool of kept-alive connections.

    Thread-safe: each request takes a connection of its own from the pool."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout | float | None = None,
        headers: Mapping[str, str] | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        parts = urlsplit(base_url)
        # A bad address is reported by the first request, like any other failure to reach it.
        self._invalid: Exception | None = None
        port = None
        if parts.scheme not in ("http", "https"):
            self._invalid = httpx.UnsupportedProtocol(f"not an http(s) address: {base_url!r}")
        elif not parts.hostname:
            self._invalid = httpx.InvalidURL(f"no host in {base_url!r}")
        else:
            try:
                port = parts.port
            except ValueError:
                self._invalid = httpx.InvalidURL(f"bad port in {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._connect_timeout, self._read_timeout = _timeouts(timeout)
        self._headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._max_body = max_body
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            self._closed = True
        for conn in idle:
            conn.close()

    # --- connections ----------------------------------------------------------------------

    def _take(self) -> http.client.HTTPConnection:
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                return self._connect()
            if _stale(conn):
                conn.close()
                continue
            return conn

    def _give_back(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < MAX_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def _connect(self) -> http.client.HTTPConnection:
        host, port = self._host, self._port
        # Resolved and checked once; only these addresses are connected to.
        addresses = allowed_addresses(host, port)
        error: httpx.TransportError = httpx.ConnectError(f"cannot connect to {host}")
        sock: socket.socket | None = None
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            candidate = socket.socket(family, socket.SOCK_STREAM)
            candidate.settimeout(self._connect_timeout)
            try:
                candidate.connect((address, port))
            except TimeoutError:
                candidate.close()
                error = httpx.ConnectTimeout(f"connecting to {host} timed out")
            except OSError as exc:
                candidate.close()
                error = httpx.ConnectError(f"cannot connect to {host}: {exc}")
            else:
                sock = candidate
                break
        if sock is None:
            raise error
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn: http.client.HTTPConnection
        if self._https:
            try:
                sock = _tls().wrap_socket(sock, server_hostname=host)
            except TimeoutError:
                sock.close()
                raise httpx.ConnectTimeout(f"TLS handshake with {host} timed out") from None
            except (OSError, ValueError) as exc:
                sock.close()
                raise httpx.ConnectError(f"TLS with {host} failed: {exc}") from None
            conn = http.client.HTTPSConnection(host, port, context=_tls())
        else:
            conn = http.client.HTTPConnection(host, port)
        conn.sock = sock
        return conn

    # --- requests -------------------------------------------------------------------------

    def _target(self, url: str, params: Mapping[str, Any] | None) -> str:
        if "://" in url:
            parts = urlsplit(url)
            if (
                (parts.scheme == "https") != self._https
                or parts.hostname != self._host
                or ((parts.port or (443 if self._https else 80)) != self._port)
            ):
                raise httpx.InvalidURL(f"{url!r} is not on {self.base_url}")
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
        else:
            path = self._prefix + (url if url.startswith("/") else "/" + url)
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params, doseq=True)
        return path

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: FormData | None = None,
        files: Files | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        if self._invalid is not None:
            raise self._invalid
        target = self._target(url, params)
        all_headers = {**self._headers, **(headers or {})}
        body: bytes | None = None
        if files:
            body, all_headers["Content-Type"] = _multipart(data, files)
        elif data is not None:
            body = urlencode(data, doseq=True).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif method in ("POST", "PUT", "PATCH"):
            body = b""
        conn = self._take()
        reusable = False
        try:
            assert conn.sock is not None
            conn.sock.settimeout(self._read_timeout)
            try:
                conn.request(method, target, body=body, headers=all_headers)
            except TimeoutError:
                raise httpx.WriteTimeout(f"sending {method} {target} timed out") from None
            except ValueError as exc:  # a header or method http.client refuses to send
                raise httpx.LocalProtocolError(str(exc)) from None
            except OSError as exc:
                raise httpx.WriteError(f"sending {method} {target}: {exc}") from None
            try:
                answer = conn.getresponse()
                if answer.length is None:  # chunked, or until the server closes
                    content = answer.read(self._max_body + 1)
                elif answer.length <= self._max_body:
                    content = answer.read()  # IncompleteRead when cut short
                else:
                    content = b"\0" * (self._max_body + 1)  # refused below, unread
            except TimeoutError:
                raise httpx.ReadTimeout(f"no answer to {method} {target} in time") from None
            except http.client.HTTPException as exc:
                raise httpx.RemoteProtocolError(
                    f"{type(exc).__name__} from {method} {target}: {exc}"
                ) from None
            except OSError as exc:
                raise httpx.ReadError(f"reading the answer to {method} {target}: {exc}") from None
            if len(content) > self._max_body:
                raise httpx.RemoteProtocolError(
                    f"the answer to {method} {target} is larger than {self._max_body} bytes"
                )
            # Reused only when the whole answer was read and the server keeps it open.
            reusable = answer.isclosed() and not answer.will_close
            return Response(
                answer.status,
                httpx.Headers(answer.getheaders()),
                content,
                f"{self.base_url}{target}",
            )
        finally:
            if reusable:
                self._give_back(conn)
            else:
                conn.close()
