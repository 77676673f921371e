"""What a killed worker or a job that gave up leaves behind is repaired, or told to a person:
a post left scheduled with every delivery out, a recurring post without its next occurrence,
a delivery waiting with no job to send it. Against the local Mastodon-shaped server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from kaiku.jobs import worker
from kaiku.jobs.models import Job
from kaiku.organisations.models import AuditEvent
from kaiku.posts import services
from kaiku.posts.models import Post
from kaiku.publishing import engine, operator, sweeper
from kaiku.publishing.models import Delivery, PublishedPart
from tests.posts.conftest import run_jobs, settle

pytestmark = pytest.mark.django_db

TEXT = "Viikoittainen vertaisryhmä kokoontuu tiistaina kello 17."


def _scheduled(
    org: Any, members: Any, account: Any, rf_request: Any, *, repeat: str = ""
) -> Delivery:
    when = timezone.now() + timedelta(minutes=10)
    draft = services.Draft(text=TEXT, accounts=[account], scheduled_at=when, repeat=repeat)
    post = services.save_draft(org, members["editor"], draft)
    services.submit(post, rf_request)
    return Delivery.objects.select_related("post").get(post=post)


def _published_by_an_old_worker_that_died(delivery: Delivery, account: Any) -> None:
    """What a worker killed between the ledger's commit and the post's update left (seen 5
    times in 719 kills before the post's state moved into the ledger's transaction)."""
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PUBLISHING, first_attempt_at=timezone.now()
    )
    delivery.refresh_from_db()
    part = account.connector().publish_part(engine.outgoing_for(delivery), 0, [])
    PublishedPart.objects.create(delivery=delivery, index=0, remote_id=part.remote_id)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PUBLISHED, remote_id=part.remote_id, published_at=timezone.now()
    )
    Job.objects.filter(unique_key=f"publish:{delivery.pk}").update(
        state=Job.State.DONE, finished_at=timezone.now()
    )


def test_the_sweeper_finishes_a_post_left_scheduled_and_makes_its_next_occurrence_once(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    delivery = _scheduled(org, members, mastodon_account, rf_request, repeat=Post.Repeat.WEEKLY)
    _published_by_an_old_worker_that_died(delivery, mastodon_account)
    post = Post.objects.get(pk=delivery.post_id)
    assert post.state == Post.State.SCHEDULED  # stuck: nothing else would ever move it

    swept = sweeper.sweep()
    assert (swept.posts_done, swept.requeued, swept.gave_up) == (1, 0, 0)
    post.refresh_from_db()
    assert post.state == Post.State.DONE
    (following,) = Post.objects.filter(repeat_of=post)
    assert following.state == Post.State.SCHEDULED
    assert following.scheduled_at == post.scheduled_at + timedelta(days=7)
    assert Delivery.objects.get(post=following).state == Delivery.State.SCHEDULED

    assert sweeper.sweep() == sweeper.Swept()  # nothing left to repair, no second occurrence
    assert Post.objects.filter(repeat_of=post).count() == 1
    assert len(mastodon_server.statuses) == 1


def test_the_sweeper_makes_the_missing_next_occurrence_of_a_done_recurring_post(
    org: Any, members: Any, mastodon_account: Any, rf_request: Any
) -> None:
    delivery = _scheduled(org, members, mastodon_account, rf_request, repeat=Post.Repeat.DAILY)
    _published_by_an_old_worker_that_died(delivery, mastodon_account)
    Post.objects.filter(pk=delivery.post_id).update(state=Post.State.DONE)
    assert sweeper.sweep().repeats_made == 1
    assert sweeper.sweep().repeats_made == 0
    assert Post.objects.filter(repeat_of_id=delivery.post_id).count() == 1


def test_a_publish_job_out_of_attempts_fails_its_delivery_visibly_and_tells_people(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    delivery = _scheduled(org, members, mastodon_account, rf_request)
    # Its worker was killed again and again while publishing: the last kill spent the job.
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PUBLISHING, publishing_since=timezone.now() - timedelta(minutes=1)
    )
    Job.objects.filter(unique_key=f"publish:{delivery.pk}").update(
        state=Job.State.RUNNING,
        locked_by="dead-worker",
        attempts=engine.PUBLISH_JOB_ATTEMPTS,
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    mail.outbox.clear()
    worker.recover_expired()

    job = Job.objects.get(unique_key=f"publish:{delivery.pk}")
    assert job.state == Job.State.FAILED
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
    assert delivery.last_error_code == sweeper.GAVE_UP
    assert AuditEvent.objects.filter(action="post.delivery_failed").count() == 1
    assert any(str(delivery.post.public_id) in m.body for m in mail.outbox)
    assert Post.objects.get(pk=delivery.post_id).state == Post.State.DONE  # nothing pending
    assert mastodon_server.statuses == []


def test_the_sweeper_fails_visibly_a_delivery_whose_job_failed_without_a_word(
    org: Any, members: Any, mastodon_account: Any, rf_request: Any
) -> None:
    delivery = _scheduled(org, members, mastodon_account, rf_request)
    Job.objects.filter(unique_key=f"publish:{delivery.pk}").update(
        state=Job.State.FAILED, finished_at=timezone.now(), last_error="RuntimeError: a bug"
    )
    mail.outbox.clear()
    assert sweeper.sweep().gave_up == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error_code) == (Delivery.State.FAILED, "gave_up")
    assert mail.outbox
    assert sweeper.sweep().gave_up == 0  # told once


def test_a_delivery_left_publishing_with_no_job_is_queued_again_and_goes_out_once(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.api.idempotency_window = 0  # the engine must find it, not the key
    delivery = _scheduled(org, members, mastodon_account, rf_request)
    # A worker sent it and died before writing the ledger; its job ended without it.
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PUBLISHING,
        publishing_since=timezone.now(),
        first_attempt_at=timezone.now(),
        due_at=timezone.now(),
    )
    delivery.refresh_from_db()
    out = mastodon_account.connector().publish_part(engine.outgoing_for(delivery), 0, [])
    Job.objects.filter(unique_key=f"publish:{delivery.pk}").update(
        state=Job.State.DONE, finished_at=timezone.now()
    )
    assert sweeper.sweep().requeued == 1
    assert Job.objects.filter(unique_key=f"publish:{delivery.pk}", state=Job.State.DUE).exists()
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert delivery.remote_id == out.remote_id
    assert len(mastodon_server.statuses) == 1


def test_a_delivery_found_publishing_is_looked_up_after_a_short_wait_not_the_old_lease(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    delivery = _scheduled(org, members, mastodon_account, rf_request)
    # Its worker was killed two seconds ago while the request may still be on its way.
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PUBLISHING,
        publishing_since=timezone.now() - timedelta(seconds=2),
        first_attempt_at=timezone.now() - timedelta(seconds=2),
        due_at=timezone.now(),
    )
    Job.objects.filter(unique_key=f"publish:{delivery.pk}").update(run_at=timezone.now())
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.UNCONFIRMED  # never sent again at once
    assert mastodon_server.statuses == []
    job = Job.objects.get(unique_key=f"publish:{delivery.pk}")
    wait = (job.run_at - timezone.now()).total_seconds()
    assert 20 < wait <= 31, wait  # the unknown-outcome wait, not 300 s from the claim
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert len(mastodon_server.statuses) == 1


def test_retrying_a_delivery_kaiku_gave_up_on_looks_for_it_before_sending(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.api.idempotency_window = 0
    delivery = _scheduled(org, members, mastodon_account, rf_request)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PUBLISHING, first_attempt_at=timezone.now()
    )
    delivery.refresh_from_db()
    out = mastodon_account.connector().publish_part(engine.outgoing_for(delivery), 0, [])
    Job.objects.filter(unique_key=f"publish:{delivery.pk}").update(
        state=Job.State.FAILED, finished_at=timezone.now()
    )
    assert sweeper.give_up(delivery.pk)
    delivery.refresh_from_db()
    assert operator.retry_delivery(delivery)
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert delivery.remote_id == out.remote_id
    assert len(mastodon_server.statuses) == 1
