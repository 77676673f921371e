"""A worker killed with SIGKILL at the worst moment for the post's own state: right after the
transaction that wrote the ledger has committed. Real worker processes, the database of this
test run (SQLite or PostgreSQL), weekly posts to the organisation's own feed."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.jobs.procs import ROOT, Procs

pytestmark = pytest.mark.slow

POSTS = 12


def _ctl(procs: Procs, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.posts.crashctl", *args],
        cwd=ROOT,
        env=procs.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _first_posts(procs: Procs) -> list[dict[str, Any]]:
    return [p for p in _ctl(procs, "posts")["posts"] if p["repeat_of"] is None]


@pytest.mark.parametrize(
    ("parts", "kill_after"),
    [(1, 1), (2, 2)],
    ids=["one-part-posts-the-batch-way", "threads-one-by-one-after-their-last-part"],
)
def test_a_kill_right_after_the_ledger_commit_leaves_every_published_post_done_with_its_next(
    procs: Procs, parts: int, kill_after: int
) -> None:
    _ctl(procs, "setup-feed", str(POSTS), str(parts))
    procs.env["KAIKU_EXTRA_JOB_MODULES"] = "tests.jobs.handlers,tests.posts.killpoint"
    procs.env["KAIKU_PUBLISH_RETRY_SECONDS"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "kaiku", "worker", "--once"],
        cwd=ROOT,
        env={**procs.env, "KAIKU_TEST_KILL_AFTER_LEDGER_COMMIT": str(kill_after)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -9, (done.returncode, done.stderr[-2000:])

    # Straight after the kill, before any other worker or sweeper ran: a post whose every
    # delivery is published is done, and its next occurrence is there.
    posts = _first_posts(procs)
    out = [p for p in posts if p["deliveries"] == ["published"]]
    assert out, "the kill landed before anything was published"
    stuck = [p for p in out if p["state"] != "done" or len(p["next"]) != 1]
    assert stuck == [], f"{len(stuck)} of {len(out)} published posts left behind: {stuck}"

    # And a worker afterwards finishes the rest, each post once with one next occurrence.
    procs.env.pop("KAIKU_TEST_KILL_AFTER_LEDGER_COMMIT", None)
    for _ in range(10):
        finished = procs.run_kaiku("worker", "--once", timeout=120)
        assert finished.returncode == 0, finished.stderr[-2000:]
        posts = _first_posts(procs)
        if all(p["deliveries"] == ["published"] for p in posts):
            break
        time.sleep(1)  # an interrupted delivery is looked up after the wait
    assert [p["state"] for p in posts] == ["done"] * POSTS
    assert [len(p["next"]) for p in posts] == [1] * POSTS
    feed = _ctl(procs, "report")
    assert feed["feed_entries"] == feed["feed_keys"] == POSTS * parts
