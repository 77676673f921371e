"""The worker in this process: claiming, leases, outcomes, retries and recovery."""

from __future__ import annotations

import os
import random
import socket
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation

from kaiku.jobs import worker
from kaiku.jobs.models import Job, WorkerHeartbeat
from kaiku.jobs.services import enqueue
from tests.jobs.handlers import read_log

pytestmark = pytest.mark.django_db


def test_enqueue_with_a_unique_key_returns_the_open_job_until_it_is_finished(run_log: Path) -> None:
    first = enqueue("test.record", {"log": str(run_log)}, unique_key="deliver:42")
    again = enqueue("test.record", {"log": str(run_log)}, unique_key="deliver:42")
    assert again.pk == first.pk
    worker.run_due_jobs()
    later = enqueue("test.record", {"log": str(run_log)}, unique_key="deliver:42")
    assert later.pk != first.pk
    assert Job.objects.filter(unique_key="deliver:42").count() == 2


def test_jobs_without_a_unique_key_never_collide(run_log: Path) -> None:
    enqueue("test.record", {"log": str(run_log)})
    enqueue("test.record", {"log": str(run_log)})
    assert Job.objects.count() == 2


def test_a_claim_takes_the_job_under_a_lease_and_counts_an_attempt(settings: Any) -> None:
    settings.KAIKU_JOB_LEASE_SECONDS = 120
    job = enqueue("test.record")
    claimed = worker.claim("worker-a")
    assert claimed is not None
    assert claimed.pk == job.pk
    assert claimed.state == Job.State.RUNNING
    assert claimed.locked_by == "worker-a"
    assert claimed.attempts == 1
    assert claimed.lease_until is not None
    lease = (claimed.lease_until - timezone.now()).total_seconds()
    assert 110 < lease <= 120


def test_a_claimed_job_cannot_be_claimed_again() -> None:
    enqueue("test.record")
    assert worker.claim("worker-a") is not None
    assert worker.claim("worker-b") is None


def test_a_job_not_yet_due_is_not_claimed() -> None:
    enqueue("test.record", run_at=timezone.now() + timedelta(minutes=5))
    assert worker.claim("worker-a") is None


def test_the_job_due_longest_is_claimed_first() -> None:
    now = timezone.now()
    enqueue("test.record", run_at=now - timedelta(seconds=1))
    oldest = enqueue("test.record", run_at=now - timedelta(minutes=1))
    claimed = worker.claim("worker-a")
    assert claimed is not None
    assert claimed.pk == oldest.pk


def test_a_successful_job_is_done_with_its_lease_released(run_log: Path) -> None:
    job = enqueue("test.record", {"log": str(run_log), "n": 7})
    claimed = worker.claim("worker-a")
    assert claimed is not None
    assert worker.execute(claimed, "worker-a") == Job.State.DONE
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert job.finished_at is not None
    assert job.locked_by == ""
    assert job.lease_until is None
    assert [(event, n) for event, n, _pid in read_log(run_log)] == [("start", 7), ("done", 7)]


def test_a_failing_job_is_retried_after_a_backoff() -> None:
    job = enqueue("test.fail", {"message": "platform answered 502"})
    before = timezone.now()
    worker.run_due_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.DUE
    assert job.attempts == 1
    assert job.last_error == "RuntimeError: platform answered 502"
    delay = (job.run_at - before).total_seconds()
    assert 7.5 - 1 <= delay <= 12.5 + 1  # 10 s ± 25 % jitter, give or take the test's own time


def test_the_backoff_doubles_with_each_attempt_and_is_capped_at_an_hour() -> None:
    rng = random.Random(1)
    for attempts in range(1, 9):
        base = 10 * 2 ** (attempts - 1)
        delay = worker.retry_delay(attempts, rng=rng).total_seconds()
        assert base * 0.75 <= delay <= min(base * 1.25, 3600)
    assert all(worker.retry_delay(n, rng=rng) <= timedelta(hours=1) for n in (12, 30, 1000))
    assert worker.retry_delay(1000, rng=rng) >= timedelta(minutes=45)


def test_a_job_that_keeps_failing_ends_failed_after_max_attempts() -> None:
    job = enqueue("test.fail", max_attempts=3)
    for _attempt in range(3):
        worker.run_job_now(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.attempts == 3
    assert job.finished_at is not None
    assert job.last_error == "RuntimeError: boom"
    assert worker.run_job_now(job.pk).state == Job.State.FAILED  # a failed job is not run again


def test_the_error_message_is_readable_truncated_and_hides_credentials() -> None:
    exc = RuntimeError(
        "GET https://user:hunter2@api.example/v1/me?access_token=abc123&x=1 failed:\n"
        "Authorization: Bearer xyz789 password=p4ss " + "x" * 2000
    )
    text = worker.describe_error(exc)
    assert text.startswith("RuntimeError: GET https://***@api.example/v1/me?access_token=***&x=1")
    for secret in ("hunter2", "abc123", "xyz789", "p4ss"):
        assert secret not in text
    assert "\n" not in text
    assert len(text) == worker.ERROR_MAX_CHARS
    assert text.endswith("…")


def test_an_exception_without_a_message_is_named_by_its_class() -> None:
    assert worker.describe_error(TimeoutError()) == "TimeoutError"


def test_retry_later_reschedules_without_counting_a_failure() -> None:
    job = enqueue("test.retry_later", {"seconds": 600}, max_attempts=1)
    worker.run_due_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.DUE
    assert job.attempts == 0
    assert job.last_error == ""
    assert 590 < (job.run_at - timezone.now()).total_seconds() <= 600


def test_a_permanent_error_fails_the_job_at_once() -> None:
    job = enqueue("test.permanent", {"message": "the post was removed"}, max_attempts=8)
    worker.run_due_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.attempts == 1
    assert job.last_error == "PermanentJobError: the post was removed"


def test_a_job_of_an_unknown_kind_fails_with_a_clear_message() -> None:
    job = enqueue("nobody.handles.this")
    worker.run_due_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "nobody.handles.this" in job.last_error


def test_run_due_jobs_also_runs_the_jobs_that_earlier_jobs_enqueued(run_log: Path) -> None:
    enqueue("test.chain", {"log": str(run_log), "n": 1})
    assert worker.run_due_jobs() == 2
    assert [n for event, n, _pid in read_log(run_log) if event == "done"] == [2]


def _running(attempts: int, lease_seconds: float, max_attempts: int = 8) -> Job:
    return Job.objects.create(
        kind="test.record",
        state=Job.State.RUNNING,
        attempts=attempts,
        max_attempts=max_attempts,
        locked_by="dead-worker",
        lease_until=timezone.now() + timedelta(seconds=lease_seconds),
    )


def test_a_job_whose_lease_expired_is_due_again_with_its_attempt_counted() -> None:
    job = _running(attempts=1, lease_seconds=-1)
    with translation.override("en"):
        assert worker.recover_expired() == 1
    job.refresh_from_db()
    assert job.state == Job.State.DUE
    assert job.attempts == 1
    assert job.locked_by == ""
    assert job.lease_until is None
    assert job.run_at <= timezone.now()
    assert "lease" in job.last_error


def test_a_job_whose_lease_keeps_expiring_ends_failed() -> None:
    job = _running(attempts=3, lease_seconds=-1, max_attempts=3)
    with translation.override("en"):
        worker.recover_expired()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.finished_at is not None
    assert "lease" in job.last_error


def test_a_running_job_within_its_lease_is_left_alone() -> None:
    job = _running(attempts=1, lease_seconds=60)
    assert worker.recover_expired() == 0
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING
    assert job.locked_by == "dead-worker"


@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_holder(
    outcome: str, temporary_handler: Any
) -> None:
    def slow_then_overtaken(payload: dict[str, Any]) -> None:
        # While this worker was stalled, its lease ran out and worker B took the job.
        Job.objects.filter(kind="test.overtaken").update(
            locked_by="worker-b",
            attempts=2,
            lease_until=timezone.now() + timedelta(minutes=5),
        )
        if outcome == "failure":
            raise RuntimeError("too late")

    temporary_handler("test.overtaken", slow_then_overtaken)
    job = enqueue("test.overtaken")
    claimed = worker.claim("worker-a")
    assert claimed is not None
    assert worker.execute(claimed, "worker-a") is None  # nothing written
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING
    assert job.locked_by == "worker-b"
    assert job.attempts == 2
    assert job.finished_at is None
    assert job.last_error == ""


def test_a_heartbeat_refreshes_the_worker_row_and_extends_the_running_jobs_lease(
    settings: Any,
) -> None:
    settings.KAIKU_JOB_LEASE_SECONDS = 300
    heartbeat = worker.Heartbeat("worker-a")
    heartbeat.register()
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(minutes=5))
    job = enqueue("test.record")
    assert worker.claim("worker-a") is not None
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() + timedelta(seconds=3))
    heartbeat.current_jobs = [job.pk]
    heartbeat.beat()
    job.refresh_from_db()
    beat = WorkerHeartbeat.objects.get(worker_id="worker-a")
    assert (timezone.now() - beat.last_seen).total_seconds() < 5
    assert job.lease_until is not None
    assert (job.lease_until - timezone.now()).total_seconds() > 290


def test_a_heartbeat_does_not_extend_a_lease_that_another_worker_holds() -> None:
    heartbeat = worker.Heartbeat("worker-a")
    heartbeat.register()
    job = _running(attempts=1, lease_seconds=3)
    heartbeat.current_jobs = [job.pk]
    heartbeat.beat()
    job.refresh_from_db()
    assert job.lease_until is not None
    assert (job.lease_until - timezone.now()).total_seconds() <= 3


def test_the_worker_id_names_host_and_process() -> None:
    host, pid, suffix = worker.new_worker_id().rsplit(":", 2)
    assert host == socket.gethostname()[:80]
    assert int(pid) == os.getpid()
    assert len(suffix) == 8
    assert worker.new_worker_id() != worker.new_worker_id()


def test_extra_handler_modules_are_imported_from_the_environment(monkeypatch: Any) -> None:
    from kaiku.jobs.services import HANDLERS

    monkeypatch.delitem(HANDLERS, "test.chain")
    monkeypatch.delitem(sys.modules, "tests.jobs.handlers")
    monkeypatch.setenv(worker.EXTRA_MODULES_ENV, "tests.jobs.handlers")
    worker.load_handlers()
    assert "test.chain" in HANDLERS


@pytest.mark.django_db(transaction=True)
def test_run_once_runs_what_is_due_and_removes_its_heartbeat_on_exit(run_log: Path) -> None:
    for n in range(3):
        enqueue("test.record", {"log": str(run_log), "n": n})
    enqueue("test.record", {"log": str(run_log)}, run_at=timezone.now() + timedelta(hours=1))
    assert worker.run(once=True, worker_id="once-worker") == 3
    assert Job.objects.filter(state=Job.State.DONE).count() == 3
    assert Job.objects.filter(state=Job.State.DUE).count() == 1
    assert not WorkerHeartbeat.objects.exists()


# --- batches: several due jobs of one kind through one handler call ---------------------------


@pytest.fixture
def batch_kind(monkeypatch: pytest.MonkeyPatch) -> list[list[dict[str, Any]]]:
    """A kind with a batch handler (size 3) whose outcome each payload names."""
    from kaiku.jobs import services
    from kaiku.jobs.services import PermanentJobError, RetryLater

    calls: list[list[dict[str, Any]]] = []

    def single(payload: dict[str, Any]) -> None:
        calls.append([payload])

    def batch(payloads: list[dict[str, Any]]) -> list[BaseException | None]:
        calls.append(payloads)
        outcomes: list[BaseException | None] = []
        for p in payloads:
            if p["then"] == "later":
                outcomes.append(RetryLater(timezone.now() + timedelta(hours=1)))
            elif p["then"] == "never":
                outcomes.append(PermanentJobError("no use"))
            elif p["then"] == "error":
                outcomes.append(RuntimeError("boom"))
            else:
                outcomes.append(None)
        return outcomes

    monkeypatch.setitem(services.HANDLERS, "test.batch", single)
    monkeypatch.setitem(services.BATCH_HANDLERS, "test.batch", (batch, 3))
    return calls


def test_due_jobs_of_a_batch_kind_run_together_and_each_gets_its_own_outcome(
    batch_kind: list[list[dict[str, Any]]],
) -> None:
    jobs = [
        enqueue("test.batch", {"then": then}, run_at=timezone.now() - timedelta(seconds=5 - i))
        for i, then in enumerate(["done", "later", "never", "error", "done"])
    ]
    assert worker.run_due_jobs() == 5
    # Oldest first, at most three per call: then the two that were left.
    assert [[p["then"] for p in call] for call in batch_kind] == [
        ["done", "later", "never"],
        ["error", "done"],
    ]
    for job in jobs:
        job.refresh_from_db()
    assert [j.state for j in jobs] == ["done", "due", "failed", "due", "done"]
    assert jobs[1].attempts == 0  # RetryLater gives the attempt back
    assert jobs[1].run_at > timezone.now() + timedelta(minutes=50)
    assert "no use" in jobs[2].last_error
    assert "boom" in jobs[3].last_error and jobs[3].attempts == 1
    assert all(not j.locked_by and j.lease_until is None for j in jobs)


def test_a_batch_handler_that_raises_leaves_every_job_to_be_tried_again(
    batch_kind: list[list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaiku.jobs import services

    def broken(payloads: list[dict[str, Any]]) -> list[BaseException | None]:
        raise RuntimeError("database went away")

    monkeypatch.setitem(services.BATCH_HANDLERS, "test.batch", (broken, 3))
    jobs = [enqueue("test.batch", {"then": "done"}) for _ in range(2)]
    worker.run_due_jobs()
    for job in jobs:
        job.refresh_from_db()
        assert job.state == Job.State.DUE and job.run_at > timezone.now()
        assert "database went away" in job.last_error


def test_a_job_run_on_its_own_uses_the_single_handler(
    batch_kind: list[list[dict[str, Any]]],
) -> None:
    job = enqueue("test.batch", {"then": "done"})
    assert worker.run_job_now(job.pk).state == Job.State.DONE
    assert batch_kind == [[{"then": "done"}]]


def test_the_heartbeat_extends_the_lease_of_every_job_of_a_batch() -> None:
    heartbeat = worker.Heartbeat("worker-a")
    heartbeat.register()
    jobs = [enqueue("test.record") for _ in range(3)]
    taken = worker.claim_more("worker-a", "test.record", 3, due_by=timezone.now())
    assert [j.pk for j in taken] == [j.pk for j in jobs]
    Job.objects.update(lease_until=timezone.now() + timedelta(seconds=2))
    heartbeat.current_jobs = [j.pk for j in taken]
    heartbeat.beat()
    for job in jobs:
        job.refresh_from_db()
        assert job.lease_until is not None
        assert job.lease_until > timezone.now() + timedelta(seconds=20)  # of the 30 s lease
