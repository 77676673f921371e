"""A worker that lost its jobs (cut off for longer than its lease) sends nothing the new
holder may be sending: the job's holder, alive and renewing its lease, is what counts, not
how long ago the delivery was claimed. Against the local Mastodon-shaped server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kaiku.jobs import worker
from kaiku.jobs.models import Job
from kaiku.jobs.services import RetryLater
from kaiku.posts import services
from kaiku.publishing import engine
from kaiku.publishing.models import Delivery

pytestmark = pytest.mark.django_db


def _due(org: Any, members: Any, account: Any, rf_request: Any, n: int) -> list[Delivery]:
    deliveries = []
    for i in range(n):
        post = services.save_draft(
            org,
            members["editor"],
            services.Draft(text=f"Ryhmä {i} kokoontuu torstaina.", accounts=[account]),
        )
        services.submit(post, rf_request)
        deliveries.append(Delivery.objects.get(post=post))
    return deliveries


def test_a_worker_that_lost_jobs_of_its_batch_sends_none_of_their_deliveries(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    deliveries = _due(org, members, mastodon_account, rf_request, 3)
    first = worker.claim("worker-a")
    assert first is not None
    jobs = [first, *worker.claim_more("worker-a", engine.PUBLISH_JOB, 10, due_by=timezone.now())]
    assert len(jobs) == 3
    # Worker A was cut off past its lease: worker B recovered and holds two of the jobs now.
    lost = [job.pk for job in jobs[1:]]
    Job.objects.filter(pk__in=lost).update(
        locked_by="worker-b", lease_until=timezone.now() + timedelta(seconds=30)
    )
    worker.execute_batch(jobs, "worker-a")

    states = {d.pk: Delivery.objects.get(pk=d.pk).state for d in deliveries}
    mine = int(jobs[0].payload["delivery"])
    assert states[mine] == Delivery.State.PUBLISHED
    assert [s for pk, s in states.items() if pk != mine] == [Delivery.State.SCHEDULED] * 2
    assert len(mastodon_server.statuses) == 1
    assert set(Job.objects.filter(pk__in=lost).values_list("state", "locked_by")) == {
        (Job.State.RUNNING, "worker-b")
    }


def test_a_long_publish_held_by_a_live_worker_is_never_taken_over_however_old_its_claim(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    (delivery,) = _due(org, members, mastodon_account, rf_request, 1)
    # Worker B has been publishing a long thread for six minutes and renews its lease.
    since = timezone.now() - timedelta(minutes=6)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PUBLISHING, publishing_since=since, first_attempt_at=since
    )
    Job.objects.filter(unique_key=f"publish:{delivery.pk}").update(
        state=Job.State.RUNNING,
        locked_by="worker-b",
        lease_until=timezone.now() + timedelta(seconds=25),
    )
    with pytest.raises(RetryLater) as waits:
        engine.publish_delivery(delivery.pk)  # worker A, which lost the job meanwhile
    assert waits.value.when > timezone.now() + timedelta(seconds=20)
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHING  # untouched: B's to finish
    assert delivery.attempts == 0
    assert mastodon_server.statuses == []
