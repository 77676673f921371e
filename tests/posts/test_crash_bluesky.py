"""Killing workers with SIGKILL while they publish to the REAL local Bluesky PDS and the own feed,
with batch claims on (KAIKU_PUBLISH_BATCH as configured): nothing lost, nothing published twice,
and Kaiku's ledger matches the PDS's repository record for record.

The posts fall due in groups, each group at one instant, so batch claims take many deliveries
with one first-attempt time (the case that made posts vanish behind another post's record).
One worker is killed over and over, then two at once. The database is this run's (SQLite, or
PostgreSQL in the PostgreSQL pass of scripts/test.sh).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

import pytest

from kaiku.channels.bluesky import client as bsky
from tests.bluesky_local.fixtures import LocalNetwork
from tests.jobs.procs import ROOT, Procs

pytestmark = pytest.mark.slow

POSTS = 240  # every fifth a thread of several parts, every seventh with an image
GROUPS = 8  # the posts fall due in 8 groups of 30, each group at one instant
GAP = 6.0  # seconds between the groups
KILLS_ONE = 12  # kills while one worker runs
KILLS_TWO = 12  # kills of each of two workers running at once


def _ctl(procs: Procs, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.posts.crashctl", *args],
        cwd=ROOT,
        env=procs.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _repo(network: LocalNetwork, did: str) -> list[bsky.RecordView]:
    records: list[bsky.RecordView] = []
    cursor = None
    with bsky.BlueskyClient(network.pds_url) as client:
        while True:
            page = client.list_records(did, bsky.POST_COLLECTION, limit=100, cursor=cursor)
            records += page.records
            if not page.cursor or not page.records:
                return records
            cursor = page.cursor


def test_sigkill_while_publishing_to_the_pds_loses_nothing_and_matches_the_repo(
    procs: Procs, bluesky_pds: LocalNetwork
) -> None:
    procs.env.update(
        KAIKU_JOB_LEASE_SECONDS="2",
        KAIKU_PUBLISH_RETRY_SECONDS="1",
        KAIKU_ALLOWED_PRIVATE_HOSTS="127.0.0.1,localhost",
        KAIKU_WORKER_POLL_SECONDS="1",
    )
    procs.env.pop("KAIKU_PUBLISH_BATCH", None)  # batch claims on, at their default size
    local = bluesky_pds.create_account("kaatuminen")
    did = _ctl(
        procs,
        *("setup-bluesky", bluesky_pds.pds_url, local.handle, local.password),
        *(str(POSTS), str(GROUPS), str(GAP)),
    )["did"]
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    lock = threading.Lock()
    kills: list[float] = []

    def killer(times: int) -> None:
        for _ in range(times):
            worker = procs.kaiku("worker", name="worker")
            worker.wait_for_line("", timeout=60)  # up and claiming
            with lock:
                pause = rng.uniform(0.5, 2.5)
            time.sleep(pause)
            worker.signal(signal.SIGKILL)
            worker.kill()
            with lock:
                kills.append(pause)

    killer(KILLS_ONE)
    two = [threading.Thread(target=killer, args=(KILLS_TWO,)) for _ in range(2)]
    for thread in two:
        thread.start()
    for thread in two:
        thread.join()
    assert len(kills) == KILLS_ONE + 2 * KILLS_TWO
    middle = _ctl(procs, "report-bluesky")["states"]
    out_before = len(_repo(bluesky_pds, did))

    final_start = time.monotonic()
    deadline = final_start + 180
    report = _ctl(procs, "report-bluesky")
    while time.monotonic() < deadline:
        procs.run_kaiku("worker", "--once", timeout=180)
        report = _ctl(procs, "report-bluesky")
        if report["states"] == {"published": 2 * POSTS}:
            break
        time.sleep(1)
    final = time.monotonic() - final_start
    repo = _repo(bluesky_pds, did)

    by_uri = {r.uri: r.value for r in repo}
    ledger_uris = [uri for d in report["bluesky"] for _, uri in d["ledger"]]
    expected_parts = sum(len(d["parts"]) for d in report["bluesky"])
    lost = [d for d in report["bluesky"] if len(d["ledger"]) != len(d["parts"])]
    texts = Counter(r.value["text"] for r in repo)
    duplicates = {t: n for t, n in texts.items() if n > 1}
    mismatches = []
    for d in report["bluesky"]:
        uris = [uri for _, uri in d["ledger"]]
        for index, uri in d["ledger"]:
            value = by_uri.get(uri)
            if value is None or value["text"] != d["parts"][index]:
                mismatches.append((uri, "text or missing"))
                continue
            if uri.rsplit("/", 1)[1] != d["keys"][index]:
                mismatches.append((uri, "record key is not the stored key"))
            reply = value.get("reply")
            want = None if index == 0 else (uris[0], uris[index - 1])
            got = (reply["root"]["uri"], reply["parent"]["uri"]) if reply else None
            if got != want:
                mismatches.append((uri, "reply refs"))
        if d["ledger"] and d["remote_id"] != uris[0]:
            mismatches.append((d["remote_id"], "delivery points elsewhere than its first part"))
    images = sum(1 for r in repo if "images" in r.value.get("embed", {}).get("$type", ""))
    threads = sum(1 for d in report["bluesky"] if len(d["parts"]) > 1)
    print(
        f"\nseed {seed}: {POSTS} posts ({threads} threads, {images} with images, "
        f"{expected_parts} Bluesky records expected), {len(kills)} kills "
        f"({KILLS_ONE} of one worker, {2 * KILLS_TWO} of two at once); before the final run "
        f"{middle} and {out_before} records on the PDS; repo records {len(repo)}, "
        f"lost {len(lost)}, duplicates {len(duplicates)}, mismatches {len(mismatches)}, "
        f"interrupted and reconciled {report['interrupted']}; final run {final:.0f} s"
    )
    assert report["interrupted"] > 0, "no kill landed while a delivery was being published"
    assert report["states"] == {"published": 2 * POSTS}, (seed, report["states"])
    assert lost == [], seed
    assert duplicates == {}, seed
    assert mismatches == [], (seed, mismatches[:5])
    assert sorted(ledger_uris) == sorted(by_uri), seed  # record for record, nothing extra
    assert len(repo) == expected_parts
    assert threads > 0 and images > 0
    assert report["feed_entries"] == report["feed_keys"] == report["feed_parts"]
