"""A worker killed at any database statement of its publishing run, any number of times,
then restarted: every delivery goes out exactly once, every post ends done, and a recurring
post has exactly one next occurrence. Hypothesis picks the kill points.

The kill is a ``BaseException`` raised before the chosen statement (no ``except Exception``
in the engine can catch it, as none can catch SIGKILL): what the run's open transaction wrote
is rolled back, what earlier transactions committed stays, and the platform (the local
Mastodon-shaped server) keeps what it was sent. The restart is what ``kaiku worker`` does at
start: ``release_own`` of the dead worker's identity."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.jobs import worker
from kaiku.jobs.models import Job
from kaiku.posts import gate, services
from kaiku.posts.models import Post
from kaiku.publishing import engine, sweeper
from kaiku.publishing.models import Delivery
from kaiku.site.models import FeedEntry

pytestmark = pytest.mark.django_db

IDENTITY = "testhost/kill/0"
_examples = itertools.count()


class Killed(BaseException):
    """The process is gone."""


@contextmanager
def _killed_at(statement: int) -> Iterator[None]:
    seen = itertools.count(1)

    def wrapper(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if next(seen) == statement:
            raise Killed
        return execute(sql, *args)

    with connection.execute_wrapper(wrapper):
        yield


def _run_worker(kill_at: int | None) -> None:
    if kill_at is None:
        worker.run_due_jobs(worker_id=f"{IDENTITY}:1:alive")
        return
    try:
        with _killed_at(kill_at):
            worker.run_due_jobs(worker_id=f"{IDENTITY}:1:killed")
    except Killed:
        # A statement the worker sends outside its own transactions (autocommit) is marked
        # for rollback in the test's enclosing transaction by Django's
        # mark_for_rollback_on_error; in a real process it was simply never sent. The worker's
        # own transactions have rolled back to their savepoints already.
        transaction.set_rollback(False)


def _bring_retries_forward() -> None:
    # Waits that a test does not sleep through (the next occurrence, days ahead, stays).
    soon = timezone.now() + timedelta(hours=2)
    Job.objects.filter(state=Job.State.DUE, run_at__lte=soon).update(run_at=timezone.now())


@pytest.mark.slow  # 5 s or more on the shared machine: `make test` runs it, `make unit` not
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kills=st.lists(st.integers(min_value=1, max_value=160), min_size=1, max_size=4),
    sweeps=st.lists(st.booleans(), min_size=4, max_size=4),
    threads=st.booleans(),
)
def test_kills_at_any_statement_lose_nothing_and_send_nothing_twice(
    org: Any,
    members: Any,
    mastodon_account: Any,
    feed_account: Any,
    mastodon_server: Any,
    rf_request: Any,
    kills: list[int],
    sweeps: list[bool],
    threads: bool,
) -> None:
    # Each example starts from the same database (what the one before left is rolled back),
    # so that a kill point means the same statement when Hypothesis tries it again.
    with transaction.atomic():
        _example(
            org,
            members,
            mastodon_account,
            feed_account,
            mastodon_server,
            rf_request,
            kills,
            sweeps,
            threads,
        )
        transaction.set_rollback(True)


def _example(
    org: Any,
    members: Any,
    mastodon_account: Any,
    feed_account: Any,
    mastodon_server: Any,
    rf_request: Any,
    kills: list[int],
    sweeps: list[bool],
    threads: bool,
) -> None:
    mastodon_server.api.idempotency_window = 0  # the engine must find a lost answer itself
    mastodon_server.rate_limit = 10**9  # the examples together exceed 300 requests
    example = next(_examples)
    posts = []
    for n in range(3):
        when = timezone.now() + timedelta(minutes=5)
        draft = services.Draft(
            text=f"Esimerkki {example}: vertaisryhmä {n} kokoontuu tiistaina.",
            accounts=[mastodon_account, feed_account],
            scheduled_at=when,
            repeat=Post.Repeat.WEEKLY if n == 0 else "",
        )
        post = services.save_draft(org, members["editor"], draft)
        services.submit(post, rf_request)
        posts.append(post)
    now = timezone.now()
    Post.objects.filter(pk__in=[p.pk for p in posts]).update(scheduled_at=now)
    deliveries = Delivery.objects.filter(post__in=posts)
    deliveries.update(due_at=now)
    if threads:  # the one-by-one way, a part at a time
        for delivery in deliveries.filter(post=posts[1]).select_related("post", "account"):
            delivery.parts = [f"Esimerkki {example}: osa {i}." for i in (1, 2)]
            # A thread written here stands for one the safety gate checked.
            delivery.gate_stamp = gate.stamp(engine.outgoing_for(delivery))
            delivery.save(update_fields=["parts", "gate_stamp"])
    Job.objects.filter(unique_key__startswith="publish:").update(run_at=now)

    for kill_at, sweep in zip(kills, sweeps, strict=False):
        _run_worker(kill_at)
        worker.release_own(IDENTITY)  # the restarted worker
        if sweep:
            sweeper.sweep()
        _bring_retries_forward()
    for _ in range(8):
        _run_worker(None)
        sweeper.sweep()
        _bring_retries_forward()

    states = Counter(deliveries.values_list("state", flat=True))
    assert states == {Delivery.State.PUBLISHED: 6}, (kills, states)
    sent = Counter(
        s["content"] for s in mastodon_server.statuses if f"Esimerkki {example}:" in s["content"]
    )
    assert len(sent) == (4 if threads else 3), (kills, sent)  # nothing lost
    assert max(sent.values()) == 1, (kills, sent)  # nothing twice
    entries = FeedEntry.objects.filter(text__startswith=f"Esimerkki {example}:")
    assert entries.count() == (4 if threads else 3), kills
    for post in posts:
        post.refresh_from_db()
        assert post.state == Post.State.DONE, (kills, post.pk)
    assert Post.objects.filter(repeat_of=posts[0]).count() == 1, kills
    assert not Post.objects.filter(repeat_of__in=posts[1:]).exists()
