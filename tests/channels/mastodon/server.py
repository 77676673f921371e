"""A local Mastodon server for tests: the documented API on 127.0.0.1, with scripted failures.

In a test::

    server, base_url = start_server()
    token = server.issue_token()                      # or go through /oauth/authorize
    server.script("POST /api/v1/statuses", [429, "drop_after_apply"])
    ...
    assert len(server.statuses) == 1
    server.stop()

``script(route, responses)`` makes the next requests to ``route`` ("METHOD /path" or "/path",
``:id`` segments allowed) answer, in order, with:

- an int (401, 404, 422, 429, 500, 503, ...): that status and the documented Error body;
  nothing is applied. 429 comes with X-RateLimit-Remaining 0 and a reset ``rate_reset`` s away.
- ``Reply(status, body, headers)``: exactly that.
- ``"hang"``: read the request, apply nothing, answer nothing until the client gives up.
- ``"drop"``: read the request, apply nothing, close the connection.
- ``"hang_after_apply"`` / ``"drop_after_apply"``: apply the request (the status IS created),
  then hang / close without answering: the unknown-outcome case.

Standalone (for crash tests with real worker processes)::

    python -m tests.channels.mastodon.server --port 0 --state /tmp/m.json --token T

prints ``READY http://127.0.0.1:PORT`` once listening, keeps its state (statuses, tokens,
idempotency keys) in the JSON file across restarts, stops on SIGTERM/SIGINT, and takes control
requests (no auth, loopback only):

- ``GET  /__control/state``  -> ``{"statuses": [...], "requests": [{"method", "path"}...]}``
- ``POST /__control/script`` with ``{"route": "POST /api/v1/statuses", "responses": [...]}``
  (items: int, action string, or ``{"status", "body", "headers"}``)
- ``POST /__control/token``  with ``{"token": "...", "username": "..."}``
- ``POST /__control/knobs``  with e.g. ``{"idempotency_window": 0, "max_characters": 500}``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.channels.mastodon.api import (
    ApiRequest,
    ApiResponse,
    MastodonApi,
    error_body,
    iso_us,
    route_pattern,
)
from tests.servers.wire import multipart, read_body

ACTIONS = frozenset({"hang", "drop", "hang_after_apply", "drop_after_apply"})
# Knobs of the server itself: ``latency`` (seconds a POST /api/v1/statuses takes, half before
# the status is created and half after, so that a killed client can die on either side) and
# ``rate_limit`` (requests per token and period).
SERVER_KNOBS = frozenset({"latency", "rate_limit"})
KNOBS = frozenset(
    {
        "max_characters",
        "characters_reserved_per_url",
        "max_media_attachments",
        "idempotency_window",
        "media_async",
        "media_processing_polls",
        "instance_v2",
        "authorize_as",
        "deny_authorization",
    }
)


@dataclass
class Reply:
    """A scripted answer. ``body=None`` means the documented Error body for ``status``."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Scripted = int | str | Reply


@dataclass
class Seen:
    """One request as the server saw it (for assertions such as "reconcile never POSTs")."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


class _Script:
    def __init__(self, route: str, responses: list[Scripted]) -> None:
        method, _, path = route.strip().rpartition(" ")
        self.method = method.upper() or None
        self.pattern = route_pattern(path)
        self.queue: deque[Scripted] = deque(responses)

    def matches(self, method: str, path: str) -> bool:
        return (
            bool(self.queue)
            and (self.method in (None, method))
            and bool(self.pattern.fullmatch(path))
        )


class MastodonServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (a killed worker) is expected, not an error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, state_file: Path | None = None
    ) -> None:
        super().__init__((host, port), _Handler)
        self.base_url = f"http://{host}:{self.server_address[1]}"
        self.api = MastodonApi(self.base_url, state_file=state_file)
        self.stopping = threading.Event()
        self.hang_seconds = 30.0  # how long "hang" holds the connection at most
        self.rate_limit = 300  # per token (or client address) and period, as documented
        self.latency = 0.0
        self.rate_period = 300.0
        self.rate_reset = 60.0  # seconds until reset announced by a scripted 429
        self.requests: list[Seen] = []
        # Status creations being answered right now: in all, and per Idempotency-Key (one
        # delivery's part); the most seen at once of each.
        self.in_flight = 0
        self.in_flight_by_key: dict[str, int] = {}
        self.max_in_flight = 0
        self.max_in_flight_one_key = 0
        self._scripts: list[_Script] = []
        self._buckets: dict[str, list[float]] = {}  # key -> [count, period end]
        self._thread: threading.Thread | None = None

    # --- the test-facing API ----------------------------------------------------------------

    @property
    def statuses(self) -> list[dict[str, Any]]:
        return self.api.statuses

    def issue_token(self, username: str = "toivonpolku", **kw: Any) -> str:
        return self.api.issue_token(username, **kw)

    def script(self, route: str, responses: list[Scripted]) -> None:
        for item in responses:
            if isinstance(item, str) and item not in ACTIONS:
                raise ValueError(f"unknown scripted action {item!r}; one of {sorted(ACTIONS)}")
        with self.api.lock:
            self._scripts.append(_Script(route, responses))

    def requests_to(self, method: str, path: str) -> list[Seen]:
        pattern = route_pattern(path)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    # --- used by the handler ------------------------------------------------------------------

    def next_scripted(self, method: str, path: str) -> Scripted | None:
        with self.api.lock:
            for script in self._scripts:
                if script.matches(method, path):
                    return script.queue.popleft()
        return None

    def flight(self, key: str, step: int) -> None:
        with self.api.lock:
            self.in_flight += step
            self.in_flight_by_key[key] = self.in_flight_by_key.get(key, 0) + step
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.max_in_flight_one_key = max(self.max_in_flight_one_key, self.in_flight_by_key[key])

    def rate_headers(self, key: str, *, exhausted: bool = False) -> tuple[dict[str, str], bool]:
        """X-RateLimit-* for this request, and whether it is over the limit."""
        now = time.time()
        with self.api.lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket[1] <= now:
                bucket = self._buckets[key] = [0, now + self.rate_period]
            bucket[0] += 1
            over = bucket[0] > self.rate_limit
            reset = self.api.reset_time(bucket[1] - now)
        if exhausted:
            reset = self.api.reset_time(self.rate_reset)
        remaining = 0 if exhausted or over else self.rate_limit - int(bucket[0])
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": iso_us(reset),
        }, over

    def control(self, req: ApiRequest, body: Any) -> ApiResponse:
        if req.path == "/__control/state":
            return ApiResponse(
                200,
                {
                    "statuses": self.statuses,
                    "requests": [{"method": r.method, "path": r.path} for r in self.requests],
                },
            )
        if req.path == "/__control/script" and isinstance(body, dict):
            items: list[Scripted] = [
                Reply(int(i["status"]), i.get("body"), dict(i.get("headers") or {}))
                if isinstance(i, dict)
                else i
                for i in body.get("responses", [])
            ]
            self.script(str(body["route"]), items)
            return ApiResponse(200, {})
        if req.path == "/__control/token" and isinstance(body, dict):
            token = self.issue_token(
                str(body.get("username") or "toivonpolku"), token=body.get("token", "")
            )
            return ApiResponse(200, {"token": token})
        if req.path == "/__control/knobs" and isinstance(body, dict):
            for name, value in body.items():
                if name in KNOBS:
                    setattr(self.api, name, value)
                elif name in SERVER_KNOBS:
                    setattr(self, name, value)
            return ApiResponse(200, {})
        return ApiResponse(404, error_body(404))


def start_server(*, state_file: Path | None = None, **knobs: Any) -> tuple[MastodonServer, str]:
    """A running server on a free loopback port; ``knobs`` set MastodonApi attributes."""
    server = MastodonServer(state_file=state_file)
    for name, value in knobs.items():
        if name not in KNOBS:
            raise TypeError(f"unknown knob {name!r}")
        setattr(server.api, name, value)
    server.start()
    return server, server.base_url


# --- the wire ----------------------------------------------------------------------------------


def _json_form(body: Any) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, list):
                form[key] = [str(v) for v in value]
            elif value is not None:
                form[key] = ["true" if value is True else "false" if value is False else str(value)]
    return form


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real server behind nginx
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle and the
    # client's delayed ACK hold each answer back by about 40 ms.
    disable_nagle_algorithm = True
    server: MastodonServer
    server_version = "Mastodon"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        raw = read_body(self)
        content_type = self.headers.get("Content-Type", "")
        req = ApiRequest(
            method=self.command,
            path=parts.path.rstrip("/") or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            client=self.client_address[0],
        )
        json_body: Any = None
        if content_type.startswith("application/x-www-form-urlencoded"):
            req.form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        elif content_type.startswith("multipart/form-data"):
            req.form, req.files = multipart(raw, content_type)
        elif content_type.startswith("application/json") and raw:
            try:
                json_body = json.loads(raw)
            except ValueError:
                self._send(ApiResponse(400, {"error": "Invalid JSON"}), {})
                return
            req.form = _json_form(json_body)

        if req.path.startswith("/__control/"):
            self._send(self.server.control(req, json_body), {})
            return
        self.server.requests.append(Seen(req.method, req.path, req.headers, req.form))
        creating = req.method == "POST" and req.path == "/api/v1/statuses"
        key = req.headers.get("idempotency-key", "")
        if creating:
            self.server.flight(key, +1)
        try:
            self._answer(req)
        finally:
            if creating:
                self.server.flight(key, -1)

    def _answer(self, req: ApiRequest) -> None:
        scripted = self.server.next_scripted(req.method, req.path)
        if scripted in ("hang", "drop"):
            self._vanish(hang=scripted == "hang")
            return
        bucket = f"token:{req.token}" if req.token else f"ip:{req.client}"
        exhausted = scripted == 429 or (isinstance(scripted, Reply) and scripted.status == 429)
        rate, over = self.server.rate_headers(bucket, exhausted=exhausted)
        if isinstance(scripted, int):
            response = ApiResponse(scripted, error_body(scripted, req.path))
        elif isinstance(scripted, Reply):
            body = scripted.body
            if body is None:
                body = error_body(scripted.status, req.path)
            response = ApiResponse(scripted.status, body, dict(scripted.headers))
        elif over:
            response = ApiResponse(429, error_body(429))
        else:
            slow = (
                self.server.latency > 0 and req.method == "POST" and req.path == "/api/v1/statuses"
            )
            if slow:
                time.sleep(self.server.latency / 2)
            response = self.server.api.handle(req)
            if slow:
                time.sleep(self.server.latency / 2)
        if scripted in ("hang_after_apply", "drop_after_apply"):
            self._vanish(hang=scripted == "hang_after_apply")
            return
        self._send(response, rate)

    def _vanish(self, *, hang: bool) -> None:
        """No answer at all: wait for the client to give up (hang) or close at once (drop)."""
        self.close_connection = True
        if hang:
            self.server.stopping.wait(self.server.hang_seconds)
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, response: ApiResponse, rate: dict[str, str]) -> None:
        payload = b"" if response.body is None else json.dumps(response.body).encode("utf-8")
        self.send_response(response.status)
        if response.body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in {**rate, **response.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


# --- standalone --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state", type=Path, help="JSON file that keeps the state")
    parser.add_argument("--token", action="append", default=[], help="pre-issued user token")
    parser.add_argument("--username", default="toivonpolku")
    args = parser.parse_args(argv)

    server = MastodonServer(args.host, args.port, state_file=args.state)
    for token in args.token:
        server.issue_token(args.username, token=token)

    def stop(_signum: int, _frame: object) -> None:
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write(f"READY {server.base_url}\n")
    sys.stdout.flush()
    server.serve_forever(poll_interval=0.05)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
