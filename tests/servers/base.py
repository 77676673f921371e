"""The one scripted-server base that every local platform server is built on.

A platform's local server (tests/channels/<platform>/server.py) is a ``ScriptedServer``: a
threaded HTTP server on a free loopback port that keeps the requests it saw and answers from a
script before it answers as the platform would. Its handler, a ``ScriptedHandler``, takes each
request through the same steps, and a server overrides only the steps where its platform differs:

    read_request -> dispatch: record it (``seen``), then respond: the next scripted item for
    its route, else the platform's own answer (``handle_api``) -> send_answer

``script(route, responses)`` makes the next requests to ``route`` ("METHOD /path" or "/path";
what a path segment may be depends on the platform's ``route_pattern``) answer, in order, with:

- an int: that status and the platform's documented error (``error_answer``), nothing applied;
- ``Reply(status, body, headers)``: exactly that (``body=None``: the platform's ``reply_body``);
- ``"hang"``: read the request, apply nothing, answer nothing until the client gives up (or
  ``hang_seconds`` pass);
- ``"drop"``: read the request, apply nothing, close the connection without an answer;
- ``"hang_after_apply"`` / ``"drop_after_apply"``: apply the request (the post IS made), then
  hang / close without an answer: the unknown-outcome case.

A client sees "drop" as a lost answer at once (the server closed the connection) and "hang" only
when its read timeout runs out: tests of a lost answer use "drop", tests of a read timeout "hang".

Like every module of a local server, this one never imports Kaiku (tests/servers/
test_oracles_independent.py): the servers check Kaiku, so they may not share its code.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Protocol, TypeVar

ACTIONS = frozenset({"hang", "drop", "hang_after_apply", "drop_after_apply"})
LOST = ("hang", "drop")  # tuples: a scripted Reply is not hashable
APPLIED_THEN_LOST = ("hang_after_apply", "drop_after_apply")


@dataclass
class Reply:
    """A scripted answer. ``body=None`` means the platform's documented error body."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Scripted = int | str | Reply


@dataclass
class Answer:
    """What a server answers: a status, a JSON body (None: an empty body) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def with_headers(answer: Any, headers: dict[str, str]) -> Any:
    """``answer`` with ``headers`` added; its own headers win over them."""
    return replace(answer, headers={**headers, **answer.headers})


class Routed(Protocol):
    method: str
    path: str


R = TypeVar("R", bound=Routed)


def colon_route(path: str) -> re.Pattern[str]:
    """``/2/tweets/:id`` -> a pattern with one group per ``:name`` segment."""
    parts = [r"([^/]+)" if part.startswith(":") else re.escape(part) for part in path.split("/")]
    return re.compile("/".join(parts))


class _Script:
    def __init__(self, method: str | None, pattern: re.Pattern[str], responses: list[Scripted]):
        self.method = method
        self.pattern = pattern
        self.queue: deque[Scripted] = deque(responses)

    def matches(self, method: str, path: str) -> bool:
        return (
            bool(self.queue)
            and self.method in (None, method)
            and bool(self.pattern.fullmatch(path))
        )


class ScriptedServer(ThreadingHTTPServer, Generic[R]):
    """A local platform server: threads, start and stop, the requests seen, scripted answers.

    A subclass passes its handler, answers as its platform (``handle_api``, ``error_answer``,
    ``reply_body``) and may spell its routes its own way (``route_pattern``).
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, handler: type[ScriptedHandler], host: str = "127.0.0.1", port: int = 0
    ) -> None:
        super().__init__((host, port), handler)
        self.base_url = f"http://{host}:{self.server_address[1]}"
        # Guards the scripts and the requests seen; a server whose platform state has a lock
        # of its own uses that one, so that one lock orders everything.
        self.lock: Any = threading.RLock()
        self.stopping = threading.Event()
        self.hang_seconds = 30.0  # how long "hang" holds the connection at most
        self.requests: list[R] = []
        self._scripts: list[_Script] = []
        self._thread: threading.Thread | None = None

    # --- the test-facing API ----------------------------------------------------------------

    def route_pattern(self, path: str) -> re.Pattern[str]:
        return colon_route(path)

    def script(self, route: str, responses: list[Scripted]) -> None:
        for item in responses:
            if isinstance(item, str) and item not in ACTIONS:
                raise ValueError(f"unknown scripted action {item!r}; one of {sorted(ACTIONS)}")
        method, _, path = route.strip().rpartition(" ")
        with self.lock:
            self._scripts.append(
                _Script(method.upper() or None, self.route_pattern(path), responses)
            )

    def clear_scripts(self) -> None:
        with self.lock:
            self._scripts.clear()

    def requests_to(self, method: str, path: str) -> list[R]:
        pattern = self.route_pattern(path)
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

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (a timed-out read, a killed worker) is expected,
        not an error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    # --- used by the handler ------------------------------------------------------------------

    def next_scripted(self, method: str, path: str) -> Scripted | None:
        with self.lock:
            for item in self._scripts:
                if item.matches(method, path):
                    return item.queue.popleft()
        return None

    def handle_api(self, req: Any) -> Any:
        """The platform's own answer to ``req`` (an ``Answer``-shaped object)."""
        raise NotImplementedError

    def error_answer(self, status: int, req: Any) -> Any:
        """The answer to a scripted int: the platform's documented error for ``status``."""
        raise NotImplementedError

    def reply_body(self, status: int, req: Any) -> Any:
        """The body of a scripted ``Reply`` that gave none."""
        raise NotImplementedError


class ScriptedHandler(BaseHTTPRequestHandler):
    """One request: read it the platform's way, record it, answer it (see the module)."""

    protocol_version = "HTTP/1.1"  # keep-alive, like a real server behind its front end
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle and the
    # client's delayed ACK hold each answer back by about 40 ms.
    disable_nagle_algorithm = True
    json_type = "application/json; charset=utf-8"
    server: ScriptedServer[Any]

    def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
        pass

    def do_GET(self) -> None:
        self.serve()

    def do_POST(self) -> None:
        self.serve()

    def do_DELETE(self) -> None:
        self.serve()

    def serve(self) -> None:
        req = self.read_request()
        if req is not None:
            self.dispatch(req)

    def read_request(self) -> Any | None:
        """The request as the platform's server reads it; None when it has been answered
        already (a body that is not what its Content-Type says)."""
        raise NotImplementedError

    def seen(self, req: Any) -> Any:
        """What ``server.requests`` keeps of ``req``."""
        return req

    def dispatch(self, req: Any) -> None:
        with self.server.lock:
            self.server.requests.append(self.seen(req))
        self.respond(req)

    def respond(self, req: Any) -> None:
        scripted = self.server.next_scripted(req.method, req.path)
        if scripted in LOST:
            self.vanish(hang=scripted == "hang")
            return
        answer = self.answer(req, scripted)
        if scripted in APPLIED_THEN_LOST:
            self.vanish(hang=scripted == "hang_after_apply")
            return
        self.send_answer(answer)

    def answer(self, req: Any, scripted: Scripted | None) -> Any:
        """The scripted answer, else the platform's (which applies the request)."""
        if isinstance(scripted, int):
            return self.server.error_answer(scripted, req)
        if isinstance(scripted, Reply):
            body = scripted.body
            if body is None:
                body = self.server.reply_body(scripted.status, req)
            return Answer(scripted.status, body, dict(scripted.headers))
        return self.server.handle_api(req)

    def vanish(self, *, hang: bool) -> None:
        """No answer at all: wait for the client to give up (hang) or close at once (drop)."""
        self.close_connection = True
        if hang:
            self.server.stopping.wait(self.server.hang_seconds)
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def answer_headers(self, answer: Any) -> Iterable[tuple[str, str]]:
        if answer.body is not None:
            yield "Content-Type", self.json_type
        yield from answer.headers.items()

    def send_answer(self, answer: Any) -> None:
        payload = b"" if answer.body is None else json.dumps(answer.body).encode("utf-8")
        self.send_response(answer.status)
        for name, value in self.answer_headers(answer):
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
