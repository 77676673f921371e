"""Killing workers with SIGKILL at random moments while they publish: nothing is published
twice and nothing is lost. Real worker processes, a real Mastodon-shaped server process that
keeps counting across the kills, and the database of this test run (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.jobs.procs import ROOT, Procs

pytestmark = pytest.mark.slow

TOKEN = "kaatumistesti-token"
POSTS = 100
KILLS = 100


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


def _start_server(procs: Procs, state: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.channels.mastodon.server", "--port", "0"),
            *("--state", str(state), "--token", TOKEN),
        ],
        cwd=ROOT,
        env=procs.env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    url = server.stdout.readline().split()[1]
    # No server-side idempotency: this test proves the engine's own reconciliation.
    knobs = {"idempotency_window": 0, "latency": 0.25, "rate_limit": 1_000_000}
    httpx.post(f"{url}/__control/knobs", json=knobs, timeout=10).raise_for_status()
    return server, url


def test_sigkill_at_random_moments_leaves_no_duplicate_and_no_lost_delivery(
    procs: Procs,
    tmp_path: Path,
) -> None:
    procs.env.update(
        KAIKU_JOB_LEASE_SECONDS="2",
        KAIKU_PUBLISH_RETRY_SECONDS="1",
        KAIKU_ALLOWED_PRIVATE_HOSTS="127.0.0.1,localhost",
        KAIKU_WORKER_POLL_SECONDS="1",
    )
    server, url = _start_server(procs, tmp_path / "mastodon.json")
    try:
        _ctl(procs, "setup", url, TOKEN, str(POSTS))
        seed = random.randrange(1_000_000)
        rng = random.Random(seed)
        lock = threading.Lock()
        kills: list[float] = []

        def killer(times: int) -> None:
            for _ in range(times):
                worker = procs.kaiku("worker", name="worker")
                worker.wait_for_line("", timeout=60)  # up and claiming
                with lock:
                    pause = rng.uniform(0.0, 1.0)
                time.sleep(pause)
                worker.signal(signal.SIGKILL)
                worker.kill()
                with lock:
                    kills.append(pause)

        threads = [threading.Thread(target=killer, args=(KILLS // 2,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(kills) == KILLS
        middle = _ctl(procs, "report")

        deadline = time.monotonic() + 120
        report = middle
        while time.monotonic() < deadline:
            procs.run_kaiku("worker", "--once", timeout=120)
            report = _ctl(procs, "report")
            if report["states"] == {"published": 2 * POSTS}:
                break
            time.sleep(1)
        state = httpx.get(f"{url}/__control/state", timeout=10).json()
    finally:
        server.terminate()
        server.wait(10)

    texts = Counter(s["content"] for s in state["statuses"])
    duplicates = {t: n for t, n in texts.items() if n > 1}
    print(
        f"\nseed {seed}: {KILLS} kills; before the final run {middle['states']}; "
        f"statuses {len(state['statuses'])}, duplicates {len(duplicates)}, "
        f"deliveries interrupted by a kill and reconciled: {report['interrupted']}"
    )
    assert report["interrupted"] > 0, "no kill landed while a delivery was being published"
    assert report["states"] == {"published": 2 * POSTS}, (seed, report["states"])
    assert duplicates == {}, seed
    assert len(texts) == POSTS
    assert sorted(report["mastodon_ids"]) == sorted(str(s["id"]) for s in state["statuses"])
    assert report["feed_entries"] == report["feed_keys"] == POSTS
