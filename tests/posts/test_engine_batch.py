"""Many deliveries due at once: a worker takes them together, sends their requests at once
(never two for one delivery), and writes the answers together; failures stay one by one.

Against the local server that answers as Mastodon's API documents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from kaiku.connections.models import ChannelAccount
from kaiku.jobs.models import Job
from kaiku.organisations.models import AuditEvent
from kaiku.posts import services
from kaiku.posts.models import Post
from kaiku.publishing import engine
from kaiku.publishing.models import Delivery, PublishedPart
from tests.posts.conftest import run_jobs, settle
from tests.posts.view_helpers import stamp_as_checked

pytestmark = pytest.mark.django_db


def _due(org: Any, members: Any, account: Any, rf_request: Any, n: int) -> list[Delivery]:
    deliveries = []
    for i in range(n):
        post = services.save_draft(
            org,
            members["editor"],
            services.Draft(text=f"Ryhmä {i} kokoontuu tiistaina.", accounts=[account]),
        )
        services.submit(post, rf_request)
        deliveries.append(Delivery.objects.get(post=post))
    return deliveries


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each batch the engine sent (a spy on the send step, which still runs)."""
    sizes: list[int] = []
    real = engine._send_all

    def spy(runs: list[Any]) -> list[Any]:
        sizes.append(len(runs))
        return real(runs)

    monkeypatch.setattr(engine, "_send_all", spy)
    return sizes


def test_many_due_at_once_go_out_together_each_exactly_once(
    org: Any,
    members: Any,
    mastodon_account: Any,
    mastodon_server: Any,
    rf_request: Any,
    batches: list[int],
) -> None:
    mastodon_server.latency = 0.2  # long enough for the requests to overlap
    deliveries = _due(org, members, mastodon_account, rf_request, 12)
    run_jobs()
    assert batches == [12]
    texts = sorted(s["content"] for s in mastodon_server.statuses)
    assert texts == sorted(f"<p>Ryhmä {i} kokoontuu tiistaina.</p>" for i in range(12))
    assert mastodon_server.max_in_flight > 1  # sent concurrently
    assert mastodon_server.max_in_flight_one_key == 1  # never twice at once for one delivery
    by_id = {str(s["id"]): s for s in mastodon_server.statuses}
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.state == Delivery.State.PUBLISHED
        assert delivery.remote_id in by_id
        assert delivery.remote_url == by_id[delivery.remote_id]["url"]
        assert delivery.published_at is not None and delivery.attempts == 1
        part = PublishedPart.objects.get(delivery=delivery)
        assert (part.index, part.remote_id) == (0, delivery.remote_id)
        assert Post.objects.get(pk=delivery.post_id).state == Post.State.DONE
    assert AuditEvent.objects.filter(action="post.published").count() == 12
    jobs = Job.objects.filter(unique_key__startswith="publish:")
    assert {job.state for job in jobs} == {Job.State.DONE}


def test_what_cannot_start_cleanly_takes_the_one_by_one_way(
    org: Any,
    members: Any,
    mastodon_account: Any,
    mastodon_server: Any,
    rf_request: Any,
    batches: list[int],
) -> None:
    plain, thread, held, deleted, uncertain = _due(org, members, mastodon_account, rf_request, 5)
    Delivery.objects.filter(pk=thread.pk).update(parts=["Ensimmäinen osa.", "Toinen osa."])
    stamp_as_checked(thread)
    Delivery.objects.filter(pk=held.pk).update(held=True)
    Post.objects.filter(pk=deleted.post_id).update(deleted_at=timezone.now())
    # An earlier attempt's answer was lost, and the status is out there already.
    mastodon_server.api.idempotency_window = 0  # the engine must find it, not the key
    out = mastodon_account.connector().publish_part(engine.outgoing_for(uncertain), 0, [])
    Delivery.objects.filter(pk=uncertain.pk).update(
        state=Delivery.State.UNCONFIRMED, first_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    run_jobs()
    assert batches == [1]  # only the plain one went the batch way
    for delivery in (plain, thread, held, deleted, uncertain):
        delivery.refresh_from_db()
    assert plain.state == Delivery.State.PUBLISHED
    assert thread.state == Delivery.State.PUBLISHED
    assert PublishedPart.objects.filter(delivery=thread).count() == 2
    assert held.state == Delivery.State.SCHEDULED and held.held
    assert deleted.state == Delivery.State.CANCELLED
    assert uncertain.state == Delivery.State.PUBLISHED and uncertain.remote_id == out.remote_id
    contents = [s["content"] for s in mastodon_server.statuses]
    assert len(contents) == len(set(contents)) == 4  # plain, two thread parts, uncertain


def test_one_failure_in_a_batch_does_not_hold_back_the_others(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.script("POST /api/v1/statuses", [500])
    deliveries = _due(org, members, mastodon_account, rf_request, 6)
    run_jobs()
    states = []
    for delivery in deliveries:
        delivery.refresh_from_db()
        states.append(delivery.state)
    assert states.count(Delivery.State.PUBLISHED) == 5
    failed = next(d for d in deliveries if d.state != Delivery.State.PUBLISHED)
    assert failed.state == Delivery.State.SCHEDULED
    assert failed.last_error_code == "server_error"
    job = Job.objects.get(unique_key=f"publish:{failed.pk}")
    assert job.state == Job.State.DUE and job.run_at > timezone.now() + timedelta(seconds=20)
    settle()
    failed.refresh_from_db()
    assert failed.state == Delivery.State.PUBLISHED and failed.attempts == 2
    contents = [s["content"] for s in mastodon_server.statuses]
    assert len(contents) == len(set(contents)) == 6


def test_lost_answers_in_a_batch_are_reconciled_never_sent_twice(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.api.idempotency_window = 0  # prove the engine, not the server's key
    mastodon_server.script("POST /api/v1/statuses", ["drop_after_apply", "drop"])
    deliveries = _due(org, members, mastodon_account, rf_request, 5)
    run_jobs()
    for delivery in deliveries:
        delivery.refresh_from_db()
    unconfirmed = [d for d in deliveries if d.state == Delivery.State.UNCONFIRMED]
    assert len(unconfirmed) == 2
    assert len(mastodon_server.statuses) == 4  # one of the two lost answers did arrive
    settle()
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.state == Delivery.State.PUBLISHED
    contents = [s["content"] for s in mastodon_server.statuses]
    assert len(contents) == len(set(contents)) == 5
    assert {d.remote_id for d in deliveries} == {str(s["id"]) for s in mastodon_server.statuses}


def test_an_expired_token_in_a_batch_holds_every_post_of_the_account(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.script("POST /api/v1/statuses", [401] * 20)
    deliveries = _due(org, members, mastodon_account, rf_request, 4)
    run_jobs()
    mastodon_account.refresh_from_db()
    assert mastodon_account.status == ChannelAccount.Status.NEEDS_RECONNECT
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.held and delivery.state == Delivery.State.SCHEDULED
        assert delivery.last_error_code
    assert mastodon_server.statuses == []
    # The editors are told once, not once per post.
    assert AuditEvent.objects.filter(action="channel.needs_reconnect").count() == 1
    addresses = [address for m in mail.outbox for address in m.to]
    assert addresses and len(addresses) == len(set(addresses))


def test_a_worker_sleeps_until_the_next_job_is_due_not_a_whole_poll(
    settings: Any,
) -> None:
    from kaiku.jobs import worker
    from kaiku.jobs.services import enqueue

    settings.KAIKU_WORKER_POLL_SECONDS = 30
    assert worker._idle_wait() == 30  # nothing queued
    enqueue("test.nothing", run_at=timezone.now() + timedelta(seconds=2))
    assert 1.0 < worker._idle_wait() <= 2.0
    enqueue("test.other", run_at=timezone.now() - timedelta(seconds=5))
    assert worker._idle_wait() == pytest.approx(0.01)
