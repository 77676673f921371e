"""A small command line for the process tests: it reaches the database the workers use.

    python -m tests.jobs.ctl enqueue KIND COUNT PAYLOAD_JSON   # payload gets "n": 1..COUNT
    python -m tests.jobs.ctl wait-workers COUNT TIMEOUT        # until COUNT heartbeats exist
    python -m tests.jobs.ctl wait-finished TIMEOUT             # until every job is done/failed
    python -m tests.jobs.ctl check-password USERNAME PASSWORD
    python -m tests.jobs.ctl dump

Every command prints the jobs and heartbeats as JSON. The environment picks the database
(DATABASE_URL, or KAIKU_DATA_DIR for SQLite), as for the workers.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def _dump() -> dict[str, Any]:
    from django.utils import timezone

    from kaiku.jobs.models import Job, WorkerHeartbeat

    now = timezone.now()
    jobs = [
        {
            "id": job.pk,
            "kind": job.kind,
            "n": job.payload.get("n"),
            "state": job.state,
            "attempts": job.attempts,
            "locked_by": job.locked_by,
            "last_error": job.last_error,
            "lease_left": None
            if job.lease_until is None
            else (job.lease_until - now).total_seconds(),
        }
        # Periodic jobs (token renewal, feed polling) that workers queue are not the tests'.
        for job in Job.objects.exclude(unique_key__startswith="periodic:").order_by("id")
    ]
    beats = [
        {
            "worker_id": beat.worker_id,
            "pid": beat.pid,
            "jobs_done": beat.jobs_done,
            "age": (now - beat.last_seen).total_seconds(),
        }
        for beat in WorkerHeartbeat.objects.order_by("id")
    ]
    return {"jobs": jobs, "heartbeats": beats}


def _wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaiku.settings")
    import django

    django.setup()
    from django.db import transaction

    from kaiku.jobs.models import Job, WorkerHeartbeat
    from kaiku.jobs.services import enqueue

    command, *args = argv
    ok = True
    if command == "enqueue":
        kind, count, payload = args[0], int(args[1]), json.loads(args[2])
        with transaction.atomic():  # all at once, so that workers compete for them
            for n in range(1, count + 1):
                enqueue(kind, {**payload, "n": n})
    elif command == "wait-workers":
        count, timeout = int(args[0]), float(args[1])
        ok = _wait(lambda: WorkerHeartbeat.objects.count() >= count, timeout)
    elif command == "wait-finished":
        timeout = float(args[0])
        open_states = [Job.State.DUE, Job.State.RUNNING]
        ok = _wait(
            lambda: (
                not Job.objects.filter(state__in=open_states)
                .exclude(unique_key__startswith="periodic:")
                .exists()
            ),
            timeout,
        )
    elif command == "check-password":
        from django.contrib.auth import get_user_model

        ok = get_user_model().objects.get(username=args[0]).check_password(args[1])
    elif command != "dump":
        raise SystemExit(f"unknown command {command}")
    print(json.dumps({"ok": ok, **_dump()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
