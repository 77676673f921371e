"""``kaiku serve``: everything in one process, for a small installation or a first look.

It brings the database up to date, collects the static files, creates the demo organisation
when asked to (or when there is no organisation yet), starts one background worker thread
(unless ``--no-worker``: then ``kaiku worker`` processes run the jobs) and serves the web app
with waitress. Ctrl-C or SIGTERM stops the server, lets the worker finish its current job, and
exits.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.core.wsgi import get_wsgi_application
from django.utils.translation import gettext as _
from waitress.server import create_server

from kaiku.core.demo import create_demo
from kaiku.core.private import make_private
from kaiku.core.proxy import waitress_proxy_options
from kaiku.jobs.worker import start_thread
from kaiku.organisations.models import Organisation

# How long shutdown waits for the worker's current job before leaving it to its lease.
WORKER_STOP_SECONDS = 30.0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # waitress shuts down cleanly on KeyboardInterrupt; SIGTERM should do the same.
    # A second signal during the shutdown ends the process at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Serve Kaiku (web app and background worker) in one process."
    requires_migrations_checks = False  # the command applies them itself

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument(
            "--demo", action="store_true", help="Create (or reset) the demo organisation."
        )
        parser.add_argument("--threads", type=int, default=8, help="Web server threads.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Serve the web app only; run the background jobs with `kaiku worker`.",
        )

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        make_private(settings.DATA_DIR)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        login: tuple[str, str] | None = None
        if options["demo"] or not Organisation.objects.exists():
            org, username, password = create_demo()
            login = (username, password)
            self.say(_("Demo organisation: %(name)s") % {"name": org.name})
        server = create_server(
            get_wsgi_application(),
            host=host,
            port=options["port"],
            threads=options["threads"],
            **waitress_proxy_options(),
            # waitress answers 413 itself before Kaiku reads a byte (its default is 1 GB).
            max_request_body_size=settings.KAIKU_MAX_REQUEST_BYTES,
        )
        # Listening on every address: the browser on this machine still needs one to open.
        shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
        if ":" in shown:
            shown = f"[{shown}]"
        stop = threading.Event()
        worker_thread = None if options["no_worker"] else start_thread(stop)
        self.say(f"Kaiku: http://{shown}:{server.effective_port}/")
        if login is not None:
            self.say(
                _("Log in as %(username)s with the password %(password)s")
                % {"username": login[0], "password": login[1]}
            )
        if worker_thread is None:
            self.say(_("No background worker here: run `kaiku worker` for the jobs."))
        self.say(_("Stop with Ctrl-C."))
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
        try:
            server.run()  # returns after KeyboardInterrupt, having shut itself down
        finally:
            stop.set()
            if worker_thread is not None:
                self.say(_("Stopping: the worker finishes its current job…"))
                worker_thread.join(WORKER_STOP_SECONDS)
            server.close()
        self.say(_("Kaiku stopped."))
