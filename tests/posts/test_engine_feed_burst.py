"""Many posts due at once on the organisation's own feed: a worker stores a whole batch of them
with one write (not a transaction, an organisation look-up and an insert per post), and still
publishes each exactly once, whatever statement it is killed at (Hypothesis picks them)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.channels.base import EntryData
from kaiku.jobs import worker
from kaiku.jobs.models import Job
from kaiku.jobs.services import BATCH_HANDLERS
from kaiku.posts import gate
from kaiku.posts.models import Post
from kaiku.publishing import engine, sweeper
from kaiku.publishing.models import Delivery, PublishedPart
from kaiku.site.entries import FeedEntries
from kaiku.site.models import FeedEntry
from tests.posts.conftest import run_jobs
from tests.posts.test_engine_kill_points import IDENTITY, _bring_retries_forward, _run_worker

pytestmark = pytest.mark.django_db

_examples = itertools.count()


def _burst(account: Any, n: int, label: str) -> list[Delivery]:
    """``n`` one-part posts due now on ``account``, each with its publish job, as the safety
    gate and the scheduler leave them (the load bench's burst is made the same way)."""
    now = timezone.now()
    posts = Post.objects.bulk_create(
        [
            Post(
                organisation=account.organisation,
                text=f"{label} {i}: kevätjuhla lauantaina.",
                state=Post.State.SCHEDULED,
                scheduled_at=now,
            )
            for i in range(n)
        ]
    )
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                post=post,
                account=account,
                state=Delivery.State.SCHEDULED,
                due_at=now,
                parts=[post.text],
                gate_stamp=gate.stamp_of([post.text]),
            )
            for post in posts
        ]
    )
    for delivery in deliveries:
        engine.schedule_delivery(delivery)
    return deliveries


def test_a_burst_on_the_own_feed_is_stored_a_wave_at_a_time_each_post_once(
    org: Any, feed_account: Any
) -> None:
    n = 40  # more than a wave of network requests (32), fewer than a batch (100)
    assert 4 * django_settings.KAIKU_PUBLISH_THREADS < n < django_settings.KAIKU_PUBLISH_BATCH
    deliveries = _burst(feed_account, n, "Purske")
    with CaptureQueriesContext(connection) as queries:
        run_jobs()
    states = Counter(
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).values_list("state", flat=True)
    )
    assert states == {Delivery.State.PUBLISHED: n}
    texts = list(
        FeedEntry.objects.filter(text__startswith="Purske ").values_list("text", flat=True)
    )
    assert len(texts) == len(set(texts)) == n
    # The ledger points at the entry that holds the post's own text.
    for part in PublishedPart.objects.filter(delivery__in=deliveries).select_related(
        "delivery__post"
    ):
        assert FeedEntry.objects.get(pk=int(part.remote_id)).text == part.delivery.post.text
    sql = [q["sql"] for q in queries.captured_queries]
    inserts = [s for s in sql if s.startswith('INSERT INTO "posts_feedentry"')]
    lookups = [s for s in sql if 'FROM "organisations_organisation"' in s]
    # The whole batch in one wave: one insert and one look-up of the organisation, not one
    # per post (a burst of 1,000 posts made 1,000 commits and 1,000 look-ups before).
    assert len(inserts) == 1, len(inserts)
    assert len(lookups) == 1, len(lookups)
    assert len(sql) < 3 * n, len(sql)


def test_add_many_keeps_an_entry_already_stored_under_its_key(org: Any) -> None:
    store = FeedEntries()
    first = store.add(org.slug, "avain-1-0", "Ensimmäinen.", "", "", "")
    ids = store.add_many(
        org.slug, [EntryData("avain-0-0", "Uusi."), EntryData("avain-1-0", "Toinen kerta.")]
    )
    assert ids[1] == first
    assert FeedEntry.objects.get(pk=first).text == "Ensimmäinen."
    assert FeedEntry.objects.get(pk=ids[0]).text == "Uusi."
    assert FeedEntry.objects.filter(key__startswith="avain-").count() == 2


@pytest.mark.slow  # several seconds on the shared machine: `make test` runs it, `make unit` not
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kills=st.lists(st.integers(min_value=1, max_value=120), min_size=1, max_size=3),
    sweeps=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_a_feed_burst_killed_at_any_statement_publishes_each_post_exactly_once(
    org: Any,
    feed_account: Any,
    monkeypatch: pytest.MonkeyPatch,
    kills: list[int],
    sweeps: list[bool],
) -> None:
    # Each example starts from the same database, so a kill point means the same statement.
    with transaction.atomic():
        example = next(_examples)
        label = f"Esimerkki {example}:"
        n = 40  # three batches of 16 (below): a kill may fall in any of them
        deliveries = _burst(feed_account, n, label)
        func, _size = BATCH_HANDLERS[engine.PUBLISH_JOB]
        monkeypatch.setitem(BATCH_HANDLERS, engine.PUBLISH_JOB, (func, 16))
        for kill_at, sweep in zip(kills, sweeps, strict=False):
            _run_worker(kill_at)
            worker.release_own(IDENTITY)  # the restarted worker
            if sweep:
                sweeper.sweep()
            _bring_retries_forward()
        for _ in range(6):
            _run_worker(None)
            sweeper.sweep()
            _bring_retries_forward()
        ids = [d.pk for d in deliveries]
        states = Counter(Delivery.objects.filter(pk__in=ids).values_list("state", flat=True))
        assert states == {Delivery.State.PUBLISHED: n}, (kills, states)
        texts = Counter(
            FeedEntry.objects.filter(text__startswith=label).values_list("text", flat=True)
        )
        assert len(texts) == n, (kills, len(texts))  # nothing lost
        assert max(texts.values()) == 1, kills  # nothing twice
        assert PublishedPart.objects.filter(delivery_id__in=ids).count() == n
        assert not Job.objects.filter(
            unique_key__in=[f"publish:{pk}" for pk in ids], state__in=["due", "running"]
        ).exists()
        assert timezone.now() - timedelta(hours=1) < max(
            Delivery.objects.filter(pk__in=ids).values_list("published_at", flat=True)
        )
        transaction.set_rollback(True)


def _lose_jobs(deliveries: list[Delivery]) -> None:
    """What a job that ended without an outcome for its delivery leaves (an older version,
    a bug): the delivery waits, scheduled, with no open job to send it."""
    Job.objects.filter(unique_key__in=[f"publish:{d.pk}" for d in deliveries]).update(
        state=Job.State.DONE, finished_at=timezone.now()
    )


def test_a_burst_that_lost_its_jobs_is_requeued_with_one_insert_and_goes_out_once(
    org: Any, feed_account: Any
) -> None:
    n = 60
    deliveries = _burst(feed_account, n, "Korjaus")
    _lose_jobs(deliveries)
    with CaptureQueriesContext(connection) as queries:
        swept = sweeper.sweep()
    assert swept.requeued == n and swept.gave_up == 0
    sql = [q["sql"] for q in queries.captured_queries]
    # One insert for all of them, not a look-up, an update and an insert each (the sweeper
    # made 3-4 statements per delivery before: a thousand lost jobs, 3,000 statements).
    assert sum(s.startswith("INSERT") and 'INTO "jobs_job"' in s for s in sql) == 1
    assert len(sql) < 15, len(sql)
    keys = [f"publish:{d.pk}" for d in deliveries]
    assert Job.objects.filter(unique_key__in=keys, state=Job.State.DUE).count() == n
    assert sweeper.sweep().requeued == 0  # an open job each: nothing more
    run_jobs()
    texts = Counter(
        FeedEntry.objects.filter(text__startswith="Korjaus ").values_list("text", flat=True)
    )
    assert len(texts) == n and max(texts.values()) == 1


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lost=st.sets(st.integers(min_value=0, max_value=11)),
    queued_again=st.sets(st.integers(min_value=0, max_value=11)),
    failed=st.sets(st.integers(min_value=0, max_value=11)),
    run_first=st.booleans(),
)
def test_the_sweeper_requeues_each_delivery_without_a_job_once_and_never_one_that_gave_up(
    org: Any,
    feed_account: Any,
    lost: set[int],
    queued_again: set[int],
    failed: set[int],
    run_first: bool,
) -> None:
    with transaction.atomic():
        example = next(_examples)
        label = f"Lakaisu {example}:"
        deliveries = _burst(feed_account, 12, label)
        failed &= lost  # a job that gave up is a job that ended
        _lose_jobs([deliveries[i] for i in lost - failed])
        Job.objects.filter(unique_key__in=[f"publish:{deliveries[i].pk}" for i in failed]).update(
            state=Job.State.FAILED, finished_at=timezone.now()
        )
        # Someone queues some of them again before the sweeper comes (a person's retry): the
        # one open job per delivery stands.
        for i in queued_again & (lost - failed):
            engine.schedule_delivery(deliveries[i])
        if run_first:
            run_jobs()
        sweeper.sweep()
        sweeper.sweep()
        keys = [f"publish:{d.pk}" for d in deliveries]
        open_jobs = Counter(
            Job.objects.filter(unique_key__in=keys, state__in=["due", "running"]).values_list(
                "unique_key", flat=True
            )
        )
        assert max(open_jobs.values(), default=0) <= 1
        run_jobs()
        states = {
            d.pk: d.state
            for d in Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).only("state")
        }
        for i, delivery in enumerate(deliveries):
            expected = Delivery.State.FAILED if i in failed else Delivery.State.PUBLISHED
            assert states[delivery.pk] == expected, (i, lost, failed, run_first)
        texts = Counter(
            FeedEntry.objects.filter(text__startswith=label).values_list("text", flat=True)
        )
        assert len(texts) == 12 - len(failed)
        assert max(texts.values(), default=1) == 1
        transaction.set_rollback(True)


def test_batches_grow_while_they_come_full_and_start_small_again(
    org: Any, feed_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    func, _size = BATCH_HANDLERS[engine.PUBLISH_JOB]
    sizes: list[int] = []

    def spy(payloads: list[dict[str, Any]]) -> list[BaseException | None]:
        sizes.append(len(payloads))
        return func(payloads)

    monkeypatch.setitem(BATCH_HANDLERS, engine.PUBLISH_JOB, (spy, 8))
    deliveries = _burst(feed_account, 100, "Kasvu")
    run_jobs()
    # Each batch costs about twenty statements whatever its size: while many are due, the
    # worker takes twice as many each time (at most four times the configured size).
    assert sizes == [8, 16, 32, 32, 12], sizes
    _burst(feed_account, 10, "Uusi")
    run_jobs()
    assert sizes[5:] == [8, 2], sizes  # a new burst starts at the configured size
    texts = Counter(
        FeedEntry.objects.filter(text__regex=r"^(Kasvu|Uusi) ").values_list("text", flat=True)
    )
    assert len(texts) == 110 and max(texts.values()) == 1
    states = Counter(
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).values_list("state", flat=True)
    )
    assert states == {Delivery.State.PUBLISHED: 100}
