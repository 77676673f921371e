"""``kaiku worker [--once]``: the background worker as its own process.

SIGTERM or Ctrl-C lets the current job finish, then the worker exits; a second signal ends it
at once (the job then becomes due again when its lease runs out).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kaiku.core.private import make_private
from kaiku.jobs import worker


class Command(BaseCommand):
    help = "Run background jobs until stopped (or, with --once, until nothing is due)."
    # Every system check except the URL configuration's: that check imports every view and
    # the API (0.4 s of a 1.1 s start), and a worker serves no URL. Kaiku's own checks
    # (settings, keys) still run before any job does.
    requires_system_checks = [
        tag for tag in vars(Tags).values() if isinstance(tag, str) and tag != Tags.urls
    ]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run the jobs that are due now, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        make_private(settings.DATA_DIR)
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()
            signal.signal(signum, signal.SIG_DFL)

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        # The identity outlives this process: started again after a crash, the worker takes
        # back at once the jobs its dead predecessor held, instead of waiting for their lease.
        with worker.stable_identity() as identity:
            worker_id = worker.new_worker_id(identity)
            self.stdout.write(_("Kaiku worker %(id)s started.") % {"id": worker_id})
            self.stdout.flush()
            ran = worker.run(stop, once=options["once"], worker_id=worker_id, identity=identity)
        self.stdout.write(
            ngettext(
                "Kaiku worker stopped after %(count)d job.",
                "Kaiku worker stopped after %(count)d jobs.",
                ran,
            )
            % {"count": ran}
        )
