"""A local Meta server for tests: the Graph API (Pages, Instagram), the Threads API and both
OAuth dialogs on 127.0.0.1, with scripted failures.

    server = start_server()
    server.script("POST /v26.0/{page}/feed", [429, "hang_after_apply"])
    ...
    server.stop()

``script(route, responses)`` makes the next requests to ``route`` ("METHOD /path"; ``{name}``
segments match any one segment) answer, in order, with:

- an int: the documented error object for it, nothing applied. 401 answers HTTP 400 with code
  190 / subcode 463 (an expired token: Graph sends OAuth errors with status 400); 429 answers
  HTTP 400 with the platform's throttling code (32 for Page routes, 4 elsewhere) and usage
  headers at 100 % with ``estimated_time_to_regain_access``; 500 answers HTTP 500 with code 2
  (``is_transient``); 400 answers code 100; other ints answer that status with code 1.
- ``Reply(status, body, headers)``: exactly that (``body=None``: code 100's error object).
- ``"hang"`` / ``"drop"``: read the request, apply nothing, answer nothing (until the client
  gives up) / close the connection.
- ``"hang_after_apply"`` / ``"drop_after_apply"``: apply the request (the post IS made), then
  hang / close: the unknown-outcome case.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.channels.meta.api import (
    GRAPH_VERSION,
    PAGE_ID,
    THREADS_VERSION,
    ApiRequest,
    ApiResponse,
    MetaApi,
    fixture,
)
from tests.servers.wire import multipart, read_body

ACTIONS = frozenset({"hang", "drop", "hang_after_apply", "drop_after_apply"})
SECRET_PARAMS = frozenset(
    {"access_token", "client_secret", "code", "fb_exchange_token", "input_token", "refresh_token"}
)


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Scripted = int | str | Reply


@dataclass
class Seen:
    method: str
    path: str
    args: dict[str, str]


def route_pattern(route_path: str) -> re.Pattern[str]:
    parts = [
        "[^/]+" if re.fullmatch(r"\{\w+\}", part) else re.escape(part)
        for part in route_path.strip("/").split("/")
    ]
    return re.compile("/" + "/".join(parts))


class _Script:
    def __init__(self, route: str, responses: list[Scripted]) -> None:
        method, _, path = route.strip().rpartition(" ")
        self.method = method.upper() or None
        self.pattern = route_pattern(path)
        self.queue: deque[Scripted] = deque(responses)

    def matches(self, method: str, path: str) -> bool:
        return (
            bool(self.queue)
            and self.method in (None, method)
            and bool(self.pattern.fullmatch(path))
        )


class MetaServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.base_url = f"http://{host}:{self.server_address[1]}"
        self.graph_url = f"{self.base_url}/{GRAPH_VERSION}"
        self.dialog_url = f"{self.graph_url}/dialog/oauth"
        self.threads_graph_url = f"{self.base_url}/{THREADS_VERSION}"
        self.threads_authorize_url = f"{self.base_url}/oauth/authorize"
        self.api = MetaApi(self.base_url)
        self.stopping = threading.Event()
        self.hang_seconds = 30.0
        self.requests: list[Seen] = []
        self.query_secrets: list[tuple[str, str]] = []
        self._scripts: list[_Script] = []
        self._thread: threading.Thread | None = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def script(self, route: str, responses: list[Scripted]) -> None:
        for item in responses:
            if isinstance(item, str) and item not in ACTIONS:
                raise ValueError(f"unknown scripted action {item!r}; one of {sorted(ACTIONS)}")
        with self.api.lock:
            self._scripts.append(_Script(route, responses))

    def clear_scripts(self) -> None:
        with self.api.lock:
            self._scripts.clear()

    def requests_to(self, method: str, path: str) -> list[Seen]:
        pattern = route_pattern(path)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    def next_scripted(self, method: str, path: str) -> Scripted | None:
        with self.api.lock:
            for script in self._scripts:
                if script.matches(method, path):
                    return script.queue.popleft()
        return None

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

    def scripted_error(self, status: int, req: ApiRequest) -> ApiResponse:
        if status == 401:
            return ApiResponse(400, fixture("error_190_expired.json"))
        if status == 429:
            page_route = f"/{PAGE_ID}" in req.path
            name = "error_32_page_limit.json" if page_route else "error_4_app_limit.json"
            usage = {"call_count": 100, "total_cputime": 12, "total_time": 14}
            buc = {PAGE_ID: [{"type": "pages", **usage, "estimated_time_to_regain_access": 7}]}
            headers = {
                "X-App-Usage": json.dumps(usage),
                "X-Business-Use-Case-Usage": json.dumps(buc),
            }
            return ApiResponse(400, fixture(name), headers)
        if status == 500:
            return ApiResponse(500, fixture("error_2_service.json"))
        if status == 400:
            return ApiResponse(400, fixture("error_100_invalid.json"))
        body = fixture("error_2_service.json")
        body["error"].update(code=1, message="An unknown error occurred")
        return ApiResponse(status, body)


def start_server(**knobs: Any) -> MetaServer:
    server = MetaServer()
    for name, value in knobs.items():
        if not hasattr(server.api, name):
            raise TypeError(f"unknown knob {name!r}")
        setattr(server.api, name, value)
    server.start()
    return server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle and the
    # client's delayed ACK hold each answer back by about 40 ms.
    disable_nagle_algorithm = True
    server: MetaServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
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
        )
        # Secrets that travelled in the URL (where logs and proxies see them), for the tests.
        self.server.query_secrets.extend(
            (req.path, name) for name in req.query if name in SECRET_PARAMS
        )
        if content_type.startswith("application/x-www-form-urlencoded"):
            req.form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        elif content_type.startswith("multipart/form-data"):
            req.form, req.files = multipart(raw, content_type)
        args = {k: v[0] for k, v in {**req.query, **req.form}.items() if k != "access_token"}
        self.server.requests.append(Seen(req.method, req.path, args))

        scripted = self.server.next_scripted(req.method, req.path)
        if scripted in ("hang", "drop"):
            self._vanish(hang=scripted == "hang")
            return
        if isinstance(scripted, int):
            response = self.server.scripted_error(scripted, req)
        elif isinstance(scripted, Reply):
            body = scripted.body if scripted.body is not None else fixture("error_100_invalid.json")
            response = ApiResponse(scripted.status, body, dict(scripted.headers))
        else:
            response = self.server.api.handle(req)
        if scripted in ("hang_after_apply", "drop_after_apply"):
            self._vanish(hang=scripted == "hang_after_apply")
            return
        self._send(response, {**self.server.api.usage_headers(req), **response.headers})

    def _vanish(self, *, hang: bool) -> None:
        self.close_connection = True
        if hang:
            self.server.stopping.wait(self.server.hang_seconds)
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, response: ApiResponse, headers: dict[str, str]) -> None:
        payload = b"" if response.body is None else json.dumps(response.body).encode("utf-8")
        self.send_response(response.status)
        if response.body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
