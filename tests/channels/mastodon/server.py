"""A local Mastodon server for tests: the documented API on 127.0.0.1, with scripted failures.

In a test::

    server, base_url = start_server()
    token = server.issue_token()                      # or go through /oauth/authorize
    server.script("POST /api/v1/statuses", [429, "drop_after_apply"])
    ...
    assert len(server.statuses) == 1
    server.stop()

The threads, the scripting and the record of requests come from tests/servers/base.py, shared
by every local server; what is this platform's is its answers.

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
import json
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
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
from tests.servers.base import Reply, Scripted, ScriptedHandler, ScriptedServer, with_headers
from tests.servers.wire import multipart, read_body

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
class Seen:
    """One request as the server saw it (for assertions such as "reconcile never POSTs")."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


class MastodonServer(ScriptedServer[Seen]):
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, state_file: Path | None = None
    ) -> None:
        super().__init__(_Handler, host, port)
        self.api = MastodonApi(self.base_url, state_file=state_file)
        self.lock = self.api.lock
        self.rate_limit = 300  # per token (or client address) and period, as documented
        self.latency = 0.0
        self.rate_period = 300.0
        self.rate_reset = 60.0  # seconds until reset announced by a scripted 429
        # Status creations being answered right now: in all, and per Idempotency-Key (one
        # delivery's part); the most seen at once of each.
        self.in_flight = 0
        self.in_flight_by_key: dict[str, int] = {}
        self.max_in_flight = 0
        self.max_in_flight_one_key = 0
        self._buckets: dict[str, list[float]] = {}  # key -> [count, period end]

    # --- the test-facing API ----------------------------------------------------------------

    @property
    def statuses(self) -> list[dict[str, Any]]:
        return self.api.statuses

    def issue_token(self, username: str = "toivonpolku", **kw: Any) -> str:
        return self.api.issue_token(username, **kw)

    def route_pattern(self, path: str) -> re.Pattern[str]:
        return route_pattern(path)

    # --- used by the handler ------------------------------------------------------------------

    def handle_api(self, req: ApiRequest) -> ApiResponse:
        return self.api.handle(req)

    def error_answer(self, status: int, req: ApiRequest) -> ApiResponse:
        return ApiResponse(status, error_body(status, req.path))

    def reply_body(self, status: int, req: ApiRequest) -> Any:
        return error_body(status, req.path)

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


class _Handler(ScriptedHandler):
    server: MastodonServer
    server_version = "Mastodon"
    sys_version = ""

    def do_PUT(self) -> None:
        self.serve()

    def read_request(self) -> ApiRequest | None:
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
        self.json_body: Any = None
        if content_type.startswith("application/x-www-form-urlencoded"):
            req.form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        elif content_type.startswith("multipart/form-data"):
            req.form, req.files = multipart(raw, content_type)
        elif content_type.startswith("application/json") and raw:
            try:
                self.json_body = json.loads(raw)
            except ValueError:
                self.send_answer(ApiResponse(400, {"error": "Invalid JSON"}))
                return None
            req.form = _json_form(self.json_body)
        return req

    def seen(self, req: ApiRequest) -> Seen:
        return Seen(req.method, req.path, req.headers, req.form)

    def dispatch(self, req: ApiRequest) -> None:
        """Control requests (standalone mode) are not the API's; creating a status is counted
        while it is being answered."""
        if req.path.startswith("/__control/"):
            self.send_answer(self.server.control(req, self.json_body))
            return
        creating = req.method == "POST" and req.path == "/api/v1/statuses"
        key = req.headers.get("idempotency-key", "")
        if creating:
            self.server.flight(key, +1)
        try:
            super().dispatch(req)
        finally:
            if creating:
                self.server.flight(key, -1)

    def answer(self, req: ApiRequest, scripted: Scripted | None) -> ApiResponse:
        """X-RateLimit-* on every answer, a scripted one too; 429 past the limit; the
        ``latency`` knob around creating a status."""
        bucket = f"token:{req.token}" if req.token else f"ip:{req.client}"
        exhausted = scripted == 429 or (isinstance(scripted, Reply) and scripted.status == 429)
        rate, over = self.server.rate_headers(bucket, exhausted=exhausted)
        if isinstance(scripted, int | Reply):
            return with_headers(super().answer(req, scripted), rate)
        if over:
            return with_headers(ApiResponse(429, error_body(429)), rate)
        slow = self.server.latency > 0 and req.method == "POST" and req.path == "/api/v1/statuses"
        if slow:
            time.sleep(self.server.latency / 2)
        response = super().answer(req, scripted)
        if slow:
            time.sleep(self.server.latency / 2)
        return with_headers(response, rate)


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
