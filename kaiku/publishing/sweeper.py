"""What a worker's death or a job's end may leave behind: a job that gives up fails its
delivery where people see it (``give_up``), and the sweeper (``sweep``, every minute)
settles stuck posts, makes a recurring post's missing next occurrence, and gives a
delivery without an open job its job again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from kaiku.jobs.models import Job
from kaiku.jobs.services import on_give_up, periodic
from kaiku.posts.models import Post
from kaiku.publishing import engine
from kaiku.publishing.models import Delivery
from kaiku.publishing.repeats import spawn_next_repeat

log = logging.getLogger(__name__)

GAVE_UP = "gave_up"
SWEEP_JOB = "posts.sweep"
# A recurring post is looked at for a missing next occurrence this long after its time.
REPEAT_LOOKBACK = timedelta(days=40)


@on_give_up(engine.PUBLISH_JOB)
def publish_gave_up(payload: dict[str, Any]) -> None:
    give_up(int(payload["delivery"]))


def give_up(delivery_id: int) -> bool:
    """The delivery's job gave up (its attempts are spent, or it failed for good): the
    delivery fails where people see it, and they are told. False when it had already ended."""
    with transaction.atomic():
        failed = Delivery.objects.filter(
            pk=delivery_id, state__in=engine.PENDING, held=False
        ).update(
            state=Delivery.State.FAILED,
            last_error_code=GAVE_UP,
            last_error_detail="",
            last_error_at=timezone.now(),
        )
        if not failed:
            return False
        delivery = Delivery.objects.select_related("post__organisation", "account").get(
            pk=delivery_id
        )
        engine.posts_done({delivery.post_id})
    engine.tell_failed(delivery, GAVE_UP)
    return True


@dataclass
class Swept:
    posts_done: int = 0
    repeats_made: int = 0
    requeued: int = 0
    gave_up: int = 0


@periodic(SWEEP_JOB, timedelta(minutes=1))
def sweep_job(payload: dict[str, Any]) -> None:
    swept = sweep()
    if swept != Swept():
        log.warning("sweeper repaired %s", swept)


def sweep() -> Swept:
    """Repair what a killed worker or an ended job left behind (the engine writes each outcome
    in one transaction, so this finds only what older versions, crashes in between or bugs
    left): a scheduled post whose every delivery is final is done; a done recurring post has
    its next occurrence; a delivery waiting to go out without an open job gets its job again,
    or fails where people see it when its job gave up."""
    swept = Swept()
    open_delivery = Delivery.objects.filter(post=OuterRef("pk")).exclude(state__in=engine.FINAL)
    ended = Delivery.objects.filter(
        post=OuterRef("pk"), state__in=[Delivery.State.PUBLISHED, Delivery.State.FAILED]
    )
    stuck = set(
        Post.objects.filter(state=Post.State.SCHEDULED)
        .filter(~Exists(open_delivery), Exists(ended))
        .values_list("pk", flat=True)
    )
    if stuck:
        with transaction.atomic():
            engine.posts_done(stuck)
        swept.posts_done = len(stuck)

    next_one = Post.objects.filter(repeat_of=OuterRef("pk"))
    for post in (
        Post.objects.filter(
            state=Post.State.DONE,
            deleted_at__isnull=True,
            scheduled_at__gte=timezone.now() - REPEAT_LOOKBACK,
        )
        .exclude(repeat="")
        .filter(~Exists(next_one))
    ):
        swept.repeats_made += spawn_next_repeat(post) is not None

    key = Concat(Value("publish:"), Cast(OuterRef("pk"), CharField()))
    open_job = Job.objects.filter(unique_key=key, state__in=[Job.State.DUE, Job.State.RUNNING])
    waiting = list(
        Delivery.objects.filter(state__in=engine.PENDING, held=False).filter(~Exists(open_job))
    )
    for start in range(0, len(waiting), REQUEUE_CHUNK):
        chunk = waiting[start : start + REQUEUE_CHUNK]
        gave_up, requeued = _requeue(chunk)
        swept.gave_up += gave_up
        swept.requeued += requeued
    return swept


# Deliveries looked at together when many lost their jobs (a statement's parameters stay few).
REQUEUE_CHUNK = 500


def _requeue(deliveries: list[Delivery]) -> tuple[int, int]:
    """Deliveries waiting without an open job: the one whose last job failed (or whose
    attempts are spent) fails where people see it; the others get their job again, those due
    by now with one statement (a thousand due posts without jobs wait for one insert, not for
    three thousand statements one after another). Returns (gave up, requeued)."""
    keys = {f"publish:{d.pk}": d for d in deliveries}
    last: dict[str, tuple[int, str]] = {}
    for unique_key, pk, state in Job.objects.filter(unique_key__in=keys).values_list(
        "unique_key", "pk", "state"
    ):
        if unique_key not in last or pk > last[unique_key][0]:
            last[unique_key] = (pk, state)
    gave_up = requeued = 0
    now = timezone.now()
    due_now: list[Delivery] = []
    for unique_key, delivery in keys.items():
        spent = delivery.attempts >= engine.PUBLISH_JOB_ATTEMPTS
        if spent or last.get(unique_key, (0, ""))[1] == Job.State.FAILED:
            gave_up += give_up(delivery.pk)
        elif delivery.due_at is None or delivery.due_at <= now:
            due_now.append(delivery)
        else:
            engine.schedule_delivery(delivery)  # later: its account check comes first too
            requeued += 1
    # Its job ended without an outcome for it: it runs again (a delivery left ``publishing``
    # is reconciled before anything is sent, see ``_claim``). A job queued meanwhile by
    # someone else (one open job per key) stands; this one is then not made.
    Job.objects.bulk_create(
        [
            Job(
                kind=engine.PUBLISH_JOB,
                payload={"delivery": d.pk},
                run_at=d.due_at or now,
                unique_key=f"publish:{d.pk}",
                max_attempts=engine.PUBLISH_JOB_ATTEMPTS,
            )
            for d in due_now
        ],
        ignore_conflicts=True,
    )
    return gave_up, requeued + len(due_now)
