"""The publishing engine: one job per delivery, at most one request in flight, never twice.

How a delivery goes out (``publish_delivery``):
1. Re-read the delivery. Published, cancelled, failed, held or not yet due: nothing to do.
2. Claim it: a conditional UPDATE moves it to ``publishing``. A delivery found
   ``publishing`` was left by a worker that lost its job (killed, or its attempt ended in an
   error): it becomes ``unconfirmed`` and waits out any request of that worker still in
   flight. An ``unconfirmed`` delivery may or may not have reached the platform: the first
   unrecorded part is *reconciled* (looked up) before anything is sent.
3. Each thread part is published and written to the ledger (PublishedPart, unique per part)
   in the same transaction that moves the delivery on (``_record_out``, the one way a success
   is written, which also settles the post's own state), before the next part is sent.
4. A failure goes through ``record_failure``, the one place that decides what happens next.
5. A job that gives up fails its delivery visibly, and a sweeper job repairs what a crash or
   an older version may have left behind (both in ``publishing/sweeper.py``).

Beside it: ``operator.py`` (a person's retry, releasing held deliveries, taking a post down),
``sweeper.py`` and ``accounts.py`` (the account check half an hour before).
"""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Field, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kaiku import rows
from kaiku.channels import registry, tid
from kaiku.channels.base import (
    ChannelError,
    Connector,
    Failure,
    LinkCard,
    OutgoingImage,
    OutgoingPost,
)
from kaiku.channels.base import (
    PublishedPart as Part,
)
from kaiku.connections.models import ChannelAccount
from kaiku.jobs.models import Job
from kaiku.jobs.services import (
    CURRENT_WORKER,
    RetryLater,
    batch_handler,
    batch_started,
    enqueue,
    handler,
)
from kaiku.organisations import audit
from kaiku.posts import gate
from kaiku.posts.media import signed_url
from kaiku.posts.models import Post
from kaiku.publishing import notify
from kaiku.publishing.models import Delivery, PublishedPart
from kaiku.publishing.repeats import spawn_next_repeat

log = logging.getLogger(__name__)

PUBLISH_JOB = "posts.publish"
PRECHECK_JOB = "posts.precheck"
MAX_ATTEMPTS = 6
# A publish job's own limit: interruptions (a killed worker) and errors outside the platform's
# answers; waits the engine asks for (rate limits, backoff) do not count.
PUBLISH_JOB_ATTEMPTS = 50
PRECHECK_BEFORE = timedelta(minutes=30)
MAX_RATE_LIMIT_WAIT = timedelta(hours=24)

FINAL = {Delivery.State.PUBLISHED, Delivery.State.FAILED, Delivery.State.CANCELLED}
PENDING = {Delivery.State.SCHEDULED, Delivery.State.PUBLISHING, Delivery.State.UNCONFIRMED}


def backoff(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 30 min, with jitter so retries do not arrive together.

    The first wait is longer than a request's timeout, so that after a lost answer the
    platform has finished the first request before the engine looks for its result."""
    first = settings.KAIKU_PUBLISH_RETRY_SECONDS
    seconds = min(first * 2 ** max(attempt - 1, 0), 1800)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


# --- scheduling --------------------------------------------------------------------------


def _put_job(kind: str, key: str, run_at: datetime, payload: dict[str, Any]) -> None:
    """The open job with ``key`` runs at ``run_at``; made if there is none."""
    moved = Job.objects.filter(unique_key=key, state=Job.State.DUE).update(run_at=run_at)
    if not moved:
        enqueue(kind, payload, run_at=run_at, unique_key=key, max_attempts=PUBLISH_JOB_ATTEMPTS)


def schedule_delivery(delivery: Delivery) -> None:
    """Queue a scheduled delivery's publish job (and its account check 30 minutes before)."""
    due = delivery.due_at or timezone.now()
    _put_job(PUBLISH_JOB, f"publish:{delivery.pk}", due, {"delivery": delivery.pk})
    check_at = due - PRECHECK_BEFORE
    if check_at > timezone.now():
        _put_job(PRECHECK_JOB, f"precheck:{delivery.pk}", check_at, {"delivery": delivery.pk})


# --- publishing --------------------------------------------------------------------------


@dataclass
class _Run:
    delivery: Delivery
    connector: Connector
    outgoing: OutgoingPost
    refreshed: bool = False


def outgoing_for(delivery: Delivery) -> OutgoingPost:
    post = delivery.post
    images = tuple(
        OutgoingImage(
            path=Path(img.file.path),
            name=str(img.file.name),
            public_url=signed_url(img),
            mime=img.mime,
            alt_text=img.alt_text,
            width=img.width,
            height=img.height,
        )
        for img in post.images.all()
        if img.file
    )
    card = None
    if post.link and post.link_card:
        card = LinkCard(
            url=post.link,
            title=str(post.link_card.get("title", ""))[:300],
            description=str(post.link_card.get("description", ""))[:1000],
        )
    parts = tuple(delivery.parts) or (delivery.text_override or post.text,)
    return OutgoingPost(
        key=delivery.key,
        parts=parts,
        images=images,
        link=post.link or None,
        link_card=card,
        reply_to=post.reply_to_url or None,
        created_at=delivery.first_attempt_at,
        part_keys=tuple(delivery.part_keys or ()),
        language=post.language,
    )


def mint_part_keys(deliveries: list[Delivery]) -> None:
    """Give every part of each claimed delivery its own key and store them at once.

    Called by the holder of a claim before any request is sent, so a retry or a reconcile
    after a crash finds the same keys. Keys already stored are never replaced: they may have
    gone out with a request. Keys come from this process's monotonic TID clock, unique by
    construction, never from a time that other deliveries share."""
    clock = tid.process_clock()
    minted = []
    for delivery in deliveries:
        keys = list(delivery.part_keys or ())
        wanted = max(len(delivery.parts), 1)
        if len(keys) < wanted:
            delivery.part_keys = keys + clock.many(wanted - len(keys))
            minted.append(delivery)
    if not minted:
        return
    # One statement (rows.update): bulk_update's CASE over the rows cost about half a
    # millisecond per delivery, a quarter of what the whole batch path spends on one.
    field = Delivery._meta.get_field("part_keys")
    assert isinstance(field, Field)
    rows.update(
        Delivery,
        ("id", "part_keys"),
        [(d.pk, field.get_db_prep_save(d.part_keys, connection)) for d in minted],
    )


@handler(PUBLISH_JOB)
def publish_job(payload: dict[str, Any]) -> None:
    publish_delivery(int(payload["delivery"]))


# --- many deliveries due at once ---------------------------------------------------------
#
# When a worker finds many publish jobs due, it takes up to KAIKU_PUBLISH_BATCH of them at
# once. The deliveries that can start cleanly (scheduled, due, one part, nothing of them out
# yet, account working) are read and claimed with a few statements, their requests run
# concurrently where the connector allows it (``parallel_publish``; at most one request per
# delivery, as always), and the answers are written to the ledger together. Everything else
# (a reconcile after an unknown outcome, a thread of several parts, a post not yet due,
# deleted or held) takes the one-by-one way of ``publish_delivery``.
#
# Crash safety is the same as one by one: each delivery is ``publishing`` before its request
# is sent, and a delivery left ``publishing`` is reconciled before anything is sent again.


@dataclass
class _Sent:
    run: _Run
    part: Part | None
    error: ChannelError | None
    at: datetime  # when the platform answered


@batch_handler(PUBLISH_JOB, size=settings.KAIKU_PUBLISH_BATCH)
def publish_jobs(payloads: list[dict[str, Any]]) -> list[BaseException | None]:
    ids = [int(payload["delivery"]) for payload in payloads]
    position = {pk: i for i, pk in enumerate(ids)}
    results: dict[int, BaseException | None] = {}
    connectors: _Connectors = {}
    try:
        candidates = _clean_candidates(ids)
        # In waves of a few requests per thread, each claimed just before it is sent: a worker
        # killed mid-batch leaves only its current wave ``publishing`` (to be reconciled after
        # a wait); the rest of the batch is still ``scheduled`` and goes out at once. Four
        # requests per thread: each wave costs about ten statements whatever its size, and
        # waves of 32 instead of 16 took an eighth off the worker's and the database's
        # processor time per delivery (bench/publish_bench.py).
        for chunk in _waves(candidates):
            # Only deliveries whose jobs are still this worker's (see ``batch_started``).
            mine = batch_started(position[delivery.pk] for delivery in chunk)
            chunk = [delivery for delivery in chunk if position[delivery.pk] in mine]
            results.update(_record_sent(_send_all(_claim_clean(chunk, connectors))))
    finally:
        for _account, connector in connectors.values():
            connector.close()
    outcomes: list[BaseException | None] = []
    for pk in ids:
        if pk in results:
            outcomes.append(results.pop(pk))
            continue
        if not batch_started([position[pk]]):
            outcomes.append(None)  # another worker holds its job now; its outcome is theirs
            continue
        try:
            publish_delivery(pk)
            outcomes.append(None)
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


def _waves(candidates: list[Delivery]) -> list[list[Delivery]]:
    """The batch's waves: four requests per publish thread for platforms over the network
    (``publish_jobs`` says why), and the whole batch at once for a platform that stores
    many posts in one write (``batch_publish``, the own feed). Its wave is one transaction:
    a worker killed in it leaves the whole wave ``publishing``, to be looked up by key after
    the wait, exactly as a wave of 32 would; and each wave more cost a burst of 1,000 own-
    feed posts about ten statements (claim, keys, ledger, audit, posts' state)."""
    platforms = dict(
        ChannelAccount.objects.filter(pk__in={d.account_id for d in candidates}).values_list(
            "pk", "platform"
        )
    )
    batched = {
        pk
        for pk, platform in platforms.items()
        if platform in registry.CONNECTOR_PATHS and registry.connector_class(platform).batch_publish
    }
    together = [d for d in candidates if d.account_id in batched]
    apart = [d for d in candidates if d.account_id not in batched]
    wave = 4 * settings.KAIKU_PUBLISH_THREADS
    return ([together] if together else []) + [
        apart[start : start + wave] for start in range(0, len(apart), wave)
    ]


# Post fields the batch path never reads (read on demand, e.g. when a recurring post repeats).
_NOT_READ = [
    f"post__{name}"
    for name in (
        "scheduled_at",
        "repeat_until",
        "review_required_reason",
        "submitted_at",
        "approved_by",
        "approved_at",
        "approval_reason",
        "findings_summary",
        "created_at",
        "updated_at",
    )
]


_Connectors = dict[int, tuple[ChannelAccount, Connector]]


def _clean_candidates(ids: list[int]) -> list[Delivery]:
    """The deliveries among ``ids`` that can start cleanly (read, not yet claimed)."""
    now = timezone.now()
    return [
        delivery
        for delivery in Delivery.objects.select_related("post")
        # Reading a row costs more than the query: only what publishing needs is read.
        .defer(*_NOT_READ)
        .prefetch_related("post__images")
        .filter(
            Q(due_at__isnull=True) | Q(due_at__lte=now + timedelta(seconds=1)),
            pk__in=set(ids),
            state=Delivery.State.SCHEDULED,
            held=False,
            post__deleted_at__isnull=True,
            account__status=ChannelAccount.Status.ACTIVE,
            published__isnull=True,
        )
        .order_by("pk")
        if len(delivery.parts) <= 1
    ]


def _claim_clean(candidates: list[Delivery], connectors: _Connectors) -> list[_Run]:
    """Claim the candidates that are still scheduled (and their account working), with one
    UPDATE. ``connectors`` holds one connector per account across the waves of a batch."""
    if not candidates:
        return []
    now = timezone.now()
    Delivery.objects.filter(
        pk__in=[d.pk for d in candidates],
        state=Delivery.State.SCHEDULED,
        held=False,
        # A subquery, not a join: an UPDATE with a join is a self-join on the delivery table,
        # which PostgreSQL planned as a nested scan of the whole table when its statistics
        # said "empty" (seen in a long test transaction: a second per claim).
        account_id__in=ChannelAccount.objects.filter(status=ChannelAccount.Status.ACTIVE).values(
            "pk"
        ),
    ).update(
        state=Delivery.State.PUBLISHING,
        publishing_since=now,
        first_attempt_at=Coalesce(F("first_attempt_at"), Value(now)),
        attempts=F("attempts") + 1,
    )
    # Only this job's holder moves these deliveries to publishing (one open job per delivery),
    # so the claim time marks the rows this UPDATE took.
    taken = set(
        Delivery.objects.filter(
            pk__in=[d.pk for d in candidates],
            state=Delivery.State.PUBLISHING,
            publishing_since=now,
        ).values_list("pk", flat=True)
    )
    mint_part_keys([d for d in candidates if d.pk in taken])
    runs = []
    missing = {d.account_id for d in candidates if d.pk in taken} - set(connectors)
    for account in ChannelAccount.objects.filter(pk__in=missing):
        connectors[account.pk] = (account, account.connector())
    for delivery in candidates:
        if delivery.pk not in taken:
            continue
        account, connector = connectors[delivery.account_id]
        delivery.account = account  # one instance per account
        delivery.state = Delivery.State.PUBLISHING
        delivery.publishing_since = now
        delivery.first_attempt_at = delivery.first_attempt_at or now
        delivery.attempts += 1
        run = _Run(delivery, connector, outgoing_for(delivery))
        if not _refused_by_gate(run, uncertain=False):
            runs.append(run)
    return runs


def _refused_by_gate(run: _Run, *, uncertain: bool) -> bool:
    """The last line of defence: what was not checked (and approved where needed) in exactly
    these words, or holds a henkilötunnus, is not sent. The claimed delivery is put back,
    held, with the gate's code; nothing was sent now. One whose earlier attempt may have
    reached the platform goes back to ``unconfirmed``, so that it is still looked up before
    anything is sent again."""
    code = gate.refusal(run.delivery, run.outgoing)
    if not code:
        return False
    back = Delivery.State.UNCONFIRMED if uncertain else Delivery.State.SCHEDULED
    Delivery.objects.filter(pk=run.delivery.pk, state=Delivery.State.PUBLISHING).update(
        state=back,
        held=True,
        attempts=F("attempts") - 1,
        last_error_code=code,
        last_error_at=timezone.now(),
    )
    log.warning("delivery %s held by the safety gate: %s", run.delivery.pk, code)
    audit.record(
        "post.held_by_gate",
        organisation=run.delivery.post.organisation,
        target=str(run.delivery.account),
        post=str(run.delivery.post.public_id),
        code=code,
    )
    return True


def _send_one(run: _Run) -> _Sent:
    """Send a claimed one-part delivery. May run in a pool thread: no database here unless
    the connector needs it (then it does not run in a pool thread, see ``_send_all``)."""
    try:
        part = run.connector.publish_part(run.outgoing, 0, [])
    except ChannelError as error:
        return _Sent(run, None, error, timezone.now())
    except Exception as exc:  # a bug or an unexpected answer after sending: outcome unknown
        log.exception("publish of delivery %s failed unexpectedly", run.delivery.pk)
        unknown = ChannelError(Failure.UNKNOWN_OUTCOME, "unexpected", repr(exc))
        return _Sent(run, None, unknown, timezone.now())
    return _Sent(run, part, None, timezone.now())


def _send_share(runs: list[_Run]) -> list[_Sent]:
    try:
        return [_send_one(run) for run in runs]
    finally:
        connections.close_all()  # a pool thread's own connection, if anything opened one


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _threads() -> ThreadPoolExecutor:
    """The worker's publish threads, started once (threads cost more than a request here)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                settings.KAIKU_PUBLISH_THREADS, thread_name_prefix="kaiku-publish"
            )
        return _pool


def _send_together(runs: list[_Run]) -> list[_Sent]:
    """Send the claimed one-part deliveries of one account whose connector stores many at
    once (``batch_publish``, the own feed): one call, one transaction for the wave."""
    try:
        answers = runs[0].connector.publish_firsts([run.outgoing for run in runs])
        if len(answers) != len(runs):
            raise RuntimeError(f"{len(answers)} answers for {len(runs)} posts")
    except ChannelError as error:
        answers = [error] * len(runs)
    except Exception as exc:  # a bug or an unexpected answer: what went out is unknown
        log.exception("publish of %d deliveries together failed unexpectedly", len(runs))
        answers = [ChannelError(Failure.UNKNOWN_OUTCOME, "unexpected", repr(exc))] * len(runs)
    at = timezone.now()
    return [
        _Sent(run, None, answer, at)
        if isinstance(answer, ChannelError)
        else _Sent(run, answer, None, at)
        for run, answer in zip(runs, answers, strict=True)
    ]


def _send_all(runs: list[_Run]) -> list[_Sent]:
    together: dict[int, list[_Run]] = {}
    for run in runs:
        if type(run.connector).batch_publish:
            together.setdefault(id(run.connector), []).append(run)
    sent = [s for group in together.values() for s in _send_together(group)]
    runs = [run for run in runs if not type(run.connector).batch_publish]
    parallel = [run for run in runs if type(run.connector).parallel_publish]
    sent += [_send_one(run) for run in runs if not type(run.connector).parallel_publish]
    threads = min(settings.KAIKU_PUBLISH_THREADS, len(parallel))
    if threads <= 1:
        return sent + [_send_one(run) for run in parallel]
    # One task per thread, each sending its share one after another: handing a thread every
    # single request costs more processor time than the request itself on a fast network.
    shares = [parallel[i::threads] for i in range(threads)]
    for share in _threads().map(_send_share, shares):
        sent += share
    return sent


def _record_sent(sent: list[_Sent]) -> dict[int, BaseException | None]:
    """Write what went out to the ledger in one transaction; failures one by one."""
    results: dict[int, BaseException | None] = {}
    out = [
        _Out(s.run.delivery, s.part, s.part, last=True, at=s.at) for s in sent if s.part is not None
    ]
    _record_out(out)
    results.update((o.delivery.pk, None) for o in out)
    refused: set[int] = set()  # accounts whose credentials could not be renewed
    for s in sent:
        if s.error is None:
            continue
        try:
            account = s.run.delivery.account
            if s.error.failure is Failure.AUTH and account.pk not in refused:
                # As one by one: renew the credentials once, then send again (the refused
                # request published nothing).
                s.run.refreshed = True
                if refresh_account(account, s.run.connector):
                    _publish_parts(s.run, uncertain=False)
                else:
                    refused.add(account.pk)
                    record_failure(s.run, s.error)
            else:
                record_failure(s.run, s.error)
            results[s.run.delivery.pk] = None
        except Exception as exc:
            results[s.run.delivery.pk] = exc
    return results


@dataclass
class _Out:
    """A part that went out, to be written down."""

    delivery: Delivery
    part: Part
    first: Part  # the delivery's first part: its link on the post's page
    last: bool
    at: datetime  # when the platform answered


def _record_out(out: list[_Out]) -> None:
    """The one way a success is written down, for one part or a whole batch: the ledger rows,
    the deliveries, their posts' state (and a recurring post's next occurrence) and the audit
    record, all in one transaction. A worker killed on the way leaves either all of it or none
    of it (then the delivery is still ``publishing`` and is reconciled), never a post left
    ``scheduled`` with every delivery out."""
    if not out:
        return
    ops = connection.ops
    finished = [o for o in out if o.last]
    with transaction.atomic():
        rows.insert(
            PublishedPart,
            ("delivery_id", "index", "remote_id", "url", "created_at"),
            [
                (
                    o.delivery.pk,
                    o.part.index,
                    o.part.remote_id,
                    o.part.url,
                    ops.adapt_datetimefield_value(o.at),
                )
                for o in out
            ],
        )
        _mark_published(finished)
        for o in out:
            if not o.last:
                # A thread goes on: the first part is its link, and the claim's time moves on
                # with each part (see ``_claim``: how long ago a request can have started).
                Delivery.objects.filter(pk=o.delivery.pk).update(
                    remote_id=o.first.remote_id, remote_url=o.first.url, publishing_since=o.at
                )
        if finished:
            audit.record_many(
                "post.published",
                [
                    (
                        o.delivery.post.organisation_id,
                        str(o.delivery.account),
                        {"post": str(o.delivery.post.public_id)},
                    )
                    for o in finished
                ],
            )
            posts_done({o.delivery.post_id for o in finished})


def _mark_published(out: list[_Out]) -> None:
    ops = connection.ops
    rows.update(
        Delivery,
        (
            "id",
            "state",
            "remote_id",
            "remote_url",
            "published_at",
            "last_error_code",
            "last_error_detail",
        ),
        [
            (
                o.delivery.pk,
                Delivery.State.PUBLISHED.value,
                o.first.remote_id,
                o.first.url,
                ops.adapt_datetimefield_value(o.at),
                "",
                "",
            )
            for o in out
        ],
    )


def posts_done(post_ids: set[int]) -> None:
    """Scheduled posts among ``post_ids`` whose every delivery is final are done, and a
    recurring one gets its next occurrence. Runs inside the transaction that made their
    deliveries final."""
    if not post_ids:
        return
    # The rows are locked first: two workers finishing a post's last two deliveries at once
    # would otherwise each see the other's delivery still open (PostgreSQL reads what was
    # committed when the statement began) and leave the post scheduled. On SQLite writers
    # take turns anyway.
    locked = dict(
        Post.objects.select_for_update()
        .filter(pk__in=post_ids, state=Post.State.SCHEDULED)
        .order_by("pk")
        .values_list("pk", "repeat")
    )
    still_open = set(
        Delivery.objects.filter(post_id__in=locked)
        .exclude(state__in=FINAL)
        .values_list("post_id", flat=True)
    )
    done = [pk for pk in locked if pk not in still_open]
    if not done:
        return
    Post.objects.filter(pk__in=done).update(state=Post.State.DONE)
    # Read whole only when one of them repeats (most posts do not).
    repeating = [pk for pk in done if locked[pk]]
    for post in Post.objects.filter(pk__in=repeating) if repeating else []:
        _next_occurrence(post)


def _next_occurrence(post: Post) -> None:
    try:
        with transaction.atomic():  # a savepoint: a failure here never undoes the ledger
            spawn_next_repeat(post)
    except Exception:
        # The post did go out and is written down; the sweeper makes the next one later.
        log.exception("the next occurrence of post %s could not be made", post.pk)


# How long after its claim (or its last part) a delivery left ``publishing`` is surely no
# longer being sent by the worker that claimed it: far longer than any request's timeout and
# than a batch's wave (a few requests one after another per thread).
IN_FLIGHT_AT_MOST = timedelta(minutes=5)


def _claim(delivery: Delivery) -> bool | None:
    """Take the delivery for this attempt. True: an earlier attempt's outcome is unknown and
    must be reconciled first; False: a clean start; None: not ours to publish now.

    This runs in the delivery's one open job, so the worker that left a delivery
    ``publishing`` has lost that job: it was killed (its lease ran out, or it restarted and
    let go of its claims), or its attempt ended in an error. Its last request may still be
    on its way or being processed by the platform, though. So a fresh ``publishing`` claim is
    first marked ``unconfirmed`` and looked up only after the wait that follows any unknown
    outcome (longer than a request's timeout), never sent again at once."""
    now = timezone.now()
    rows = Delivery.objects.filter(pk=delivery.pk, held=False)
    if delivery.state == Delivery.State.SCHEDULED:
        taken = rows.filter(state=Delivery.State.SCHEDULED).update(
            state=Delivery.State.PUBLISHING,
            publishing_since=now,
            first_attempt_at=Coalesce(F("first_attempt_at"), Value(now)),
            attempts=F("attempts") + 1,
        )
        return False if taken else None
    if delivery.state == Delivery.State.PUBLISHING:
        holder = (
            Job.objects.filter(
                unique_key=f"publish:{delivery.pk}", state=Job.State.RUNNING, lease_until__gt=now
            )
            .exclude(locked_by=CURRENT_WORKER.get() or "")
            .values_list("lease_until", flat=True)
            .first()
        )
        if holder is not None:
            # Another worker holds the delivery's job and renews its lease: it is alive and
            # may be sending right now (this worker lost the job while cut off). Hands off.
            raise RetryLater(holder + timedelta(seconds=1), "publish in flight elsewhere")
        since = delivery.publishing_since or now
        stale = rows.filter(state=Delivery.State.PUBLISHING, publishing_since=since)
        if since + IN_FLIGHT_AT_MOST > now:
            stale.update(
                state=Delivery.State.UNCONFIRMED,
                last_error_code="interrupted",
                last_error_detail="",
                last_error_at=now,
            )
            wait = timedelta(seconds=settings.KAIKU_PUBLISH_RETRY_SECONDS)
            raise RetryLater(now + wait, "interrupted: reconcile after the wait")
        taken = stale.update(publishing_since=now, attempts=F("attempts") + 1)
        return True if taken else None
    if delivery.state == Delivery.State.UNCONFIRMED:
        taken = rows.filter(state=Delivery.State.UNCONFIRMED).update(
            state=Delivery.State.PUBLISHING, publishing_since=now, attempts=F("attempts") + 1
        )
        return True if taken else None
    return None


def publish_delivery(delivery_id: int) -> None:
    try:
        delivery = Delivery.objects.select_related("post", "account").get(pk=delivery_id)
    except Delivery.DoesNotExist:
        return
    if delivery.state in FINAL or delivery.state not in PENDING or delivery.held:
        return
    if delivery.post.deleted_at is not None:
        cancel_delivery(delivery)
        return
    now = timezone.now()
    if (
        delivery.state == Delivery.State.SCHEDULED
        and delivery.due_at
        and delivery.due_at > now + timedelta(seconds=1)
    ):
        raise RetryLater(delivery.due_at, "not due yet")
    if delivery.account.status != ChannelAccount.Status.ACTIVE:
        _hold(delivery, "account_needs_reconnect")
        return
    uncertain = _claim(delivery)
    if uncertain is None:
        return
    delivery.refresh_from_db()
    mint_part_keys([delivery])
    run = _Run(delivery, delivery.account.connector(), outgoing_for(delivery))
    if _refused_by_gate(run, uncertain=uncertain):
        run.connector.close()
        return
    try:
        _publish_parts(run, uncertain=uncertain)
    finally:
        run.connector.close()


def _publish_parts(run: _Run, *, uncertain: bool) -> None:
    delivery = run.delivery
    done = {p.index: p for p in delivery.published.all()}
    earlier = [
        Part(p.index, p.remote_id, p.url) for p in sorted(done.values(), key=lambda p: p.index)
    ]
    for index in range(len(run.outgoing.parts)):
        if index in done:
            continue
        try:
            part = None
            if uncertain:
                part = run.connector.reconcile(run.outgoing, index, list(earlier))
                # A part found out there means the next one may be out too: look it up as
                # well. The first part not found is where sending starts again.
                uncertain = part is not None
            if part is None:
                part = _send(run, index, earlier)
        except ChannelError as error:
            record_failure(run, error)
            return
        earlier.append(part)
        last = index == len(run.outgoing.parts) - 1
        _record_out([_Out(delivery, part, earlier[0], last=last, at=timezone.now())])


def _send(run: _Run, index: int, earlier: list[Part]) -> Part:
    try:
        return run.connector.publish_part(run.outgoing, index, earlier)
    except ChannelError as error:
        if error.failure is Failure.AUTH and not run.refreshed:
            run.refreshed = True
            if refresh_account(run.delivery.account, run.connector):
                return run.connector.publish_part(run.outgoing, index, earlier)
        raise
    except Exception as exc:  # a bug or an unexpected answer after sending: outcome unknown
        log.exception("publish of delivery %s part %s failed unexpectedly", run.delivery.pk, index)
        raise ChannelError(Failure.UNKNOWN_OUTCOME, "unexpected", repr(exc)) from exc


def refresh_account(account: ChannelAccount, connector: Connector) -> bool:
    """Renew the account's credentials once, whichever worker gets there first.

    Refresh tokens rotate on some platforms: two workers refreshing with the same token would
    leave one of them with a dead token. So the refresh happens under the account row's lock,
    and a worker that finds the credentials already renewed by another simply takes them.
    """
    try:
        with transaction.atomic():
            row = ChannelAccount.objects.select_for_update().get(pk=account.pk)
            if row.credentials_json != account.credentials_json:
                account.credentials_json = row.credentials_json
                connector.account.credentials = row.credentials
                return True
            return connector.refresh_credentials()
    except ChannelError:
        return False


def record_failure(run: _Run, error: ChannelError) -> None:
    """The one place that records a failed attempt and decides what happens next."""
    delivery = run.delivery
    now = timezone.now()
    base = Delivery.objects.filter(pk=delivery.pk)
    common: dict[str, Any] = {
        "last_error_code": error.code[:64],
        "last_error_detail": error.detail,
        "last_error_at": now,
    }
    failure = error.failure
    if failure is Failure.AUTH:
        account = delivery.account
        # Conditional: when several posts (of one batch, or of several workers) find the
        # account refused at once, the editors are told once.
        first = ChannelAccount.objects.filter(
            pk=account.pk, status=ChannelAccount.Status.ACTIVE
        ).update(status=ChannelAccount.Status.NEEDS_RECONNECT, status_message=error.detail)
        account.status = ChannelAccount.Status.NEEDS_RECONNECT
        base.update(state=Delivery.State.SCHEDULED, held=True, **common)
        if first:
            account.status_message = error.detail
            audit.record(
                "channel.needs_reconnect",
                organisation=account.organisation,
                target=str(account),
                code=error.code,
            )
            notify.account_needs_reconnect(account)
        return
    if failure is Failure.RATE_LIMITED:
        wait = timedelta(seconds=error.retry_after) if error.retry_after else backoff(1)
        wait = min(max(wait, timedelta(seconds=1)), MAX_RATE_LIMIT_WAIT)
        base.update(state=Delivery.State.SCHEDULED, attempts=F("attempts") - 1, **common)
        raise RetryLater(now + wait, "rate limited")
    if failure is Failure.UNKNOWN_OUTCOME:
        base.update(state=Delivery.State.UNCONFIRMED, **common)
        raise RetryLater(now + backoff(delivery.attempts), "outcome unknown: reconcile")
    if failure is Failure.TRANSIENT and delivery.attempts < MAX_ATTEMPTS:
        base.update(state=Delivery.State.SCHEDULED, **common)
        raise RetryLater(now + backoff(delivery.attempts), "temporary failure")
    with transaction.atomic():
        base.update(state=Delivery.State.FAILED, **common)
        posts_done({delivery.post_id})
    delivery.last_error_code, delivery.last_error_detail = common["last_error_code"], error.detail
    tell_failed(delivery, error.code)


def tell_failed(delivery: Delivery, code: str) -> None:
    audit.record(
        "post.delivery_failed",
        organisation=delivery.post.organisation,
        target=str(delivery.account),
        code=code,
    )
    notify.delivery_failed(delivery)


def _hold(delivery: Delivery, code: str) -> None:
    Delivery.objects.filter(pk=delivery.pk, state__in=PENDING).update(
        held=True, last_error_code=code, last_error_at=timezone.now()
    )


# --- cancelling -------------------------------------------------------------------------


def cancel_delivery(delivery: Delivery) -> bool:
    """Cancel a delivery that has not gone out. False when it is already out or in flight."""
    cancelled = Delivery.objects.filter(
        pk=delivery.pk,
        state__in=[
            Delivery.State.DRAFT,
            Delivery.State.IN_REVIEW,
            Delivery.State.APPROVED,
            Delivery.State.SCHEDULED,
        ],
    ).update(state=Delivery.State.CANCELLED, held=False)
    Job.objects.filter(
        unique_key__in=[f"publish:{delivery.pk}", f"precheck:{delivery.pk}"], state=Job.State.DUE
    ).update(state=Job.State.DONE, finished_at=timezone.now(), last_error="cancelled")
    return bool(cancelled)
