"""The publishing engine end to end on the organisation's own feed (no credentials needed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import feedparser
import pytest
from django.utils import timezone

from kaiku.jobs.models import Job
from kaiku.posts import services
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery, PublishedPart
from kaiku.site.models import FeedEntry
from tests.posts.conftest import run_jobs

pytestmark = pytest.mark.django_db


def _draft(
    account: Any, text: str = "Avoimet ovet torstaina klo 14. Tervetuloa!", **kw: Any
) -> Any:
    return services.Draft(text=text, accounts=[account], **kw)


def test_a_post_sent_now_is_published_once_on_the_own_feed(
    org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    post = services.save_draft(org, members["editor"], _draft(feed_account))
    services.submit(post, rf_request)
    run_jobs()
    run_jobs()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == Delivery.State.PUBLISHED
    assert delivery.remote_url.endswith(f"/f/toivon-polku/{delivery.remote_id}/")
    assert FeedEntry.objects.filter(organisation=org).count() == 1
    assert PublishedPart.objects.filter(delivery=delivery).count() == 1
    post.refresh_from_db()
    assert post.state == Post.State.DONE


def test_a_scheduled_post_waits_for_its_time(
    org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    later = timezone.now() + timedelta(hours=2)
    post = services.save_draft(org, members["editor"], _draft(feed_account, scheduled_at=later))
    services.submit(post, rf_request)
    run_jobs()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == Delivery.State.SCHEDULED
    job = Job.objects.get(unique_key=f"publish:{delivery.pk}")
    assert abs((job.run_at - later).total_seconds()) < 1
    assert Job.objects.filter(unique_key=f"precheck:{delivery.pk}").exists()


def test_a_deleted_post_is_never_published(
    org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    post = services.save_draft(org, members["editor"], _draft(feed_account))
    services.submit(post, rf_request)
    services.delete(post, rf_request)
    run_jobs()
    assert Delivery.objects.get(post=post).state == Delivery.State.CANCELLED
    assert not FeedEntry.objects.exists()


def test_rescheduling_moves_the_job_and_nothing_goes_out_early(
    org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    soon = timezone.now() + timedelta(minutes=5)
    post = services.save_draft(org, members["editor"], _draft(feed_account, scheduled_at=soon))
    services.submit(post, rf_request)
    services.reschedule(post, timezone.now() - timedelta(seconds=5), rf_request)
    run_jobs()
    assert Delivery.objects.get(post=post).state == Delivery.State.PUBLISHED
    later = timezone.now() + timedelta(days=1)
    post2 = services.save_draft(org, members["editor"], _draft(feed_account, scheduled_at=soon))
    services.submit(post2, rf_request)
    services.reschedule(post2, later, rf_request)
    delivery = Delivery.objects.get(post=post2)
    assert Job.objects.get(unique_key=f"publish:{delivery.pk}").run_at == later


def test_editing_a_scheduled_post_changes_what_goes_out(
    org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    soon = timezone.now() + timedelta(minutes=5)
    post = services.save_draft(org, members["editor"], _draft(feed_account, scheduled_at=soon))
    services.submit(post, rf_request)
    post = services.save_draft(
        org,
        members["editor"],
        _draft(feed_account, text="Korjattu: avoimet ovet perjantaina.", scheduled_at=soon),
        post=post,
    )
    services.submit(post, rf_request)
    services.reschedule(post, timezone.now() - timedelta(seconds=1), rf_request)
    run_jobs()
    assert [e.text for e in FeedEntry.objects.all()] == ["Korjattu: avoimet ovet perjantaina."]


def test_a_client_name_with_a_diagnosis_needs_a_reviewers_approval(
    org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    text = "Asiakkaamme Matti Virtanen toipuu skitsofreniasta ja kiittää tukea."
    post = services.save_draft(org, members["editor"], _draft(feed_account, text=text))
    services.submit(post, rf_request)
    run_jobs()
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW
    assert post.review_required_reason == "privacy_block"
    assert not FeedEntry.objects.exists()
    with pytest.raises(services.ReviewError):
        services.approve(post, members["reviewer"], "", rf_request)
    with pytest.raises(services.ReviewError):
        services.approve(post, members["editor"], "Kirjallinen suostumus", rf_request)
    services.approve(post, members["reviewer"], "Kirjallinen suostumus arkistossa", rf_request)
    run_jobs()
    assert FeedEntry.objects.count() == 1


def test_the_organisation_rule_sends_every_post_to_review(
    org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    org.approval_required = True
    org.save()
    post = services.save_draft(org, members["editor"], _draft(feed_account))
    services.submit(post, rf_request)
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW
    assert post.review_required_reason == "organisation_rule"


def test_a_weekly_post_schedules_its_next_time_at_the_same_local_hour_across_dst(
    org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    import zoneinfo
    from datetime import datetime

    helsinki = zoneinfo.ZoneInfo("Europe/Helsinki")
    # Saturday before the change to summer time (29 March 2026), 10:00 local.
    first = datetime(2026, 3, 28, 10, 0, tzinfo=helsinki)
    post = services.save_draft(
        org, members["editor"], _draft(feed_account, scheduled_at=first, repeat="weekly")
    )
    nxt = services.spawn_next_repeat(post)
    assert nxt is not None
    local = nxt.scheduled_at.astimezone(helsinki)
    assert (local.day, local.hour, local.minute) == (4, 10, 0)
    utc = zoneinfo.ZoneInfo("UTC")
    assert nxt.scheduled_at.astimezone(utc) - first.astimezone(utc) == timedelta(hours=7 * 24 - 1)


def test_the_own_feed_parses_back_as_atom_and_rss(
    client: Any, org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    post = services.save_draft(
        org, members["editor"], _draft(feed_account, link="https://example.org/tapahtuma")
    )
    services.submit(post, rf_request)
    run_jobs()
    for path in ("/f/toivon-polku/atom.xml", "/f/toivon-polku/rss.xml"):
        parsed = feedparser.parse(client.get(path).content)
        assert not parsed.bozo, parsed.bozo_exception
        assert len(parsed.entries) == 1
        assert "Avoimet ovet" in parsed.entries[0].summary


def test_deleting_a_published_post_can_take_it_down_from_the_channels(
    client: Any, org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    post = services.save_draft(org, members["editor"], _draft(feed_account))
    services.submit(post, rf_request)
    run_jobs()
    assert client.get("/f/toivon-polku/").content.decode().count("Avoimet ovet") == 1
    services.delete(post, rf_request, take_down=True)
    run_jobs()
    delivery = Delivery.objects.get(post=post)
    assert delivery.removed_at is not None
    assert "Avoimet ovet" not in client.get("/f/toivon-polku/").content.decode()
