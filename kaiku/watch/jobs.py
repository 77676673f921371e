"""Worker jobs: ``watch.schedule`` enqueues a ``watch.poll`` per due source, every minute;
``watch.rescore`` re-matches an organisation's items after its topics changed."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from kaiku.jobs.models import Job
from kaiku.jobs.services import RetryLater, enqueue, handler
from kaiku.organisations.models import Organisation
from kaiku.watch.features.digest import send_due_digests
from kaiku.watch.features.topics import rescore
from kaiku.watch.ingest.pipeline import poll_one
from kaiku.watch.models import Source
from kaiku.watch.services import schedule_due

SCHEDULE_EVERY = timedelta(seconds=60)


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


# --- the e-mail digest (kaiku.watch.features.digest) ----------------------------------------------
from kaiku.jobs.services import periodic  # noqa: E402


@periodic("watch.email_digest", timedelta(hours=1))
def email_digest(payload: dict[str, Any]) -> None:
    """Hourly: e-mail the members whose daily or weekly watch digest is due."""
    send_due_digests()


# --- re-matching items to topics (after the topics page changed them) ---------------------------

RESCORE_KIND = "watch.rescore"
# A second job waiting for its turn looks again after this long, give or take (see below).
RESCORE_TURN_SECONDS = (5.0, 15.0)


def rescore_keys(organisation_id: int) -> tuple[str, str]:
    """The two unique keys of an organisation's re-match jobs: the first, and the one after."""
    first = f"{RESCORE_KIND}:{organisation_id}"
    return first, f"{first}:again"


def request_rescore(organisation_id: int) -> None:
    """Queue a re-match of the organisation's items with its topics as they are now.

    The one open job (first key) takes in any number of changes while it waits. A change made
    while that job runs may come after the job read the topics, so then a job under the second
    key is queued too: it runs after the first one and reads the topics anew. Any further
    changes meanwhile find one of the two still waiting, or not yet started, to read them.
    """
    first, again = rescore_keys(organisation_id)
    payload = {"organisation_id": organisation_id}
    if enqueue(RESCORE_KIND, payload, unique_key=first).state == Job.State.RUNNING:
        enqueue(RESCORE_KIND, payload, unique_key=again)


def rescore_pending(organisation_id: int) -> bool:
    """Whether a re-match of the organisation's items is queued or running."""
    return Job.objects.filter(
        unique_key__in=rescore_keys(organisation_id),
        state__in=[Job.State.DUE, Job.State.RUNNING],
    ).exists()


@handler(RESCORE_KIND)
def rescore_topics(payload: dict[str, Any]) -> None:
    organisation_id = payload.get("organisation_id")
    if not isinstance(organisation_id, int):
        return
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return
    running = Job.objects.filter(
        unique_key__in=rescore_keys(organisation_id), state=Job.State.RUNNING
    ).count()
    if running > 1:
        # Two runs at once would interleave their deletes and inserts of the same rows; this
        # one waits (still open, so it keeps taking in changes). The jitter lets two workers
        # that claimed both jobs at the same moment come apart.
        wait = random.uniform(*RESCORE_TURN_SECONDS)
        raise RetryLater(timezone.now() + timedelta(seconds=wait), "another re-match is running")
    rescore(organisation)
