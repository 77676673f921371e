"""The web processes of ``kaiku serve``: gunicorn with Kaiku's limits, proxy rule and access log.

``kaiku serve`` starts this module as its own process (``python -m kaiku.core.webserver``):
a gunicorn arbiter that keeps ``--workers`` processes of ``--threads`` threads each (gthread)
and restarts any that dies. One process per core, because one Python process keeps at most
one core busy (the interpreter lock); few threads, because more threads in one process only
queue for that lock (waitress's 8 threads served half what 2 did, issue 17).

What waitress did for Kaiku before is done here, the same whichever server runs the app:
- a request body over ``KAIKU_MAX_REQUEST_BYTES`` is answered 413 before a byte of it is read
  (gunicorn itself has no body limit; it closes the connection rather than drain a big body);
- behind a reverse proxy (``KAIKU_BEHIND_PROXY``), ``X-Forwarded-For`` and
  ``X-Forwarded-Proto`` are believed from ``KAIKU_TRUSTED_PROXY`` only, and removed from
  everyone else's requests. Without them Django would never learn that the person used HTTPS
  (no HSTS, ``http://`` password-reset links) and everyone would seem to come from the
  proxy's address (one sign-in throttle for all); believed from anyone, a client could claim
  another address or HTTPS;
- the access log names the method, the path without its query string, the status, the size,
  the time and the process, never a cookie, a query, a referrer or a secret in the path.

The web processes run ``--nice`` steps nicer than the process that started them
(``KAIKU_WEB_NICE``, 10 by default), the job worker at its parent's priority. A post due at
12:00 has to go out at 12:00 whatever the page views; a page view that waits a few
milliseconds longer harms nobody. Measured (issue 17, 20 closed-loop clients, SQLite, two
gunicorn processes on two cores): at equal priority the worker got 1.7 s of processor time in
45 s and a 1,000-post burst came out 7.5 s (p50) and 12 s (p99) late, although its own work
is about one processor-second. With the web processes at nice 10 the kernel gives a runnable
worker about nine tenths of a core (scheduler weights 1024 against 110), and the web
processes still get all the processor time the worker leaves (a nice value reserves
nothing), so the pages lose only what publishing really uses, and only while it runs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from typing import IO, Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# The access log line: address, time, "METHOD /path", status, bytes, milliseconds, process.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms pid=%(p)s'
# Chunked bodies are buffered in memory up to this, then on disk (up to the body limit).
_SPOOL_BYTES = 1_000_000

# Paths that carry a secret of their own: a sign-in link, an invitation, a signed media
# address, a calendar's secret feed, a password-reset link. Their secret part is replaced.
_SECRET_PATHS = (
    re.compile(r"^(/accounts/login/link/)[^/]+"),
    re.compile(r"^(/invite/)[^/]+"),
    re.compile(r"^(/m/)[^/]+"),
    re.compile(r"^(/ical/)[^/]+(?=\.ics$)"),
    re.compile(r"^(/accounts/password/reset/)(?!sent/|complete/)[^/]+/[^/]+"),
)
REDACTED = "[redacted]"


def loggable_path(path: str) -> str:
    """``path`` with the secret part of a secret-bearing address replaced."""
    for pattern in _SECRET_PATHS:
        path = pattern.sub(lambda match: match.group(1) + REDACTED, path, count=1)
    return path


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn's logger, whose access lines have only the atoms of ``ACCESS_LOG_FORMAT``."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if cfg.accesslog == "-":
            # With Kaiku's other log lines on standard error; standard output keeps the
            # few lines `kaiku serve` prints (and what the console e-mail backend writes).
            for handler in self.access_log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setStream(sys.stderr)

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
    ) -> dict[str, Any]:
        every: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        safe = {key: every[key] for key in ("h", "t", "m", "s", "B", "M")}
        safe["U"] = loggable_path(environ.get("PATH_INFO") or "/")
        safe["p"] = os.getpid()
        # Anything else an operator's format asks for (%(r)s with its query string, a cookie
        # header) is printed as "-".
        return safe


def _too_large(start_response: StartResponse) -> list[bytes]:
    body = b"Request body too large\n"
    start_response(
        "413 Content Too Large",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


class ServerEdge:
    """The WSGI middleware between the server and Django: body limit and proxy headers."""

    def __init__(self, app: WSGIApp, *, max_body: int, trusted_proxy: str | None) -> None:
        self.app = app
        self.max_body = max_body
        self.trusted_proxy = trusted_proxy

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        self._proxy(environ)
        length = (environ.get("CONTENT_LENGTH") or "").strip()
        if length:
            if not length.isdigit():
                start_response("400 Bad Request", [("Content-Type", "text/plain")])
                return [b"Bad Content-Length\n"]
            if int(length) > self.max_body:
                return _too_large(start_response)
        elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            # Django reads CONTENT_LENGTH bytes; a chunked body is read here, up to the limit.
            buffered = self._buffer(environ["wsgi.input"])
            if buffered is None:
                return _too_large(start_response)
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = buffered
        return self.app(environ, start_response)

    def _buffer(self, stream: IO[bytes]) -> tuple[IO[bytes], str] | None:
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
        size = 0
        while chunk := stream.read(65536):
            size += len(chunk)
            if size > self.max_body:
                spool.close()
                return None
            spool.write(chunk)
        spool.seek(0)
        return spool, str(size)

    def _proxy(self, environ: dict[str, Any]) -> None:
        forwarded_for = environ.pop("HTTP_X_FORWARDED_FOR", None)
        forwarded_proto = environ.pop("HTTP_X_FORWARDED_PROTO", None)
        # Other X-Forwarded-* headers are never believed; nobody may slip them past either.
        for key in [key for key in environ if key.startswith("HTTP_X_FORWARDED_")]:
            del environ[key]
        if self.trusted_proxy is None or environ.get("REMOTE_ADDR") != self.trusted_proxy:
            return
        if forwarded_for:
            # One proxy in front: the last entry is the address it saw.
            last = forwarded_for.split(",")[-1].strip()
            if last:
                environ["REMOTE_ADDR"] = last
        if forwarded_proto:
            scheme = forwarded_proto.split(",")[-1].strip().lower()
            if scheme in {"http", "https"}:
                environ["HTTP_X_FORWARDED_PROTO"] = scheme
                environ["wsgi.url_scheme"] = scheme


def application() -> WSGIApp:
    """Kaiku's WSGI app behind its edge (imports Django: call it in a web process)."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    return ServerEdge(
        get_wsgi_application(),
        max_body=settings.KAIKU_MAX_REQUEST_BYTES,
        trusted_proxy=settings.KAIKU_TRUSTED_PROXY if settings.KAIKU_BEHIND_PROXY else None,
    )


class KaikuServer(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return application()


def _ready(fd: int) -> Callable[[Any], None]:
    def when_ready(arbiter: Any) -> None:
        # Tell `kaiku serve` the port that is listening (the one asked for, or the one given).
        port = arbiter.LISTENERS[0].sock.getsockname()[1]
        os.write(fd, f"{port}\n".encode())
        os.close(fd)

    return when_ready


def options(args: argparse.Namespace) -> dict[str, Any]:
    access_log = None if args.access_log == "none" else args.access_log
    found: dict[str, Any] = {
        "bind": [args.bind],
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": "gthread",
        # A web process that stops answering its arbiter this long is replaced.
        "timeout": args.timeout,
        # SIGTERM and SIGHUP give requests in progress this long to finish.
        "graceful_timeout": args.graceful_timeout,
        "keepalive": 5,
        "accesslog": access_log,
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": AccessLogger,
        # The arbiter's own lines ("Booting worker …") only when something is wrong.
        "loglevel": "warning",
        "errorlog": "-",
        # The proxy rule is ServerEdge's (the same for any server); gunicorn's own scheme
        # headers would believe X-Forwarded-Proto from 127.0.0.1 even when Kaiku is told not to.
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "",
        "proc_name": "kaiku-web",
        "control_socket_disable": True,
    }
    if args.ready_fd is not None:
        found["when_ready"] = _ready(args.ready_fd)
    if args.nice:
        found["post_fork"] = _nicer(args.nice)
    return found


def _nicer(steps: int) -> Callable[[Any, Any], None]:
    def post_fork(server: Any, worker: Any) -> None:
        # In each web process, not the arbiter: the arbiter only supervises and must answer
        # signals (a restart, a stop) promptly.
        os.nice(steps)

    return post_fork


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kaiku.core.webserver")
    parser.add_argument("--bind", default="127.0.0.1:8000")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("--graceful-timeout", type=int, default=30)
    parser.add_argument("--access-log", default="-")
    parser.add_argument("--ready-fd", type=int, default=None)
    parser.add_argument(
        "--nice", type=int, default=0, help="steps nicer than this process (web processes)"
    )
    KaikuServer(options(parser.parse_args(argv))).run()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaiku.settings")
    main()
