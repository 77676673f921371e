"""The job worker: claim a due job under a lease, run its handler, record the outcome.

Claiming takes one code path on both databases. A candidate row is picked (on PostgreSQL with
``SELECT … FOR UPDATE SKIP LOCKED``, so workers pass each other instead of queueing on one row)
and then taken with a conditional UPDATE (``state = 'due'``) that succeeds for one worker only.
On SQLite the claim transaction starts with ``BEGIN IMMEDIATE`` (see settings), which serialises
claims, and the conditional UPDATE settles any race that is left.

Finishing is conditional too: only a row still ``running`` and ``locked_by`` this worker is
written. A worker that was paused or cut off for longer than its lease, and whose job has gone
to another worker meanwhile, leaves the row alone.

The lease (``KAIKU_JOB_LEASE_SECONDS``, 30 s) is how long a silent worker keeps its jobs: while
jobs run, the heartbeat thread extends the lease of every job the worker holds (a whole claimed
batch) every few seconds, so a long job is not taken over, but a killed worker's jobs become
due again once the lease has run out. Sooner still: a worker has a name that outlives its
process (``stable_identity``: the host, the data folder and a slot held with a file lock), and
a worker starting under a name lets go at once of the jobs still ``running`` under it, which
the dead process before it cannot be running any more.

An attempt counts when a job starts: at its claim for a job run alone, and when the batch
handler starts on it (``batch_started``) for a job of a batch, so a kill costs an attempt to
the jobs that were running, not to the whole batch. A job that kills its worker every time
ends ``failed`` after ``max_attempts``; its kind's give-up handler (``on_give_up``) then makes
what the job was for fail where people see it.

Handlers are registered by importing each installed app's ``jobs`` module. The environment
variable ``KAIKU_EXTRA_JOB_MODULES`` (comma-separated module names) imports more handler
modules; the tests use it to give worker processes their test-only handlers.
"""

from __future__ import annotations

import importlib
import logging
import os
import random
import re
import secrets
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from kaiku.jobs.models import Job, WorkerHeartbeat
from kaiku.jobs.services import (
    BATCH_HANDLERS,
    BATCH_STARTED,
    CURRENT_WORKER,
    GIVE_UP_HANDLERS,
    HANDLERS,
    PermanentJobError,
    RetryLater,
    ensure_periodic,
)

logger = logging.getLogger(__name__)

EXTRA_MODULES_ENV = "KAIKU_EXTRA_JOB_MODULES"
# How often a worker beats (and extends the lease of the job it runs), at most; more often
# when KAIKU_WORKER_SILENT_SECONDS or KAIKU_JOB_LEASE_SECONDS is short.
HEARTBEAT_SECONDS = 5.0
BACKOFF_BASE_SECONDS = 10.0
BACKOFF_CAP_SECONDS = 3600.0
ERROR_MAX_CHARS = 1000
# ``once`` mode runs jobs that earlier jobs enqueued, but not forever: a job that keeps
# rescheduling itself for "now" runs at most this many times in one call.
ONCE_MAX_PASSES = 10
# Rows of workers that died without saying goodbye (SIGKILL, power cut) are dropped after this.
HEARTBEAT_FORGET_AFTER = timedelta(days=1)

_rng = random.Random()

# Credentials that may appear in an exception message (a URL with a token in its query, an
# Authorization header echoed back by an API) are masked before the message is stored.
_REDACTIONS = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[^\s,;'\"]+"), r"\1 ***"),
    (
        re.compile(
            r"(?i)\b(access[_-]?token|refresh[_-]?token|token|secret|client[_-]?secret|password"
            r"|passwd|api[_-]?key|apikey|authorization|signature)\b(\s*[=:]\s*)"
            r"([^\s&,;'\"]+)"
        ),
        r"\1\2***",
    ),
    (re.compile(r"(://)[^/\s:@]+:[^/\s@]+@"), r"\1***@"),
)


# At most this many workers share one data folder on one host (each holds one slot).
MAX_SLOTS = 256


def new_worker_id(identity: str | None = None) -> str:
    """``identity:pid:random`` (the identity defaults to the host name), unique even when a PID
    is reused or two hosts share a name."""
    return f"{identity or socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def _folder_token(folder: Path) -> str:
    """A random name for this data folder, made once (two workers starting together agree)."""
    path = folder / "id"
    if not path.exists():
        temporary = folder / f"id.{os.getpid()}.{secrets.token_hex(4)}"
        temporary.write_text(secrets.token_hex(4) + "\n")
        try:
            os.link(temporary, path)  # fails if another worker made it first; then use theirs
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


@contextmanager
def stable_identity() -> Iterator[str | None]:
    """A worker's name that outlives its process: ``host/folder/slot``. The slot is the first
    of the data folder's ``workers/slot-N.lock`` files that no living process holds locked, so
    two running workers never share a name, and a worker restarted after a crash gets its old
    name back (the operating system drops a dead process's lock). None where file locks are
    not available: the worker then relies on the lease alone."""
    if sys.platform == "win32":
        yield None
        return
    # Inside the function: fcntl exists only on POSIX systems (returned above elsewhere).
    import fcntl

    folder = Path(settings.DATA_DIR) / "workers"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        token = _folder_token(folder)
    except OSError:
        logger.warning("no stable worker name: %s is not writable", folder, exc_info=True)
        yield None
        return
    for slot in range(MAX_SLOTS):
        handle = (folder / f"slot-{slot}.lock").open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        try:
            yield f"{socket.gethostname()[:60]}/{token}/{slot}"
        finally:
            handle.close()  # and with it the lock
        return
    yield None


def load_handlers() -> None:
    """Import every app's ``jobs`` module (and ``KAIKU_EXTRA_JOB_MODULES``) so handlers register."""
    autodiscover_modules("jobs")
    for name in os.environ.get(EXTRA_MODULES_ENV, "").split(","):
        if name.strip():
            importlib.import_module(name.strip())


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 10 s, 20 s, 40 s … at most 1 h.

    The ±25 % jitter spreads out jobs that failed together (a platform that was down, say).
    """
    exponent = min(max(attempts - 1, 0), 20)
    base = min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_CAP_SECONDS)
    jittered = base * (rng or _rng).uniform(0.75, 1.25)
    return timedelta(seconds=min(jittered, BACKOFF_CAP_SECONDS))


def describe_error(exc: BaseException) -> str:
    """A person-readable one-liner for ``Job.last_error``: class and message, masked, truncated.

    The traceback goes to the log only.
    """
    message = str(exc).strip()
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    text = " ".join(text.split())
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    if len(text) > ERROR_MAX_CHARS:
        text = text[: ERROR_MAX_CHARS - 1] + "…"
    return text


def _lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.KAIKU_JOB_LEASE_SECONDS)


def claim(
    worker_id: str, *, due_by: datetime | None = None, job_id: int | None = None
) -> Job | None:
    """Take the next job due by ``due_by`` (or the job ``job_id`` if it is due) for this worker.

    Returns the claimed job (state running, attempts already counted), or None.
    """
    now = timezone.now()
    candidates = Job.objects.filter(state=Job.State.DUE)
    if job_id is not None:
        candidates = candidates.filter(id=job_id)
    else:
        candidates = candidates.filter(run_at__lte=due_by or now).order_by("run_at", "id")
    if not candidates.exists():
        # Most polls find nothing; on SQLite this spares them the write lock taken below.
        return None
    skip_locked = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        if skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        # With SKIP LOCKED the first row is ours to update; without it a few candidates let a
        # worker that lost a race on one row move on to the next.
        for pk in list(candidates.values_list("id", flat=True)[: 1 if skip_locked else 5]):
            taken = Job.objects.filter(id=pk, state=Job.State.DUE).update(
                state=Job.State.RUNNING,
                locked_by=worker_id,
                lease_until=_lease_until(now),
                attempts=F("attempts") + 1,
            )
            if taken == 1:
                return Job.objects.get(id=pk)
    return None


def recover_expired() -> int:
    """Jobs whose worker went silent past the lease: due again, or failed when out of attempts."""
    expired = Job.objects.filter(state=Job.State.RUNNING, lease_until__lt=timezone.now())
    if not expired.exists():
        return 0
    message = _("The worker running this job stopped before it finished (its lease expired).")
    return _recover(expired, message)


def release_own(identity: str) -> int:
    """At a worker's start: the jobs still ``running`` under its name belong to a process of
    that name that has died (the name's lock is ours now), so they are due again at once."""
    mine = Job.objects.filter(state=Job.State.RUNNING, locked_by__startswith=identity + ":")
    message = _("The worker running this job stopped before it finished and was restarted.")
    return _recover(mine, message)


def _recover(jobs: QuerySet[Job], message: str) -> int:
    now = timezone.now()
    spent = list(jobs.filter(attempts__gte=F("max_attempts")).values_list("id", flat=True))
    failed = jobs.filter(id__in=spent).update(
        state=Job.State.FAILED, finished_at=now, lease_until=None, locked_by="", last_error=message
    )
    retried = jobs.exclude(id__in=spent).update(
        state=Job.State.DUE, run_at=now, lease_until=None, locked_by="", last_error=message
    )
    if failed or retried:
        logger.warning(
            "recovered %d jobs of a stopped worker (%d failed)", failed + retried, failed
        )
    if failed:
        for job in Job.objects.filter(id__in=spent, state=Job.State.FAILED, finished_at=now):
            _gave_up(job)
    return failed + retried


def _gave_up(job: Job) -> None:
    func = GIVE_UP_HANDLERS.get(job.kind)
    if func is None:
        return
    try:
        func(job.payload)
    except Exception:
        # Not lost: the kind's own sweeping (e.g. the publishing engine's) finds it later.
        logger.exception("job %s: its give-up handler failed", job)


def _finish(job: Job, worker_id: str, **fields: object) -> bool:
    """Write the outcome, but only while the job is still ours."""
    written = Job.objects.filter(id=job.pk, state=Job.State.RUNNING, locked_by=worker_id).update(
        lease_until=None, locked_by="", **fields
    )
    if not written:
        logger.warning(
            "job %s: lease lost before it finished; the outcome is left to its current holder", job
        )
    return written == 1


def claim_more(
    worker_id: str, kind: str, limit: int, *, due_by: datetime, first: Job | None = None
) -> list[Job]:
    """Take up to ``limit`` more due jobs of ``kind`` (oldest first) for a batch.

    Their attempts are not counted here but when the batch handler starts them; so is the
    attempt of ``first`` (the job claimed alone before), given back when more jobs join it."""
    if limit <= 0:
        return []
    now = timezone.now()
    candidates = Job.objects.filter(state=Job.State.DUE, kind=kind, run_at__lte=due_by).order_by(
        "run_at", "id"
    )
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # Conditional, like a single claim: a row another worker took meanwhile stays its own.
        Job.objects.filter(id__in=ids, state=Job.State.DUE).update(
            state=Job.State.RUNNING, locked_by=worker_id, lease_until=_lease_until(now)
        )
        taken = Job.objects.filter(id__in=ids, state=Job.State.RUNNING, locked_by=worker_id)
        jobs = sorted(taken, key=lambda job: ids.index(job.pk))
        if jobs and first is not None:
            Job.objects.filter(id=first.pk, state=Job.State.RUNNING, locked_by=worker_id).update(
                attempts=F("attempts") - 1
            )
            first.attempts -= 1
        return jobs


def _outcome(job: Job, exc: BaseException | None) -> dict[str, object]:
    """The row's new fields after a handler returned (None) or raised ``exc``."""
    if exc is None:
        return {"state": Job.State.DONE, "finished_at": timezone.now()}
    if isinstance(exc, RetryLater):
        # Not a failure: give back the attempt that the claim counted.
        logger.info("job %s asked to run again at %s", job, exc.when.isoformat())
        return {"state": Job.State.DUE, "run_at": exc.when, "attempts": F("attempts") - 1}
    outcome: dict[str, object]
    if isinstance(exc, PermanentJobError):
        outcome = {"state": Job.State.FAILED, "finished_at": timezone.now()}
        outcome["last_error"] = describe_error(exc)
        logger.warning("job %s failed permanently: %s", job, outcome["last_error"])
        return outcome
    logger.error(
        "job %s failed (attempt %d of %d)",
        job,
        job.attempts,
        job.max_attempts,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    now = timezone.now()
    if job.attempts >= job.max_attempts:
        outcome = {"state": Job.State.FAILED, "finished_at": now}
    else:
        outcome = {"state": Job.State.DUE, "run_at": now + retry_delay(job.attempts)}
    outcome["last_error"] = describe_error(exc)
    return outcome


def execute(job: Job, worker_id: str) -> str | None:
    """Run a claimed job's handler and record the outcome.

    Returns the state written, or None when the job was no longer ours to write.
    """
    func = HANDLERS.get(job.kind)
    error: BaseException | None = None
    try:
        if func is None:
            raise PermanentJobError(_("No handler is registered for jobs of kind %s.") % job.kind)
        func(job.payload)
    except Exception as exc:
        error = exc
    outcome = _outcome(job, error)
    if not _finish(job, worker_id, **outcome):
        return None
    if outcome["state"] == Job.State.FAILED:
        _gave_up(job)
    return str(outcome["state"])


def execute_batch(jobs: list[Job], worker_id: str) -> list[str | None]:
    """Run claimed jobs of one kind through its batch handler and record each outcome.

    The jobs that are done are finished with one UPDATE; the others one by one, as ``execute``
    would. Returns the state written for each job (None where the job was no longer ours).
    """
    func, _size = BATCH_HANDLERS[jobs[0].kind]
    counted: set[int] = set()  # positions of the jobs whose attempt is counted
    lost: set[int] = set()  # positions of jobs found held by another worker

    def started(positions: list[int]) -> set[int]:
        wanted = {p for p in positions if 0 <= p < len(jobs)}
        new = wanted - counted - lost
        if new:
            ids = [jobs[p].pk for p in new]
            mine = Job.objects.filter(id__in=ids, state=Job.State.RUNNING, locked_by=worker_id)
            if mine.update(attempts=F("attempts") + 1) < len(new):
                held = set(mine.values_list("id", flat=True))
                lost.update(p for p in new if jobs[p].pk not in held)
                logger.warning("lost %d jobs of a batch to another worker", len(new & lost))
            for p in new - lost:
                jobs[p].attempts += 1
            counted.update(new - lost)
        return wanted - lost

    outcomes: list[BaseException | None]
    token = BATCH_STARTED.set(started)
    try:
        outcomes = func([job.payload for job in jobs])
        if len(outcomes) != len(jobs):
            raise RuntimeError(f"batch handler returned {len(outcomes)} outcomes for {len(jobs)}")
    except Exception as batch_error:
        # Whatever the handler did not record stays safe: each job is simply tried again.
        outcomes = [batch_error] * len(jobs)
    finally:
        BATCH_STARTED.reset(token)
    # A job that ended in an error used its attempt, whether or not the handler said it began.
    started([i for i, error in enumerate(outcomes) if error and not isinstance(error, RetryLater)])
    done = [job.pk for job, error in zip(jobs, outcomes, strict=True) if error is None]
    written = set(
        Job.objects.filter(id__in=done, state=Job.State.RUNNING, locked_by=worker_id).values_list(
            "id", flat=True
        )
    )
    if written:
        Job.objects.filter(id__in=written, state=Job.State.RUNNING, locked_by=worker_id).update(
            state=Job.State.DONE, finished_at=timezone.now(), lease_until=None, locked_by=""
        )
    states: list[str | None] = []
    for position, (job, error) in enumerate(zip(jobs, outcomes, strict=True)):
        if error is None:
            states.append(str(Job.State.DONE) if job.pk in written else None)
            continue
        outcome = _outcome(job, error)
        if position not in counted:
            outcome.pop("attempts", None)  # nothing to give back for a job never started
        if not _finish(job, worker_id, **outcome):
            states.append(None)
            continue
        if outcome["state"] == Job.State.FAILED:
            _gave_up(job)
        states.append(str(outcome["state"]))
    return states


class Heartbeat:
    """This worker's WorkerHeartbeat row, kept fresh by a thread even while a long job runs."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.current_jobs: list[int] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def interval(self) -> float:
        # Often enough that /health never sees a live worker as silent, and that a lease is
        # extended well before it runs out.
        return min(
            HEARTBEAT_SECONDS,
            settings.KAIKU_WORKER_SILENT_SECONDS / 4,
            settings.KAIKU_JOB_LEASE_SECONDS / 3,
        )

    def register(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.filter(last_seen__lt=now - HEARTBEAT_FORGET_AFTER).delete()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "last_seen": now,
                "jobs_done": 0,
            },
        )

    def beat(self, *, jobs_finished: int = 0) -> None:
        now = timezone.now()
        fields: dict[str, object] = {"last_seen": now}
        if jobs_finished:
            fields["jobs_done"] = F("jobs_done") + jobs_finished
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(**fields)
        job_ids = list(self.current_jobs)
        if job_ids:
            Job.objects.filter(
                id__in=job_ids, state=Job.State.RUNNING, locked_by=self.worker_id
            ).update(lease_until=_lease_until(now))

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._beat_until_stopped, name=f"heartbeat {self.worker_id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def unregister(self) -> None:
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    def _beat_until_stopped(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                close_old_connections()
                try:
                    self.beat()
                except DatabaseError:
                    logger.warning("worker heartbeat could not be written", exc_info=True)
        finally:
            connections.close_all()


def _run_claimed(
    job: Job, worker_id: str, heartbeat: Heartbeat | None, *, due_by: datetime | None = None
) -> int:
    """Run a claimed job, together with more due jobs of its kind when it has a batch
    handler (``due_by`` given). Returns how many jobs ran."""
    jobs = [job]
    if due_by is not None and job.kind in BATCH_HANDLERS:
        size = _batch_size(job.kind)
        try:
            jobs += claim_more(worker_id, job.kind, size - 1, due_by=due_by, first=job)
        except DatabaseError:
            logger.warning("could not claim more jobs for a batch", exc_info=True)
        _grow_batch(job.kind, full=len(jobs) == size)
    if heartbeat is not None:
        heartbeat.current_jobs = [j.pk for j in jobs]
    token = CURRENT_WORKER.set(worker_id)
    try:
        if len(jobs) > 1:
            execute_batch(jobs, worker_id)
        else:
            execute(job, worker_id)
    except DatabaseError:
        # The outcome could not be written; the lease runs out and the job is tried again.
        logger.exception("job %s: could not record its outcome", job)
    finally:
        CURRENT_WORKER.reset(token)
        if heartbeat is not None:
            heartbeat.current_jobs = []
    if heartbeat is not None:
        try:
            heartbeat.beat(jobs_finished=len(jobs))
        except DatabaseError:
            logger.warning("worker heartbeat could not be written", exc_info=True)
    return len(jobs)


# How far a kind's batch grows while its batches keep coming full (times its registered size).
BATCH_GROWTH_CAP = 4
_batch_sizes: dict[str, int] = {}


def _batch_size(kind: str) -> int:
    return _batch_sizes.get(kind, BATCH_HANDLERS[kind][1])


def _grow_batch(kind: str, *, full: bool) -> None:
    """Many due at once: a batch that came full is likely followed by more of its kind, so
    the next one is twice as big, up to BATCH_GROWTH_CAP times the registered size; the first
    batch that is not full brings the size back. Each batch costs about twenty statements
    whatever its size (the claims, the waves' shared work, the finish), so a burst of 1,000
    own-feed posts went out in 4 batches instead of 10. Growing only after a full batch
    leaves small bursts spread over several workers as before."""
    base = BATCH_HANDLERS[kind][1]
    if full:
        _batch_sizes[kind] = min(_batch_size(kind) * 2, base * BATCH_GROWTH_CAP)
    else:
        _batch_sizes.pop(kind, None)


def _run_passes(
    worker_id: str, heartbeat: Heartbeat | None, stop: threading.Event | None = None
) -> int:
    """Run what is due now, then what those jobs made due, up to ONCE_MAX_PASSES times."""
    ran = 0
    for _pass in range(ONCE_MAX_PASSES):
        recover_expired()
        cutoff = timezone.now()
        ran_in_pass = 0
        while stop is None or not stop.is_set():
            job = claim(worker_id, due_by=cutoff)
            if job is None:
                _batch_sizes.clear()  # nothing more due: the next burst starts small
                break
            ran_in_pass += _run_claimed(job, worker_id, heartbeat, due_by=cutoff)
        ran += ran_in_pass
        if ran_in_pass == 0 or (stop is not None and stop.is_set()):
            break
    return ran


def _loop(worker_id: str, heartbeat: Heartbeat, stop: threading.Event) -> int:
    ran = 0
    while not stop.is_set():
        close_old_connections()
        try:
            recover_expired()
            job = claim(worker_id)
        except DatabaseError:
            logger.exception("the worker could not reach the database; trying again")
            stop.wait(settings.KAIKU_WORKER_POLL_SECONDS)
            continue
        if job is None:
            _batch_sizes.clear()  # nothing more due: the next burst starts small
            _warm_up()
            stop.wait(_idle_wait())
            continue
        ran += _run_claimed(job, worker_id, heartbeat, due_by=timezone.now())
    return ran


_warm = False


def _warm_up() -> None:
    """Once, the first time the worker has nothing to do: load what the first due job would
    otherwise load on the clock. The URL configuration (every view and the API, 0.7 s of
    processor time; the worker's start skips it) is needed by the first post published to the
    own feed, for its entry's address: without this, the first burst of due posts waited
    for it."""
    global _warm
    if _warm:
        return
    _warm = True
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018  # the attribute's reading does the loading


def _idle_wait() -> float:
    """Seconds to sleep when nothing is due: until the next job falls due, at most one poll.

    A post scheduled for 12:00:00 then goes out at 12:00:00, not up to a poll interval later.
    (A job enqueued meanwhile for "now" waits at most one poll.)"""
    poll = float(settings.KAIKU_WORKER_POLL_SECONDS)
    try:
        nearest = (
            Job.objects.filter(state=Job.State.DUE)
            .order_by("run_at")
            .values_list("run_at", flat=True)
            .first()
        )
    except DatabaseError:
        return poll
    if nearest is None:
        return poll
    return min(poll, max((nearest - timezone.now()).total_seconds(), 0.01))


def run(
    stop: threading.Event | None = None,
    *,
    once: bool = False,
    worker_id: str | None = None,
    identity: str | None = None,
) -> int:
    """Work until ``stop`` is set (or, with ``once``, until nothing is due). Returns jobs run.

    "Jobs run" counts every job this call claimed and ran, whatever its outcome. The current
    job is always finished before the worker stops. Without a ``worker_id`` the worker takes
    a stable identity (``stable_identity``); with an ``identity`` (held by the caller), the
    jobs a dead process of that identity left ``running`` are released first.
    """
    if worker_id is None:
        with stable_identity() as taken:
            return run(stop, once=once, worker_id=new_worker_id(taken), identity=taken)
    stop = stop or threading.Event()
    load_handlers()
    if identity is not None:
        release_own(identity)
    if not once:
        ensure_periodic()
    heartbeat = Heartbeat(worker_id)
    heartbeat.register()
    heartbeat.start()
    logger.info("worker %s started", worker_id)
    ran = 0
    try:
        ran = _run_passes(worker_id, heartbeat, stop) if once else _loop(worker_id, heartbeat, stop)
    finally:
        heartbeat.stop()
        try:
            heartbeat.unregister()
        except DatabaseError:
            logger.warning("worker heartbeat could not be removed", exc_info=True)
        logger.info("worker %s stopped after %d jobs", worker_id, ran)
    return ran


def start_thread(stop: threading.Event) -> threading.Thread:
    """Run a worker in a daemon thread of this process (``kaiku serve``) until ``stop`` is set."""

    def work() -> None:
        try:
            run(stop)
        except Exception:
            logger.exception("the embedded worker stopped on an error")
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, name="kaiku-worker", daemon=True)
    thread.start()
    return thread


def run_due_jobs(*, worker_id: str = "inline") -> int:
    """Run the due jobs in this thread, without a heartbeat: "inline jobs" for tests and shells.

    Safe inside a test transaction (it never closes the connection). Returns jobs run.
    """
    load_handlers()
    return _run_passes(worker_id, heartbeat=None)


def run_job_now(job_id: int, *, worker_id: str = "inline") -> Job:
    """Run one job now if it is due, even if its ``run_at`` lies ahead. Returns its fresh row."""
    load_handlers()
    job = claim(worker_id, job_id=job_id)
    if job is not None:
        _run_claimed(job, worker_id, heartbeat=None)
    return Job.objects.get(id=job_id)
