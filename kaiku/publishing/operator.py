"""What a person does to deliveries after they are scheduled: retry a failed one, release
the deliveries held for an account after reconnecting, take a published one down."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from kaiku.channels import tid
from kaiku.channels.base import ChannelError, Failure
from kaiku.connections.models import ChannelAccount
from kaiku.jobs.services import RetryLater, enqueue, handler
from kaiku.organisations import audit
from kaiku.posts.models import Post
from kaiku.publishing import engine
from kaiku.publishing.models import Delivery, PublishedPart
from kaiku.publishing.sweeper import GAVE_UP


def release_held(account: ChannelAccount) -> int:
    """After reconnecting: the deliveries held for the account go out (now, if overdue)."""
    released = 0
    for delivery in Delivery.objects.filter(account=account, held=True, state__in=engine.PENDING):
        Delivery.objects.filter(pk=delivery.pk).update(held=False, last_error_code="")
        delivery.held = False
        engine.schedule_delivery(delivery)
        released += 1
    return released


def retry_delivery(delivery: Delivery) -> bool:
    """A person retries a failed delivery: it goes out now (parts already out are kept).

    A delivery that Kaiku gave up on may have gone out in its last attempt: it is looked up
    on the platform (reconciled) before anything is sent again. One that ended in a key clash
    found another post at the key of the part it was sending, so that part never went out
    there: it gets a fresh key (written with the move back to ``scheduled``, before any
    request), else the retry would run into the same record again. Parts already out keep
    theirs."""
    uncertain = delivery.last_error_code == GAVE_UP
    fresh: dict[str, Any] = {}
    if delivery.last_error_code == KEY_CLASH:
        fresh["part_keys"] = _fresh_clashed_key(delivery)
    moved = Delivery.objects.filter(
        pk=delivery.pk, state=Delivery.State.FAILED, last_error_code=delivery.last_error_code
    ).update(
        state=Delivery.State.UNCONFIRMED if uncertain else Delivery.State.SCHEDULED,
        attempts=0,
        due_at=timezone.now(),
        held=False,
        **fresh,
    )
    if moved:
        delivery.refresh_from_db()
        Post.objects.filter(pk=delivery.post_id).update(state=Post.State.SCHEDULED)
        engine.schedule_delivery(delivery)
    return bool(moved)


KEY_CLASH = "key_clash"


def _fresh_clashed_key(delivery: Delivery) -> list[str]:
    """The delivery's part keys with the clashed one replaced: the first part not in the
    ledger (parts go out in order and a clash stops the delivery at the part it hit)."""
    keys = list(delivery.part_keys or ())
    out = set(PublishedPart.objects.filter(delivery=delivery).values_list("index", flat=True))
    clashed = next((i for i in range(len(keys)) if i not in out), None)
    if clashed is not None:
        keys[clashed] = tid.process_clock().next()
    return keys


# --- taking a post down ------------------------------------------------------------------

TAKEDOWN_JOB = "posts.takedown"


def request_takedown(delivery: Delivery) -> None:
    """Remove a published delivery from its platform (a deleted post, a withdrawn consent)."""
    enqueue(TAKEDOWN_JOB, {"delivery": delivery.pk}, unique_key=f"takedown:{delivery.pk}")


@handler(TAKEDOWN_JOB)
def takedown_job(payload: dict[str, Any]) -> None:
    delivery = (
        Delivery.objects.select_related("account", "post__organisation")
        .filter(pk=int(payload["delivery"]))
        .first()
    )
    if delivery is None or delivery.removed_at is not None:
        return
    connector = delivery.account.connector()
    # Last part first: a thread comes down from its end, never leaving orphan replies.
    for part in delivery.published.order_by("-index"):
        try:
            connector.delete(part.remote_id)
        except ChannelError as error:
            if error.code == "not_found":
                continue  # already gone
            if error.failure is Failure.RATE_LIMITED:
                raise RetryLater(
                    timezone.now() + timedelta(seconds=error.retry_after or 60)
                ) from error
            if error.failure is Failure.PERMANENT:
                Delivery.objects.filter(pk=delivery.pk).update(
                    last_error_code=error.code, last_error_detail=error.detail
                )
                return
            raise
    Delivery.objects.filter(pk=delivery.pk).update(removed_at=timezone.now())
    audit.record(
        "post.removed_from_channel",
        organisation=delivery.post.organisation,
        target=str(delivery.account),
        post=str(delivery.post.public_id),
    )
