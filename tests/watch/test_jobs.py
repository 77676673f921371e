"""The watch's worker jobs: the schedule enqueues polls, a poll job reads its source."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kaiku.jobs.models import Job
from kaiku.jobs.worker import run_due_jobs
from kaiku.watch import services
from kaiku.watch.models import Item, Source
from tests.watch.server import FeedServer

pytestmark = pytest.mark.django_db


def test_adding_a_source_starts_the_schedule_which_polls_it(org: Any, feeds: FeedServer) -> None:
    source = services.add_source(org, feeds.url("/corpus/rss_fi.xml")).source
    assert Job.objects.filter(kind="watch.schedule", state="due").count() == 1
    run_due_jobs()
    assert Item.objects.count() == 3
    poll = Job.objects.get(kind="watch.poll")
    assert poll.state == "done" and poll.payload == {"source_id": source.pk}
    schedule = Job.objects.get(kind="watch.schedule")
    assert schedule.state == "due" and schedule.run_at > timezone.now()  # every minute


def test_a_poll_job_for_a_source_polled_meanwhile_does_nothing(org: Any, feeds: FeedServer) -> None:
    source = services.add_source(org, feeds.url("/corpus/rss_fi.xml")).source
    Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now() + timedelta(hours=1))
    Job.objects.create(kind="watch.poll", payload={"source_id": source.pk})
    Job.objects.filter(kind="watch.schedule").delete()
    run_due_jobs()
    assert feeds.hits["/corpus/rss_fi.xml"] == 1  # only the discovery when it was added
    assert Job.objects.get(kind="watch.poll").state == "done"


def test_a_failing_source_does_not_fail_its_job(org: Any, feeds: FeedServer) -> None:
    source = services.add_source(org, feeds.status("/down", 503), discover_feeds=False).source
    run_due_jobs()
    source.refresh_from_db()
    assert source.last_error_code == "server_error" and source.error_count == 1
    assert Job.objects.get(kind="watch.poll").state == "done"
