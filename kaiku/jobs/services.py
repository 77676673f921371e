"""Enqueueing jobs, registering handlers, and reading the workers' health.

(The claim/run loop lives in kaiku.jobs.worker.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kaiku.jobs.models import Job, WorkerHeartbeat

Handler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}

# A batch handler takes the payloads of several due jobs of one kind and returns one outcome
# per payload, in order: None when that job is done, otherwise the exception its single
# handler would have raised (RetryLater, PermanentJobError, or any other error for a retry
# with backoff). It must never let one job's failure decide another job's outcome.
BatchHandler = Callable[[list[dict[str, Any]]], list[BaseException | None]]
BATCH_HANDLERS: dict[str, tuple[BatchHandler, int]] = {}
# What to do when a job of a kind has ended ``failed`` (attempts spent, or a permanent error):
# called with its payload, so that what the job was for does not stay waiting unseen.
GIVE_UP_HANDLERS: dict[str, Handler] = {}

# Set by the worker while a batch handler runs: counts the attempt of the jobs it starts.
BATCH_STARTED: ContextVar[Callable[[list[int]], set[int]] | None] = ContextVar(
    "kaiku_batch_started", default=None
)
# The id of the worker running the current job (None outside a worker's run).
CURRENT_WORKER: ContextVar[str | None] = ContextVar("kaiku_current_worker", default=None)


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help; the job fails at once."""


class RetryLater(Exception):  # a request rather than an error, hence no "Error" suffix
    """Raised by a handler to be run again at a given time without counting as a failure."""

    def __init__(self, when: datetime, reason: str = "") -> None:
        super().__init__(reason)
        self.when = when


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func

    return register


def batch_handler(kind: str, *, size: int) -> Callable[[BatchHandler], BatchHandler]:
    """Let a worker run up to ``size`` due jobs of ``kind`` together (one claim, one handler
    call), so that their database work can be shared. The kind keeps its single ``@handler``,
    which runs a job on its own (``run_job_now``, and a batch of one)."""

    def register(func: BatchHandler) -> BatchHandler:
        BATCH_HANDLERS[kind] = (func, size)
        return func

    return register


def batch_started(positions: Iterable[int]) -> set[int]:
    """A batch handler says it now begins the work of these payloads (by position in its list),
    and learns which of them are still its own: a worker that was cut off for longer than its
    lease may have lost jobs of its batch to another worker, and must leave those alone.

    An attempt counts against a job of a batch only from here: a worker killed while it holds
    a batch costs an attempt to the jobs it had started, not to the rest of the batch. (A job
    the handler returns an error for counts an attempt anyway.)"""
    wanted = list(positions)
    mark = BATCH_STARTED.get()
    return set(wanted) if mark is None else mark(wanted)


def on_give_up(kind: str) -> Callable[[Handler], Handler]:
    """Register what happens when a job of ``kind`` ends failed (its attempts spent, its lease
    run out once too often, or a permanent error). It runs at most once per failure but may
    run again for a job already handled (two workers recovering at once): make it idempotent."""

    def register(func: Handler) -> Handler:
        GIVE_UP_HANDLERS[kind] = func
        return func

    return register


def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    unique_key: str | None = None,
    max_attempts: int = 8,
) -> Job:
    """Add a job. With ``unique_key``, an open job with that key is returned instead."""
    if unique_key:
        existing = Job.objects.filter(
            unique_key=unique_key, state__in=[Job.State.DUE, Job.State.RUNNING]
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return Job.objects.create(
                kind=kind,
                payload=payload or {},
                run_at=run_at or timezone.now(),
                unique_key=unique_key or "",
                max_attempts=max_attempts,
            )
    except IntegrityError:
        if not unique_key:
            raise
        return Job.objects.get(unique_key=unique_key, state__in=[Job.State.DUE, Job.State.RUNNING])


def worker_health() -> dict[str, Any]:
    """The newest heartbeat and whether a worker has been heard from recently enough."""
    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    silent_after = timedelta(seconds=settings.KAIKU_WORKER_SILENT_SECONDS)
    now = timezone.now()
    alive = latest is not None and now - latest.last_seen <= silent_after
    return {
        "ok": alive,
        "last_heartbeat": latest.last_seen.isoformat() if latest else None,
        "seconds_since_heartbeat": round((now - latest.last_seen).total_seconds(), 1)
        if latest
        else None,
        "workers_alive": WorkerHeartbeat.objects.filter(last_seen__gte=now - silent_after).count(),
        "jobs_due": Job.objects.filter(state=Job.State.DUE, run_at__lte=now).count(),
        "jobs_failed": Job.objects.filter(state=Job.State.FAILED).count(),
    }


# Periodic jobs: kind -> interval. The worker makes sure one of each is queued when it starts,
# and each run queues the next (keyed by its time, so two workers never queue two).
PERIODIC: dict[str, timedelta] = {}


def periodic(kind: str, every: timedelta) -> Callable[[Handler], Handler]:
    """Register a handler that runs every ``every`` (first run when a worker starts)."""

    def register(func: Handler) -> Handler:
        def run_and_requeue(payload: dict[str, Any]) -> None:
            try:
                func(payload)
            finally:
                _queue_periodic(kind, timezone.now() + every)

        HANDLERS[kind] = run_and_requeue
        PERIODIC[kind] = every
        return func

    return register


def _queue_periodic(kind: str, when: datetime) -> None:
    slot = int(when.timestamp()) // max(int(PERIODIC[kind].total_seconds()), 1)
    enqueue(kind, {}, run_at=when, unique_key=f"periodic:{kind}:{slot}", max_attempts=3)


def ensure_periodic() -> None:
    """Queue each periodic job that has no open run."""
    for kind in PERIODIC:
        if not Job.objects.filter(kind=kind, state__in=[Job.State.DUE, Job.State.RUNNING]).exists():
            _queue_periodic(kind, timezone.now())
