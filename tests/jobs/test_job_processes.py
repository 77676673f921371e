"""Real ``kaiku worker`` processes: --once, competing workers, SIGTERM and SIGKILL."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from tests.jobs.handlers import read_log
from tests.jobs.procs import Procs

pytestmark = pytest.mark.slow


def test_worker_once_runs_the_due_jobs_and_exits(procs: Procs) -> None:
    procs.enqueue("test.record", 3)
    procs.enqueue("test.permanent", 1)
    done = procs.run_kaiku("worker", "--once")
    assert done.returncode == 0, done.stderr
    state = procs.ctl("dump")
    assert Counter(job["state"] for job in state["jobs"]) == {"done": 3, "failed": 1}
    assert sorted(n for event, n, _pid in read_log(procs.log) if event == "done") == [1, 2, 3]
    assert state["heartbeats"] == []


def _two_workers_share_the_work(procs: Procs) -> None:
    workers = [procs.kaiku("worker", name=f"worker{i}") for i in range(2)]
    for proc in workers:
        proc.wait_for_line(f":{proc.pid}:")  # "worker HOST:PID:… started"
    assert procs.ctl("wait-workers", "2", "30")["ok"]
    jobs = 80
    procs.enqueue("test.record", jobs, sleep=0.02)
    state = procs.ctl("wait-finished", "60")
    assert state["ok"], state
    for proc in workers:
        proc.signal(signal.SIGTERM)
    assert [proc.wait() for proc in workers] == [0, 0], [p.stderr() for p in workers]

    runs = [(n, pid) for event, n, pid in read_log(procs.log) if event == "start"]
    per_job = Counter(n for n, _pid in runs)
    assert sorted(per_job) == list(range(1, jobs + 1))
    assert [n for n, count in per_job.items() if count > 1] == []
    # Both workers took part, so the claims really competed.
    assert {pid for _n, pid in runs} == {proc.pid for proc in workers}
    assert all(job["state"] == "done" and job["attempts"] == 1 for job in state["jobs"])
    assert procs.ctl("dump")["heartbeats"] == []  # both said goodbye


@pytest.mark.postgres_only
def test_two_worker_processes_never_run_the_same_job_on_postgresql(procs: Procs) -> None:
    _two_workers_share_the_work(procs)


def test_two_worker_processes_never_run_the_same_job_on_sqlite(sqlite_procs: Procs) -> None:
    _two_workers_share_the_work(sqlite_procs)


def _wait_for_log(procs: Procs, event: str, count: int = 1, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while sum(e == event for e, _n, _pid in read_log(procs.log)) < count:
        assert time.monotonic() < deadline, f"no {event!r} in the run log"
        time.sleep(0.05)


def test_sigterm_lets_the_current_job_finish_before_the_worker_exits(procs: Procs) -> None:
    worker = procs.kaiku("worker")
    worker.wait_for_line(f":{worker.pid}:")
    procs.enqueue("test.record", 1, sleep=1.5)
    _wait_for_log(procs, "start")
    worker.signal(signal.SIGTERM)
    assert worker.wait(30) == 0, worker.stderr()
    assert [event for event, _n, _pid in read_log(procs.log)] == ["start", "done"]
    state = procs.ctl("dump")
    assert state["jobs"][0]["state"] == "done"
    assert state["heartbeats"] == []


def test_a_worker_killed_mid_job_leaves_the_job_to_be_retried_by_the_next_worker(
    procs: Procs,
) -> None:
    procs.env["KAIKU_JOB_LEASE_SECONDS"] = "5"
    procs.env["KAIKU_WORKER_SILENT_SECONDS"] = "8"  # beats every 2 s
    first = procs.kaiku("worker", name="killed")
    first.wait_for_line(f":{first.pid}:")
    procs.enqueue("test.record", 1, sleep_first_run=60)
    _wait_for_log(procs, "start")
    time.sleep(3)  # longer than a heartbeat: the lease must have been extended meanwhile

    state = procs.ctl("dump")
    (job,) = state["jobs"]
    assert job["state"] == "running"
    assert job["locked_by"].split(":")[1] == str(first.pid)
    assert job["lease_left"] > 2.5, "the heartbeat thread extends the lease of a long job"
    assert [beat["age"] < 3 for beat in state["heartbeats"]] == [True]

    first.signal(signal.SIGKILL)
    first.wait()
    assert procs.ctl("dump")["jobs"][0]["state"] == "running"  # not lost, not yet retried

    second = procs.kaiku("worker", name="second")
    state = procs.ctl("wait-finished", "30")
    assert state["ok"], second.stderr()
    (job,) = state["jobs"]
    assert job["state"] == "done"
    assert job["attempts"] == 2
    # Restarted on the same data folder, the worker takes the dead one's job back at once
    # (tests/jobs/test_job_recovery.py); another would after the lease.
    assert any(word in job["last_error"] for word in ("restarted", "uudelleen"))  # en or fi
    assert [(event, pid) for event, _n, pid in read_log(procs.log)] == [
        ("start", first.pid),
        ("start", second.pid),
        ("done", second.pid),
    ]
