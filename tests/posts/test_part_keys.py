"""Record keys cannot clash: thousands of deliveries claimed in batches at one instant, and many
threads minting at one instant, never share a key (property-based, Hypothesis).

Before, a part's Bluesky record key was a TID of the delivery's first-attempt time plus 10 bits
of a hash of its key; a batch claim gives up to 100 deliveries the same first-attempt time, so
about one delivery in 40 of a full batch shared its key with another and silently vanished.
"""

from __future__ import annotations

import importlib
import os
import threading
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.channels import tid
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Organisation
from kaiku.posts import gate
from kaiku.posts.models import Post
from kaiku.publishing import engine
from kaiku.publishing.models import Delivery

INSTANT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
INSTANT_US = int(INSTANT.timestamp()) * 1_000_000


def _deliveries(org: Organisation, account: ChannelAccount, count: int) -> list[int]:
    posts = Post.objects.bulk_create(
        [
            Post(organisation=org, text=f"Julkaisu {n}", state=Post.State.SCHEDULED)
            for n in range(count)
        ]
    )
    made = Delivery.objects.bulk_create(
        [
            Delivery(
                post=post,
                account=account,
                state=Delivery.State.SCHEDULED,
                due_at=INSTANT,
                parts=[post.text],
            )
            for post in posts
        ]
    )
    # Written straight to the database, they stand for deliveries the safety gate checked.
    for delivery in made:
        delivery.gate_stamp = gate.stamp(engine.outgoing_for(delivery))
    Delivery.objects.bulk_update(made, ["gate_stamp"], batch_size=500)
    return [d.pk for d in made]


@pytest.fixture
def bluesky(org: Organisation) -> ChannelAccount:
    account = ChannelAccount(
        organisation=org,
        platform="bluesky",
        handle="yhdistys.test",
        base_url="http://127.0.0.1:9",  # never contacted: the test only claims
    )
    account.set_credentials(
        {"did": "did:plc:yhdistys", "access_jwt": "a", "refresh_jwt": "r", "handle": "h"}
    )
    account.save()
    return account


@pytest.mark.slow  # 5 s or more on the shared machine: `make test` runs it, `make unit` not
@pytest.mark.django_db
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    count=st.integers(min_value=300, max_value=1500),
    batch=st.integers(min_value=2, max_value=100),
    clock_id=st.integers(min_value=0, max_value=1023),
)
def test_deliveries_claimed_in_batches_at_one_instant_never_share_a_record_key(
    org: Organisation,
    bluesky: ChannelAccount,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    batch: int,
    clock_id: int,
) -> None:
    # Every claim happens at the same instant, and the process clock's wall time stands still.
    monkeypatch.setattr("django.utils.timezone.now", lambda: INSTANT)
    monkeypatch.setattr(tid, "_clock", tid.TidClock(clock_id, now_us=lambda: INSTANT_US))
    monkeypatch.setattr(tid, "_clock_pid", os.getpid())
    ids = _deliveries(org, bluesky, count)
    used: list[str] = []
    for start in range(0, len(ids), batch):
        runs = engine._claim_clean(engine._clean_candidates(ids[start : start + batch]), {})
        assert len(runs) == len(ids[start : start + batch])
        used += [run.connector._rkey(run.outgoing, 0) for run in runs]  # type: ignore[attr-defined]
    assert len(used) == count
    assert len(set(used)) == count, f"{count - len(set(used))} record keys used twice"
    # Each key was stored with its delivery when it was claimed (before any request), and is
    # what a retry or a reconcile reads back.
    stored = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "part_keys"))
    for pk in ids:
        delivery = Delivery.objects.get(pk=pk)
        assert engine.outgoing_for(delivery).part_keys == tuple(stored[pk])
    assert sorted(key for keys in stored.values() for key in keys) == sorted(used)


@settings(max_examples=25, deadline=None)
@given(
    threads=st.integers(min_value=2, max_value=8),
    per_thread=st.integers(min_value=1, max_value=600),
    clock_ids=st.lists(st.integers(0, 1023), min_size=2, max_size=4, unique=True),
)
def test_workers_minting_at_one_instant_never_get_the_same_key(
    threads: int, per_thread: int, clock_ids: list[int]
) -> None:
    # Several workers (each its own clock id), each with several threads minting at once,
    # while the wall clock stands still.
    clocks = [tid.TidClock(c, now_us=lambda: INSTANT_US) for c in clock_ids]
    minted: list[list[str]] = []
    lock = threading.Lock()
    start = threading.Barrier(threads * len(clocks))

    def mint(clock: tid.TidClock) -> None:
        start.wait()
        keys = [clock.next() for _ in range(per_thread)]
        with lock:
            minted.append(keys)

    workers = [
        threading.Thread(target=mint, args=(clock,)) for clock in clocks for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    every = [key for keys in minted for key in keys]
    assert len(every) == threads * len(clocks) * per_thread
    assert len(set(every)) == len(every)
    for keys in minted:
        assert keys == sorted(keys) and len(set(keys)) == len(keys)  # increasing, per thread
        assert all(tid.is_tid(key) for key in keys)


def test_a_clock_moves_on_when_the_wall_clock_steps_back() -> None:
    times = iter([INSTANT_US, INSTANT_US - 5_000_000, INSTANT_US])
    clock = tid.TidClock(7, now_us=lambda: next(times))
    keys = [clock.next() for _ in range(3)]
    assert [tid.parse_tid(k) for k in keys] == [
        (INSTANT_US, 7),
        (INSTANT_US + 1, 7),
        (INSTANT_US + 2, 7),
    ]


def test_outgoing_post_carries_the_stored_keys_and_the_posts_language(
    org: Organisation, bluesky: ChannelAccount
) -> None:
    [pk] = _deliveries(org, bluesky, 1)
    delivery = Delivery.objects.select_related("post").get(pk=pk)
    Post.objects.filter(pk=delivery.post_id).update(language="sv")
    delivery.part_keys = ["3l25zusnsfck2"]
    delivery.save()
    engine.mint_part_keys([delivery])  # keys already stored are kept, never replaced
    delivery = Delivery.objects.select_related("post").get(pk=pk)
    outgoing = engine.outgoing_for(delivery)
    assert outgoing.part_keys == ("3l25zusnsfck2",)
    assert outgoing.language == "sv"


def test_the_migration_keeps_the_old_keys_of_bluesky_deliveries_already_attempted(
    org: Organisation, bluesky: ChannelAccount
) -> None:
    """A delivery attempted before the upgrade may have a record at its old derived key: it
    must go on looking there (and writing there), or a retry would post a second time."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from kaiku.channels.bluesky.client import deterministic_tid

    migration = importlib.import_module("kaiku.posts.migrations.0003_bluesky_part_keys")
    # The models as that migration sees them (Delivery has since moved to kaiku.publishing).
    apps = (
        MigrationExecutor(connection).loader.project_state(("posts", "0003_bluesky_part_keys")).apps
    )
    attempted, fresh = _deliveries(org, bluesky, 2)
    Delivery.objects.filter(pk=attempted).update(
        state=Delivery.State.UNCONFIRMED, first_attempt_at=INSTANT, parts=["a", "b"]
    )
    migration.keep_keys_of_attempted_bluesky_deliveries(apps, None)
    delivery = Delivery.objects.get(pk=attempted)
    assert delivery.part_keys == [
        deterministic_tid(f"{delivery.key}-{index}", INSTANT) for index in range(2)
    ]
    assert Delivery.objects.get(pk=fresh).part_keys == []
