"""Job handlers for the tests only.

Worker processes started by the tests load them through
``KAIKU_EXTRA_JOB_MODULES=tests.jobs.handlers``. Each run is appended to ``payload["log"]``
as ``start N PID`` and ``done N PID`` lines, so a job run twice shows up as two lines.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from kaiku.jobs.services import (
    PermanentJobError,
    RetryLater,
    batch_handler,
    batch_started,
    enqueue,
    handler,
)


def append_line(path: str | Path, line: str) -> None:
    # One write() with O_APPEND: lines from several processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def read_log(path: str | Path) -> list[tuple[str, int, int]]:
    """The ``(event, n, pid)`` lines written so far."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return []
    rows = []
    for line in text.splitlines():
        event, n, pid = line.split()
        rows.append((event, int(n), int(pid)))
    return rows


@handler("test.record")
def record(payload: dict[str, Any]) -> None:
    """Log the run; sleep ``sleep`` seconds, or ``sleep_first_run`` on the first run only
    (of job ``only_n`` only, when given)."""
    log, n = payload["log"], payload.get("n", 0)
    first_run = not any(event == "start" and m == n for event, m, _pid in read_log(log))
    append_line(log, f"start {n} {os.getpid()}")
    hangs = first_run and payload.get("only_n", n) == n  # ``only_n``: one job of several
    delay = payload.get("sleep", 0) or (payload.get("sleep_first_run", 0) if hangs else 0)
    time.sleep(delay)
    append_line(log, f"done {n} {os.getpid()}")


@handler("test.fail")
def fail(payload: dict[str, Any]) -> None:
    raise RuntimeError(payload.get("message", "boom"))


@handler("test.permanent")
def permanent(payload: dict[str, Any]) -> None:
    raise PermanentJobError(payload.get("message", "the post was deleted on the platform"))


@handler("test.retry_later")
def retry_later(payload: dict[str, Any]) -> None:
    raise RetryLater(timezone.now() + timedelta(seconds=payload["seconds"]), "rate limited")


@handler("test.chain")
def chain(payload: dict[str, Any]) -> None:
    """Enqueue a follow-up ``test.record`` job, as a publishing job enqueues deliveries."""
    enqueue("test.record", {"log": payload["log"], "n": payload.get("n", 0) + 1})


@handler("test.record_batch")
def batch_one(payload: dict[str, Any]) -> None:
    record(payload)


@batch_handler("test.record_batch", size=20)
def batch(payloads: list[dict[str, Any]]) -> list[BaseException | None]:
    """Run ``test.record``'s work for each payload in turn, saying when each one starts."""
    for position, payload in enumerate(payloads):
        batch_started([position])
        record(payload)
    return [None] * len(payloads)
