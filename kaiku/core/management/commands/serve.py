"""``kaiku serve``: the web app and the background worker, each in processes of their own.

It brings the database up to date, collects the static files, creates the demo organisation
when asked to (or when there is no organisation yet), then supervises two children:

- the web server (kaiku/core/webserver.py): gunicorn with ``--workers`` processes (one per
  core by default) of ``--threads`` threads each; gunicorn restarts a web process that dies;
- the job worker (``kaiku worker``), unless ``--no-worker``; restarted when it dies.

The web processes run ``KAIKU_WEB_NICE`` steps nicer than the worker (see webserver.py):
publishing due posts comes before page views when both want the processor.

They share the database (SQLite in WAL mode with a busy timeout, see settings; or
PostgreSQL). SIGTERM or Ctrl-C stops both: requests in progress and the worker's current job
finish first. SIGHUP restarts them gracefully (new web processes, a new worker), e.g. after
an upgrade.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaiku.core.demo import create_demo
from kaiku.core.private import make_private
from kaiku.organisations.models import Organisation

# How long shutdown waits for the worker's current job before leaving it to its lease.
WORKER_STOP_SECONDS = 30.0
# Requests in progress get this long on SIGTERM and SIGHUP.
GRACEFUL_SECONDS = 30
# A worker that died is started again after this, doubling up to the cap while it keeps dying.
RESTART_FIRST_SECONDS = 1.0
RESTART_CAP_SECONDS = 30.0
# A worker that ran this long before dying is started again at once.
RESTART_RESET_SECONDS = 60.0
READY_SECONDS = 120.0
_PR_SET_PDEATHSIG = 1


def default_workers() -> int:
    """One web process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _die_with_parent() -> None:
    """In a child, before exec: be sent SIGTERM when `kaiku serve` dies, even by SIGKILL, so
    that no web server is left holding the port (Linux only; elsewhere nothing happens)."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Command(BaseCommand):
    help = (
        "Serve Kaiku: the web app (gunicorn, --workers processes of --threads threads) and "
        "the background worker as its own process. Example: kaiku serve --workers 2 --threads 2"
    )
    requires_migrations_checks = False  # the command applies them itself

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument(
            "--demo", action="store_true", help="Create (or reset) the demo organisation."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Web server processes (default: one per core, here %(default)s).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=2,
            help="Threads in each web server process (default %(default)s).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=60,
            help="Seconds after which a web process that stopped answering is replaced.",
        )
        parser.add_argument(
            "--access-log",
            default=None,
            help="Access log file ('-': standard error, 'none': no access log; default '-', "
            "with --demo DATA_DIR/access.log so that the terminal stays quiet). "
            "It has no query string, cookie or secret.",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Serve the web app only; run the background jobs with `kaiku worker`.",
        )

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError(_("--workers and --threads must be at least 1."))
        host: str = options["host"]
        make_private(settings.DATA_DIR)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        login: tuple[str, str] | None = None
        if options["demo"] or not Organisation.objects.exists():
            org, username, password = create_demo()
            login = (username, password)
            self.say(_("Demo organisation: %(name)s") % {"name": org.name})
        # The children open their own connections; this one is not needed any more.
        from django.db import connections

        connections.close_all()
        supervisor = Supervisor(self, options)
        port = supervisor.start_web()
        # Listening on every address: the browser on this machine still needs one to open.
        shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
        if ":" in shown:
            shown = f"[{shown}]"
        self.say(f"Kaiku: http://{shown}:{port}/")
        if login is not None:
            self.say(
                _("Log in as %(username)s with the password %(password)s")
                % {"username": login[0], "password": login[1]}
            )
        if options["no_worker"]:
            self.say(_("No background worker here: run `kaiku worker` for the jobs."))
        else:
            supervisor.start_worker()
        self.say(_("Stop with Ctrl-C."))
        code = supervisor.run()
        if code != 0:
            raise CommandError(_("The web server stopped unexpectedly."))
        self.say(_("Kaiku stopped."))


def access_log(options: dict[str, Any]) -> str:
    """Where the web processes log each request: as asked, else beside the demo's data (a
    person who typed `make run` reads the address and the login, not a line per request)."""
    chosen: str | None = options.get("access_log")
    if chosen:
        return chosen
    return str(settings.DATA_DIR / "access.log") if options.get("demo") else "-"


def worker_log(options: dict[str, Any]) -> Path | None:
    """Where the worker process writes: with --demo DATA_DIR/worker.log (the `make run`
    terminal shows the address and the login, not the worker's start and its log lines),
    else the terminal, where a service manager collects it."""
    return settings.DATA_DIR / "worker.log" if options.get("demo") else None


class Supervisor:
    def __init__(self, command: Command, options: dict[str, Any]) -> None:
        self.command = command
        self.options = options
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.worker_started = 0.0
        self.restart_wait = RESTART_FIRST_SECONDS
        self.restart_at: float | None = None
        self.stopping = False
        self.reloading = False

    def _spawn(self, args: list[str], **extra: Any) -> subprocess.Popen[bytes]:
        # A process group of its own: Ctrl-C reaches `kaiku serve` only, which then stops the
        # children gracefully (the terminal would send SIGINT, gunicorn's quick stop, to all).
        return subprocess.Popen(
            [sys.executable, *args],
            preexec_fn=_die_with_parent,
            process_group=0,
            **extra,
        )

    def start_web(self) -> int:
        read_end, write_end = os.pipe()
        options = self.options
        self.web = self._spawn(
            [
                "-m",
                "kaiku.core.webserver",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(options["workers"]),
                "--threads",
                str(options["threads"]),
                "--timeout",
                str(options["timeout"]),
                "--graceful-timeout",
                str(GRACEFUL_SECONDS),
                "--access-log",
                access_log(options),
                "--ready-fd",
                str(write_end),
                "--nice",
                str(settings.KAIKU_WEB_NICE),
            ],
            pass_fds=(write_end,),
        )
        os.close(write_end)
        try:
            ready, _w, _x = select.select([read_end], [], [], READY_SECONDS)
            line = os.read(read_end, 64) if ready else b""
        finally:
            os.close(read_end)
        if not line.strip().isdigit():
            self.web.send_signal(signal.SIGTERM)
            self._wait(self.web, 5)
            raise CommandError(_("The web server did not start (see the messages above)."))
        return int(line)

    def start_worker(self) -> None:
        log = worker_log(self.options)
        if log is None:
            self.worker = self._spawn(["-m", "kaiku", "worker"])
        else:
            # The child keeps its own copy of the file descriptor.
            with log.open("ab") as output:
                self.worker = self._spawn(
                    ["-m", "kaiku", "worker"], stdout=output, stderr=subprocess.STDOUT
                )
        self.worker_started = time.monotonic()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            self.reloading = True
        else:
            self.stopping = True

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        assert self.web is not None
        code = 0
        while not self.stopping:
            if self.reloading:
                self.reloading = False
                self.web.send_signal(signal.SIGHUP)  # gunicorn replaces its processes
                if self.worker is not None:
                    self._stop_worker()
                    self.start_worker()
            if self.web.poll() is not None:
                code = 1
                break
            self._watch_worker()
            time.sleep(0.2)
        self.web.send_signal(signal.SIGTERM)
        if self.worker is not None:
            self.command.say(_("Stopping: the worker finishes its current job…"))
            self._stop_worker()
        self._wait(self.web, GRACEFUL_SECONDS + 5)
        return code

    def _watch_worker(self) -> None:
        if self.worker is None or self.worker.poll() is None:
            return
        now = time.monotonic()
        if self.restart_at is None:
            if now - self.worker_started >= RESTART_RESET_SECONDS:
                self.restart_wait = RESTART_FIRST_SECONDS
            self.command.say(
                _("The worker stopped (exit code %(code)s); starting it again.")
                % {"code": self.worker.returncode}
            )
            self.restart_at = now + self.restart_wait
            self.restart_wait = min(self.restart_wait * 2, RESTART_CAP_SECONDS)
        elif now >= self.restart_at:
            self.restart_at = None
            self.start_worker()

    def _stop_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            # Once only: a second SIGTERM stops the worker at once, in the middle of its job.
            self.worker.send_signal(signal.SIGTERM)
            self._wait(self.worker, WORKER_STOP_SECONDS)

    @staticmethod
    def _wait(process: subprocess.Popen[bytes], wait: float) -> None:
        """Wait for a process told to stop; kill it after ``wait`` seconds."""
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
