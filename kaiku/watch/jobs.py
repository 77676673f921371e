"""Worker jobs: ``watch.schedule`` enqueues a ``watch.poll`` per due source, every minute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from kaiku.jobs.services import RetryLater, enqueue, handler
from kaiku.watch.models import Source
from kaiku.watch.polling import poll_one
from kaiku.watch.services import schedule_due

SCHEDULE_EVERY = timedelta(seconds=60)
SCHEDULE_KEY = "watch.schedule"


def ensure_schedule() -> None:
    """Start the periodic schedule job unless one is open already."""
    enqueue("watch.schedule", {}, unique_key=SCHEDULE_KEY)


@handler("watch.schedule")
def schedule(payload: dict[str, Any]) -> None:
    schedule_due()
    # Run again in a minute; RetryLater keeps the one job open instead of piling up rows.
    raise RetryLater(timezone.now() + SCHEDULE_EVERY, "next watch schedule")


@handler("watch.poll")
def poll(payload: dict[str, Any]) -> None:
    source_id = payload.get("source_id")
    if not isinstance(source_id, int):
        return
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return
    now = timezone.now()
    if source.next_poll_at > now + timedelta(seconds=5) or (
        source.backoff_until is not None and source.backoff_until > now
    ):
        return  # polled meanwhile (the CLI, another job): nothing to do
    poll_one(source)


# --- the e-mail digest (kaiku.watch.digest) ------------------------------------------------------
from kaiku.jobs.services import periodic  # noqa: E402


@periodic("watch.email_digest", timedelta(hours=1))
def email_digest(payload: dict[str, Any]) -> None:
    """Hourly: e-mail the members whose daily or weekly watch digest is due."""
    from kaiku.watch.digest import send_due_digests

    send_due_digests()
