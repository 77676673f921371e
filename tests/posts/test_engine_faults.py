"""What the engine does when a platform fails: against a local server that answers as
Mastodon's API documents (bodies, status codes, rate-limit headers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from kaiku.connections.models import ChannelAccount
from kaiku.jobs.models import Job
from kaiku.posts import services
from kaiku.posts.errors import error_message
from kaiku.publishing import engine, operator
from kaiku.publishing.models import Delivery, PublishedPart
from tests.posts.conftest import run_jobs, settle

pytestmark = pytest.mark.django_db

TEXT = "Tiistain ryhmä kokoontuu taas. Tervetuloa mukaan!"


def _send(org: Any, members: Any, account: Any, rf_request: Any, text: str = TEXT) -> Delivery:
    post = services.save_draft(
        org, members["editor"], services.Draft(text=text, accounts=[account])
    )
    services.submit(post, rf_request)
    return Delivery.objects.get(post=post)


def _texts(server: Any) -> list[str]:
    return [s["content"] for s in server.statuses]


def test_a_429_waits_as_long_as_the_platform_asks_and_then_publishes_once(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.rate_reset = 120.0
    mastodon_server.script("POST /api/v1/statuses", [429])
    delivery = _send(org, members, mastodon_account, rf_request)
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SCHEDULED
    assert delivery.last_error_code == "rate_limited"
    job = Job.objects.get(unique_key=f"publish:{delivery.pk}")
    wait = (job.run_at - timezone.now()).total_seconds()
    assert 100 < wait <= 121
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert len(mastodon_server.statuses) == 1


def test_500s_are_retried_with_backoff_until_it_works(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.script("POST /api/v1/statuses", [500, 503])
    delivery = _send(org, members, mastodon_account, rf_request)
    run_jobs()
    job = Job.objects.get(unique_key=f"publish:{delivery.pk}")
    assert job.run_at > timezone.now() + timedelta(seconds=20)
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert delivery.attempts == 3
    assert len(mastodon_server.statuses) == 1


def test_a_platform_that_keeps_failing_ends_failed_with_a_reason_and_can_be_retried(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.script("POST /api/v1/statuses", [500] * engine.MAX_ATTEMPTS)
    delivery = _send(org, members, mastodon_account, rf_request)
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
    assert delivery.last_error_code == "server_error"
    with translation.override("en"):
        assert "tries again automatically" in error_message(delivery.last_error_code)
    assert any(str(delivery.post.public_id) in m.body for m in mail.outbox)
    assert operator.retry_delivery(delivery)
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert len(mastodon_server.statuses) == 1


def test_a_lost_answer_is_reconciled_and_never_published_twice(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.api.idempotency_window = 0  # prove the engine, not the server's key
    mastodon_server.script("POST /api/v1/statuses", ["drop_after_apply"])
    delivery = _send(org, members, mastodon_account, rf_request)
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.UNCONFIRMED
    assert len(mastodon_server.statuses) == 1
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert len(mastodon_server.statuses) == 1
    assert delivery.remote_id == str(mastodon_server.statuses[0]["id"])


def test_a_dropped_request_that_never_arrived_is_published_after_reconciling(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.script("POST /api/v1/statuses", ["drop"])
    delivery = _send(org, members, mastodon_account, rf_request)
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.UNCONFIRMED
    assert mastodon_server.statuses == []
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert len(mastodon_server.statuses) == 1


def test_an_expired_token_holds_the_post_and_tells_the_editors(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    mastodon_server.script("POST /api/v1/statuses", [401])
    delivery = _send(org, members, mastodon_account, rf_request)
    settle()
    delivery.refresh_from_db()
    mastodon_account.refresh_from_db()
    assert mastodon_account.status == ChannelAccount.Status.NEEDS_RECONNECT
    assert delivery.held and delivery.state == Delivery.State.SCHEDULED
    recipients = {address for m in mail.outbox for address in m.to}
    assert {"admin@example.test", "editor@example.test"} <= recipients
    assert "reviewer@example.test" not in recipients
    assert mastodon_server.statuses == []
    mastodon_account.status = ChannelAccount.Status.ACTIVE
    mastodon_account.save()
    operator.release_held(mastodon_account)
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert len(mastodon_server.statuses) == 1


def test_a_thread_interrupted_halfway_goes_on_from_where_it_stopped(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    long_text = " ".join(
        f"Lause numero {i} kertoo ryhmän arjesta ja tavoitteista." for i in range(20)
    )
    mastodon_server.script("POST /api/v1/statuses", [200, 500])
    delivery = _send(org, members, mastodon_account, rf_request, text=long_text)
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED
    assert len(delivery.parts) >= 2
    assert PublishedPart.objects.filter(delivery=delivery).count() == len(delivery.parts)
    assert len(mastodon_server.statuses) == len(delivery.parts)
    ids = [s["id"] for s in mastodon_server.statuses]
    replies = [s["in_reply_to_id"] for s in mastodon_server.statuses]
    assert replies == [None, *ids[:-1]]


def test_the_account_is_checked_half_an_hour_before_the_post_is_due(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    post = services.save_draft(
        org,
        members["editor"],
        services.Draft(
            text=TEXT, accounts=[mastodon_account], scheduled_at=timezone.now() + timedelta(hours=1)
        ),
    )
    services.submit(post, rf_request)
    delivery = Delivery.objects.get(post=post)
    check = Job.objects.get(unique_key=f"precheck:{delivery.pk}")
    assert abs((check.run_at - (delivery.due_at - timedelta(minutes=30))).total_seconds()) < 1
    mastodon_server.script("GET /api/v1/accounts/verify_credentials", [401])
    Job.objects.filter(pk=check.pk).update(run_at=timezone.now())
    run_jobs()
    mastodon_account.refresh_from_db()
    assert mastodon_account.status == ChannelAccount.Status.NEEDS_RECONNECT
    assert mail.outbox


def test_only_one_request_is_in_flight_for_a_delivery(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    delivery = _send(org, members, mastodon_account, rf_request)
    # Another worker claimed it a moment ago and is still waiting for the platform.
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PUBLISHING, publishing_since=timezone.now()
    )
    run_jobs()
    assert mastodon_server.statuses == []
    job = Job.objects.get(unique_key=f"publish:{delivery.pk}")
    assert job.state == Job.State.DUE and job.run_at > timezone.now()


def test_a_deleted_thread_is_taken_down_from_mastodon_last_part_first(
    org: Any, members: Any, mastodon_account: Any, mastodon_server: Any, rf_request: Any
) -> None:
    long_text = " ".join(
        f"Lause numero {i} kertoo ryhmän arjesta ja tavoitteista." for i in range(20)
    )
    delivery = _send(org, members, mastodon_account, rf_request, text=long_text)
    settle()
    delivery.refresh_from_db()
    assert len(mastodon_server.statuses) == len(delivery.parts) >= 2
    ids = [str(s["id"]) for s in mastodon_server.statuses]
    services.delete(delivery.post, rf_request, take_down=True)
    settle()
    deletes = [r.path.rsplit("/", 1)[1] for r in mastodon_server.requests if r.method == "DELETE"]
    assert deletes == list(reversed(ids))
    delivery.refresh_from_db()
    assert delivery.removed_at is not None


def test_a_worker_takes_credentials_another_worker_already_renewed(
    org: Any, members: Any, mastodon_account: Any
) -> None:
    stale = ChannelAccount.objects.get(pk=mastodon_account.pk)
    connector = stale.connector()
    renewed = {"access_token": "renewed-by-another-worker"}
    ChannelAccount.objects.get(pk=mastodon_account.pk).set_credentials(renewed)
    fresh = ChannelAccount.objects.get(pk=mastodon_account.pk)
    fresh.set_credentials(renewed)
    fresh.save()
    assert engine.refresh_account(stale, connector) is True
    assert connector.account.credentials == renewed
