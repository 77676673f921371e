"""Keeping connections alive: renew tokens before they expire, and warn people in time.

Runs daily (a periodic job). A connector that can renew its token (long-lived Meta and
Threads tokens, X and LinkedIn refresh tokens) does so ``renew_before_days`` ahead; one that
cannot is shown on the channels page and announced by e-mail a week ahead, once a day.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from kaiku.channels.base import ChannelError
from kaiku.connections.models import ChannelAccount
from kaiku.jobs.services import periodic
from kaiku.publishing import notify

log = logging.getLogger(__name__)
WARN_DAYS = 7


def _new_expiry(account: ChannelAccount) -> datetime | None:
    raw = account.credentials.get("expires_at")
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def renew_expiring(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"renewed": 0, "warned": 0}
    expiring = ChannelAccount.objects.filter(
        status=ChannelAccount.Status.ACTIVE,
        expires_at__isnull=False,
        expires_at__lte=now + timedelta(days=60),
    ).select_related("organisation")
    for account in expiring:
        connector = account.connector()
        assert account.expires_at is not None
        if account.expires_at - now <= timedelta(days=connector.renew_before_days):
            try:
                renewed = connector.refresh_credentials()
            except ChannelError:
                log.warning("renewing %s failed", account, exc_info=True)
                renewed = False
            if renewed:
                account.refresh_from_db()
                account.expires_at = _new_expiry(account)
                account.expiry_warned_at = None
                account.save(update_fields=["expires_at", "expiry_warned_at"])
                counts["renewed"] += 1
                continue
        left = account.expires_at - now
        warned_today = account.expiry_warned_at and now - account.expiry_warned_at < timedelta(
            hours=23
        )
        if left <= timedelta(days=WARN_DAYS) and not warned_today:
            notify.account_expires_soon(account)
            ChannelAccount.objects.filter(pk=account.pk).update(expiry_warned_at=now)
            counts["warned"] += 1
    return counts


@periodic("posts.renew_tokens", timedelta(hours=24))
def renew_tokens_job(payload: dict[str, object]) -> None:
    renew_expiring()


def refresh_limits() -> int:
    """Read again what each working account's platform accepts (a Mastodon instance's
    character limit and URL weight), so that the compose page and the thread splitter count
    by today's rules, not by those read when the account was connected. Returns how many
    accounts' limits changed."""
    changed = 0
    for account in ChannelAccount.objects.filter(status=ChannelAccount.Status.ACTIVE):
        try:
            if account.connector().refresh_limits():
                changed += 1
        except ChannelError:
            # Not reachable today: the stored limits stay; the check before publishing tries.
            log.warning("reading the limits of %s failed", account, exc_info=True)
    return changed


@periodic("posts.refresh_limits", timedelta(hours=24))
def refresh_limits_job(payload: dict[str, object]) -> None:
    refresh_limits()
