"""A local Meta server for tests: the Graph API (Pages, Instagram), the Threads API and both
OAuth dialogs on 127.0.0.1, with scripted failures.

    server = start_server()
    server.script("POST /v26.0/{page}/feed", [429, "hang_after_apply"])
    ...
    server.stop()

The threads, the scripting and the record of requests come from tests/servers/base.py, shared
by every local server; what is this platform's is its answers.

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

import json
import re
from dataclasses import dataclass
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
from tests.servers.base import Reply as Reply  # the tests script Reply from here
from tests.servers.base import Scripted, ScriptedHandler, ScriptedServer, with_headers
from tests.servers.wire import multipart, read_body

SECRET_PARAMS = frozenset(
    {"access_token", "client_secret", "code", "fb_exchange_token", "input_token", "refresh_token"}
)


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


class MetaServer(ScriptedServer[Seen]):
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(_Handler, host, port)
        self.graph_url = f"{self.base_url}/{GRAPH_VERSION}"
        self.dialog_url = f"{self.graph_url}/dialog/oauth"
        self.threads_graph_url = f"{self.base_url}/{THREADS_VERSION}"
        self.threads_authorize_url = f"{self.base_url}/oauth/authorize"
        self.api = MetaApi(self.base_url)
        self.lock = self.api.lock
        self.query_secrets: list[tuple[str, str]] = []

    def route_pattern(self, path: str) -> re.Pattern[str]:
        return route_pattern(path)

    def handle_api(self, req: ApiRequest) -> ApiResponse:
        return self.api.handle(req)

    def error_answer(self, status: int, req: ApiRequest) -> ApiResponse:
        return self.scripted_error(status, req)

    def reply_body(self, status: int, req: ApiRequest) -> Any:
        return fixture("error_100_invalid.json")

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


class _Handler(ScriptedHandler):
    json_type = "application/json; charset=UTF-8"
    server: MetaServer

    def read_request(self) -> ApiRequest:
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
        return req

    def seen(self, req: ApiRequest) -> Seen:
        args = {k: v[0] for k, v in {**req.query, **req.form}.items() if k != "access_token"}
        return Seen(req.method, req.path, args)

    def answer(self, req: ApiRequest, scripted: Scripted | None) -> ApiResponse:
        """The app's and the business's usage headers on every answer, a scripted one too."""
        return with_headers(super().answer(req, scripted), self.server.api.usage_headers(req))
