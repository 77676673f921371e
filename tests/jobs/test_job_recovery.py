"""A killed worker's jobs are running again within seconds, not after a five-minute lease:
leases are short and renewed while a worker works, a restarted worker takes back its own
claims at once, and a kill costs an attempt only to the job that was running."""

from __future__ import annotations

import signal
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kaiku.jobs import worker
from kaiku.jobs.models import Job
from kaiku.jobs.services import enqueue
from tests.jobs.handlers import read_log
from tests.jobs.procs import Procs


def _wait_for_log(procs: Procs, event: str, n: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (event, n) not in {(e, m) for e, m, _pid in read_log(procs.log)}:
        assert time.monotonic() < deadline, f"no {event} {n} in the run log"
        time.sleep(0.02)


def test_a_worker_name_outlives_its_process_and_two_running_workers_never_share_one(
    settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    with worker.stable_identity() as first, worker.stable_identity() as second:
        assert first is not None and second is not None
        assert first != second
        assert first.endswith("/0") and second.endswith("/1")
    with worker.stable_identity() as again:
        assert again == first  # the slot of a worker that is gone is taken again


@pytest.mark.django_db
def test_a_starting_worker_releases_the_jobs_its_dead_predecessor_left_running() -> None:
    later = timezone.now() + timedelta(seconds=25)
    mine = enqueue("test.record")
    other = enqueue("test.record")
    Job.objects.filter(pk=mine.pk).update(
        state=Job.State.RUNNING, locked_by="host/ab12/0:4242:dead", lease_until=later, attempts=1
    )
    Job.objects.filter(pk=other.pk).update(
        state=Job.State.RUNNING, locked_by="host/ab12/10:4343:live", lease_until=later, attempts=1
    )
    assert worker.release_own("host/ab12/0") == 1
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.state, mine.locked_by, mine.attempts) == (Job.State.DUE, "", 1)
    assert (other.state, other.locked_by) == (Job.State.RUNNING, "host/ab12/10:4343:live")


@pytest.mark.slow
def test_a_restarted_worker_runs_its_killed_job_again_within_seconds(procs: Procs) -> None:
    # The default lease (30 s) and heartbeat: nothing shortened for the test.
    first = procs.kaiku("worker", name="killed")
    first.wait_for_line(f":{first.pid}:")
    procs.enqueue("test.record", 1, sleep_first_run=60)
    _wait_for_log(procs, "start", 1)
    first.signal(signal.SIGKILL)
    first.wait()
    killed_at = time.monotonic()
    second = procs.kaiku("worker", name="restarted")
    state = procs.ctl("wait-finished", "60")
    took = time.monotonic() - killed_at
    assert state["ok"], second.stderr()
    assert state["jobs"][0]["state"] == "done"
    assert took < 10, f"the killed worker's job ran again {took:.1f} s after the kill"
    print(f"\nkilled worker's job done again {took:.1f} s after the kill (was: 300 s lease)")


@pytest.mark.slow
def test_a_kill_in_a_batch_costs_an_attempt_only_to_the_job_that_was_running(
    procs: Procs,
) -> None:
    # Ten jobs due together, taken as one batch; the fourth hangs on its first run, and the
    # worker is killed there.
    procs.enqueue("test.record_batch", 10, sleep_first_run=60, only_n=4)
    first = procs.kaiku("worker", name="killed")
    _wait_for_log(procs, "done", 3)
    _wait_for_log(procs, "start", 4)
    first.signal(signal.SIGKILL)
    first.wait()
    procs.kaiku("worker", name="restarted")
    state = procs.ctl("wait-finished", "60")
    assert state["ok"], state
    attempts = {job["n"]: job["attempts"] for job in state["jobs"]}
    assert [job["state"] for job in state["jobs"]] == ["done"] * 10
    # Jobs 1-3 had run and 4 was running: they ran again (their outcome was not yet written)
    # and count two attempts; 5-10 never started and count one.
    assert attempts == {1: 2, 2: 2, 3: 2, 4: 2, **dict.fromkeys(range(5, 11), 1)}, attempts
