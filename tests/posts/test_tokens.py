"""Connections are renewed before they expire, and people are told in time when they cannot be."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from kaiku.connections.models import ChannelAccount
from kaiku.connections.tokens import renew_expiring
from kaiku.jobs.models import Job
from kaiku.jobs.services import ensure_periodic

pytestmark = pytest.mark.django_db


def test_an_account_that_cannot_renew_is_announced_a_week_ahead_once_a_day(
    mastodon_account: Any, members: Any
) -> None:
    now = timezone.now()
    ChannelAccount.objects.filter(pk=mastodon_account.pk).update(expires_at=now + timedelta(days=5))
    assert renew_expiring(now) == {"renewed": 0, "warned": 1}
    recipients = {a for m in mail.outbox for a in m.to}
    assert "admin@example.test" in recipients
    assert renew_expiring(now + timedelta(hours=2)) == {"renewed": 0, "warned": 0}
    assert renew_expiring(now + timedelta(days=1)) == {"renewed": 0, "warned": 1}


def test_an_account_far_from_expiry_is_left_alone(mastodon_account: Any) -> None:
    now = timezone.now()
    ChannelAccount.objects.filter(pk=mastodon_account.pk).update(
        expires_at=now + timedelta(days=40)
    )
    assert renew_expiring(now) == {"renewed": 0, "warned": 0}
    assert mail.outbox == []


def test_the_daily_renewal_is_queued_once_whoever_starts_first(db: Any) -> None:
    from kaiku.jobs.worker import load_handlers

    load_handlers()
    ensure_periodic()
    ensure_periodic()
    assert Job.objects.filter(kind="posts.renew_tokens", state="due").count() == 1
