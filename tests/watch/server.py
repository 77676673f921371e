"""A small threaded HTTP server on 127.0.0.1 for the watch tests and the bench.

Serves ``tests/watch/corpus/`` under ``/corpus/<name>`` and scripted routes::

    server = FeedServer.start()
    server.add("/feed.xml", body, etag='"v1"')          # answers 304 to If-None-Match "v1"
    server.redirect("/old", "/feed.xml", status=301)
    server.drip("/slow.xml", body, interval=1.0)          # one byte per interval
    server.gzip_bomb("/bomb.xml", inflated=1 << 30)       # 1 GiB of zeros, ~1 MB on the wire
    server.status("/busy", 429, {"Retry-After": "120"})
    server.url("/feed.xml"); server.hits["/feed.xml"]; server.stop()
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CORPUS = Path(__file__).resolve().parent / "corpus"
TYPES = {".xml": "application/xml", ".rss": "application/rss+xml", ".atom": "application/atom+xml",
         ".json": "application/feed+json", ".html": "text/html; charset=utf-8",
         ".opml": "text/x-opml"}  # fmt: skip


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    last_modified: str = ""
    drip: float = 0.0  # seconds between single bytes
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


@lru_cache(maxsize=4)
def gzip_zeros(inflated: int) -> bytes:
    """One gzip member inflating to ``inflated`` zero bytes (about 1/1000 of it on the wire)."""
    out = bytearray()
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    for _ in range(inflated // len(block)):
        out += comp.compress(block)
    out += comp.compress(bytes(inflated % len(block)))
    out += comp.flush()
    return bytes(out)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        path = urlsplit(self.path).path
        owner.hits[path] += 1
        owner.requests.append((path, dict(self.headers.items())))
        route = owner.routes.get(path)
        if route is None and path.startswith("/corpus/"):
            route = owner.corpus_route(path.removeprefix("/corpus/"))
        if route is None:
            self._send(404, b"not found", {"Content-Type": "text/plain"})
            return
        if route.handler is not None:
            route.handler(self)
            return
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
            if self.headers.get("If-None-Match") == route.etag:
                self._send(304, b"", headers)
                return
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
            if self.headers.get("If-Modified-Since") == route.last_modified:
                self._send(304, b"", headers)
                return
        if route.drip:
            self._drip(route, headers)
            return
        self._send(route.status, route.body, headers)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _drip(self, route: Route, headers: dict[str, str]) -> None:
        try:
            self.send_response(route.status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.flush()
            for i in range(len(route.body)):
                if self.server.owner.stopping.is_set():
                    return
                self.wfile.write(route.body[i : i + 1])
                self.wfile.flush()
                time.sleep(route.drip)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    owner: FeedServer


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @classmethod
    def start(cls) -> FeedServer:
        server = cls()
        server._thread.start()
        return server

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def corpus_route(self, name: str) -> Route | None:
        path = (CORPUS / name).resolve()
        if CORPUS not in path.parents or not path.is_file():
            return None
        content_type = TYPES.get(path.suffix, "application/octet-stream")
        return Route(path.read_bytes(), headers={"Content-Type": content_type})

    def add(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = "application/rss+xml",
        status: int = 200,
        headers: dict[str, str] | None = None,
        etag: str = "",
        last_modified: str = "",
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(
            data,
            status,
            {"Content-Type": content_type, **(headers or {})},
            etag=etag,
            last_modified=last_modified,
        )
        return self.url(path)

    def redirect(self, path: str, to: str, *, status: int = 302) -> str:
        self.routes[path] = Route(status=status, headers={"Location": to})
        return self.url(path)

    def status(self, path: str, code: int, headers: dict[str, str] | None = None) -> str:
        self.routes[path] = Route(b"error", code, {"Content-Type": "text/plain", **(headers or {})})
        return self.url(path)

    def drip(self, path: str, body: bytes, *, interval: float = 1.0) -> str:
        self.routes[path] = Route(
            body, headers={"Content-Type": "application/rss+xml"}, drip=interval
        )
        return self.url(path)

    def gzip_bomb(self, path: str, *, inflated: int = 1 << 30) -> str:
        self.routes[path] = Route(
            gzip_zeros(inflated),
            headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
        )
        return self.url(path)
