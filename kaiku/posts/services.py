"""Writing, reviewing, scheduling, editing and deleting posts. Views stay thin over these."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kaiku import language
from kaiku.accounts.models import User
from kaiku.checks.services import run_check
from kaiku.connections.models import ChannelAccount
from kaiku.organisations import audit
from kaiku.organisations.models import Organisation
from kaiku.organisations.services import reviewers
from kaiku.posts import gate, images, previews, search
from kaiku.posts.models import Post, PostImage
from kaiku.publishing import engine, operator
from kaiku.publishing.models import Delivery


class ReviewError(Exception):
    """An approval that the rules do not allow (own words, missing reason, a henkilötunnus)."""


class NotEditable(Exception):
    """The post has already gone out (or is going out) and cannot be changed."""


class GateRefused(Exception):
    """The gate does not let the post out: ``hetu`` (never) or ``not_approved`` (not yet)."""


@dataclass(frozen=True)
class Draft:
    text: str
    accounts: Sequence[ChannelAccount]
    link: str = ""
    scheduled_at: datetime | None = None
    variants: dict[int, str] | None = None  # account id → its own text
    repeat: str = ""
    repeat_until: date | None = None
    reply_to_url: str = ""
    language: str = ""
    # Images: None leaves the link card as it is; alt texts of existing images by image id.
    link_card: dict[str, str] | None = None
    alt_texts: dict[int, str] | None = None
    remove_images: frozenset[int] = frozenset()
    uploads: Sequence[images.Upload] = ()


@dataclass(frozen=True)
class TextFindings:
    """The check's findings on one publishable text of a post."""

    target: str
    text: str
    findings: list[Any]

    @property
    def shown(self) -> list[Any]:
        return [f for f in self.findings if f.severity in ("block", "warn")]

    @property
    def hetu(self) -> bool:
        return any(f.code in language.IDENTITY_CODES for f in self.findings)


@dataclass(frozen=True)
class Verdict:
    """The gate's result on all publishable texts of a post: the strictest one decides."""

    texts: list[TextFindings]
    reason: str  # why review is needed: "hetu", "privacy_block", "organisation_rule" or ""
    digest: str

    @property
    def findings(self) -> list[Any]:
        return [f for t in self.texts for f in t.findings]


def findings_for(
    org: Organisation,
    text: str,
    accounts: Iterable[ChannelAccount],
    lang: str = "",
    *,
    link: str = "",
    images: int = 0,
) -> list[Any]:
    """The check of a draft, its lengths measured as each chosen platform receives the text
    (with the link a platform appends, by the account's own limits)."""
    inputs = previews.check_inputs(text, list(accounts), link=link, images=images)
    findings = run_check(
        text,
        lang=lang or None,
        channels=inputs.channels,
        org=org,
        sent_texts=inputs.sent_texts,
        channel_limits=inputs.channel_limits,
        url_weights=inputs.url_weights,
    )
    return findings + inputs.refusals


def needs_review(org: Organisation, findings: Sequence[Any]) -> str:
    """Why the post must be reviewed ('' when it need not). "hetu" can never be approved."""
    if any(f.code in language.IDENTITY_CODES for f in findings):
        return "hetu"
    if any(f.kind == "privacy" and f.severity == "block" for f in findings):
        return "privacy_block"
    if org.approval_required:
        return "organisation_rule"
    return ""


def check_texts(
    org: Organisation,
    texts: Sequence[gate.Text],
    lang: str = "",
    *,
    link: str = "",
    images: int = 0,
) -> Verdict:
    """The language check on every publishable text; the strictest result decides review.
    The main text and the variants are measured as their platforms receive them (with the
    link a platform appends, beside ``images`` images)."""
    out = [
        TextFindings(
            t.target,
            t.text,
            findings_for(org, t.text, t.accounts, lang, link=link, images=images)
            if t.accounts
            else findings_for(org, t.text, t.accounts, lang),
        )
        for t in texts
        if t.text.strip()
    ]
    return Verdict(out, needs_review(org, [f for t in out for f in t.findings]), gate.digest(texts))


def check_post(post: Post) -> Verdict:
    return check_texts(
        post.organisation,
        gate.texts_of_post(post),
        post.language,
        link=post.link,
        images=post.images.count(),
    )


def _gate(post: Post, actor: User | None) -> Verdict:
    """Check every publishable text of the post and record the result; whoever changed a text
    becomes one of its editors (who may not approve it)."""
    verdict = check_post(post)
    if verdict.digest != post.gate_digest and actor is not None:
        post.editors.add(actor)
    post.gate_digest = verdict.digest
    post.findings_summary = _summary(verdict.findings)
    post.review_required_reason = verdict.reason
    post.gate_summary = [
        {
            "target": t.target,
            "block": sum(1 for f in t.findings if f.severity == "block"),
            "warn": sum(1 for f in t.findings if f.severity == "warn"),
            "hetu": t.hetu,
        }
        for t in verdict.texts
    ]
    post.save(
        update_fields=["gate_digest", "findings_summary", "review_required_reason", "gate_summary"]
    )
    return verdict


def parts_for(delivery: Delivery) -> list[str]:
    """The delivery's thread parts, split so that each part fits as it is sent (the first
    with the link its platform appends)."""
    post = delivery.post
    text = delivery.text_override or post.text
    return previews.split_for(
        delivery.account.connector(), text, link=post.link, images=post.images.count()
    )


def save_draft(org: Organisation, author: User, draft: Draft, post: Post | None = None) -> Post:
    """Create or update a post, its deliveries (one per chosen account) and its images; then
    the gate checks every text of it. The one way a post's words are written (the compose
    service, ``kaiku.posts.compose``, validates a draft and calls this)."""
    return save_checked(org, author, draft, post=post)[0]


@transaction.atomic
def save_checked(
    org: Organisation,
    author: User,
    draft: Draft,
    *,
    post: Post | None = None,
    written: list[str] | None = None,
) -> tuple[Post, Verdict]:
    """``save_draft`` that also returns the gate's verdict on the texts as saved, and notes in
    ``written`` the image files it stored (removed by the caller when its transaction fails)."""
    if post is None:
        post = Post(organisation=org, author=author)
    elif post.state not in (Post.State.DRAFT, Post.State.IN_REVIEW, Post.State.APPROVED) and (
        post.deliveries.exclude(
            state__in=[Delivery.State.SCHEDULED, Delivery.State.CANCELLED]
        ).exists()
    ):
        raise NotEditable
    post.text = draft.text
    post.link = draft.link
    post.scheduled_at = draft.scheduled_at
    post.repeat = draft.repeat
    post.repeat_until = draft.repeat_until
    post.reply_to_url = draft.reply_to_url
    post.language = draft.language or language.detect_language(draft.text)
    if draft.link_card is not None:
        post.link_card = draft.link_card if post.link and draft.link_card.get("title") else {}
    was_scheduled = post.state == Post.State.SCHEDULED
    post.state = Post.State.DRAFT
    post.approved_by = None
    post.approved_at = None
    post.save()
    wanted = {a.pk: a for a in draft.accounts}
    for delivery in post.deliveries.select_related("account"):
        if delivery.account_id not in wanted:
            engine.cancel_delivery(delivery)
            delivery.delete()
    for account in wanted.values():
        delivery, _ = Delivery.objects.get_or_create(post=post, account=account)
        override = (draft.variants or {}).get(account.pk, "")
        if delivery.text_override != override or delivery.state != Delivery.State.DRAFT:
            if delivery.state == Delivery.State.SCHEDULED:
                engine.cancel_delivery(delivery)
            Delivery.objects.filter(pk=delivery.pk).update(
                text_override=override, state=Delivery.State.DRAFT, parts=[], gate_stamp=""
            )
    for img in post.images.all():
        if img.pk in draft.remove_images:
            img.delete()  # the file stays: a repeat of the post may still use it
        elif draft.alt_texts and img.pk in draft.alt_texts:
            alt = draft.alt_texts[img.pk].strip()
            if alt != img.alt_text:
                PostImage.objects.filter(pk=img.pk).update(alt_text=alt)
    images.store(post, draft.uploads, written)
    search.store_words(post)
    verdict = _gate(post, author)
    if was_scheduled:
        audit.record(
            "post.edited_after_scheduling", organisation=org, actor=author, post=str(post.public_id)
        )
    return post, verdict


def _summary(findings: Sequence[Any]) -> dict[str, int]:
    summary: dict[str, int] = {}
    for f in findings:
        summary[f.severity] = summary.get(f.severity, 0) + 1
    return summary


def _still(post: Post, verdict: Verdict | None) -> Verdict | None:
    """``verdict`` when it was given on exactly the texts the post holds now, else None (then
    the check runs again). Comparing the digest reads the texts but runs no language check."""
    if verdict is None or gate.digest(gate.texts_of_post(post)) != verdict.digest:
        return None
    return verdict


@transaction.atomic
def submit(post: Post, request: HttpRequest | None, *, verdict: Verdict | None = None) -> None:
    """The author is done: to review when required, else straight to the schedule.

    The gate runs again here, on the texts as saved, unless ``verdict`` is the gate's verdict
    on these very texts (the compose service saved and checked them in this transaction): a
    henkilötunnus anywhere keeps the post a draft (``GateRefused("hetu")``); it must be
    removed, no approval can let it out."""
    verdict = _still(post, verdict) or _gate(post, None)
    if verdict.reason == "hetu":
        raise GateRefused("hetu")
    post.submitted_at = timezone.now()
    if post.review_required_reason:
        post.state = Post.State.IN_REVIEW
        post.save(update_fields=["state", "submitted_at"])
        post.deliveries.exclude(state=Delivery.State.CANCELLED).update(
            state=Delivery.State.IN_REVIEW
        )
        audit.record(
            "post.submitted_for_review",
            request=request,
            organisation=post.organisation,
            post=str(post.public_id),
            reason=post.review_required_reason,
        )
        return
    post.save(update_fields=["submitted_at"])
    _schedule(post, verdict)
    audit.record(
        "post.scheduled", request=request, organisation=post.organisation, post=str(post.public_id)
    )


def own_words(post: Post, person: User) -> bool:
    """Whether the person wrote the post or changed one of its texts since its last approval."""
    return post.author_id == person.pk or post.editors.filter(pk=person.pk).exists()


def sole_reviewer(org: Organisation, person: User) -> bool:
    """Whether the person is the only one in the organisation who can review posts."""
    found = reviewers(org)
    return len(found) == 1 and found[0].user_id == person.pk


def second_confirmation_at(post: Post) -> datetime | None:
    """When the one-person organisation's second confirmation is possible (None: not yet
    confirmed once, for these words)."""
    if post.first_confirmed_at is None or post.first_confirmed_digest != post.gate_digest:
        return None
    wait = timedelta(minutes=post.organisation.self_review_wait_minutes)
    return post.first_confirmed_at + wait


@transaction.atomic
def approve(post: Post, reviewer: User, reason: str, request: HttpRequest | None) -> str:
    """Approve the post: "approved", or "first_confirmation" when the only reviewer of the
    organisation confirmed their own post once (they confirm again after the waiting time).

    Nobody approves words they wrote or changed since the last approval; a henkilötunnus is
    never approved."""
    if post.state != Post.State.IN_REVIEW:
        raise ReviewError("not_in_review")
    flagged_before = post.review_required_reason == "privacy_block"
    verdict = _gate(post, None)
    if verdict.reason == "hetu":
        raise ReviewError("hetu")
    # A flag is never lifted at the moment of approval: the stricter of the two decides.
    flagged = flagged_before or verdict.reason == "privacy_block"
    if flagged and post.review_required_reason != "privacy_block":
        post.review_required_reason = "privacy_block"
        post.save(update_fields=["review_required_reason"])
    reason = reason.strip()
    org = post.organisation
    if own_words(post, reviewer):
        if not sole_reviewer(org, reviewer):
            raise ReviewError("own_post")
        if not reason:
            raise ReviewError("reason_required")
        ready_at = second_confirmation_at(post)
        if ready_at is None or post.first_confirmed_by_id != reviewer.pk:
            post.first_confirmed_by = reviewer
            post.first_confirmed_at = timezone.now()
            post.first_confirmed_digest = verdict.digest
            post.approval_reason = reason
            post.save(
                update_fields=[
                    "first_confirmed_by",
                    "first_confirmed_at",
                    "first_confirmed_digest",
                    "approval_reason",
                ]
            )
            audit.record(
                "post.first_confirmation",
                request=request,
                organisation=org,
                post=str(post.public_id),
                reason=reason,
            )
            return "first_confirmation"
        if timezone.now() < ready_at:
            raise ReviewError("wait")
    elif flagged and not reason:
        raise ReviewError("reason_required")
    post.approved_by = reviewer
    post.approved_at = timezone.now()
    post.approval_reason = reason
    post.approved_digest = verdict.digest
    post.save(update_fields=["approved_by", "approved_at", "approval_reason", "approved_digest"])
    post.editors.clear()  # "since the last approval"
    audit.record(
        "post.approved",
        request=request,
        organisation=org,
        post=str(post.public_id),
        reason=post.approval_reason,
        second_confirmation=post.first_confirmed_by_id == reviewer.pk,
    )
    _schedule(post)
    return "approved"


@transaction.atomic
def send_back(post: Post, reviewer: User, note: str, request: HttpRequest | None) -> None:
    post.state = Post.State.DRAFT
    post.save(update_fields=["state"])
    post.deliveries.filter(state=Delivery.State.IN_REVIEW).update(state=Delivery.State.DRAFT)
    audit.record(
        "post.sent_back",
        request=request,
        organisation=post.organisation,
        post=str(post.public_id),
        note=note,
    )


def _schedule(post: Post, verdict: Verdict | None = None) -> None:
    """The gate's door: the deliveries are scheduled only when every text of the post, checked
    now (or by ``verdict`` on these very texts), needs no review or is what the approval
    covered; each is stamped with its exact outgoing texts, which the engine compares before it
    publishes."""
    verdict = _still(post, verdict) or check_post(post)
    if verdict.reason == "hetu":
        raise GateRefused("hetu")
    if verdict.reason and (post.approved_by_id is None or post.approved_digest != verdict.digest):
        raise GateRefused("not_approved")
    post.state = Post.State.SCHEDULED
    post.save(update_fields=["state"])
    due = post.scheduled_at or timezone.now()
    for delivery in post.deliveries.select_related("account", "post").exclude(
        state__in=[Delivery.State.CANCELLED, *engine.FINAL]
    ):
        delivery.parts = parts_for(delivery)
        delivery.due_at = due
        delivery.state = Delivery.State.SCHEDULED
        delivery.held = delivery.account.status != ChannelAccount.Status.ACTIVE
        delivery.gate_stamp = gate.stamp(engine.outgoing_for(delivery))
        delivery.save(update_fields=["parts", "due_at", "state", "held", "gate_stamp"])
        if not delivery.held:
            # In the same transaction: the job becomes visible together with the state.
            engine.schedule_delivery(delivery)


@transaction.atomic
def reschedule(post: Post, when: datetime, request: HttpRequest | None) -> int:
    """Move a scheduled post; deliveries already out or in flight are not touched."""
    post.scheduled_at = when
    post.save(update_fields=["scheduled_at"])
    moved = 0
    for delivery in post.deliveries.filter(state=Delivery.State.SCHEDULED):
        delivery.due_at = when
        delivery.save(update_fields=["due_at"])
        if not delivery.held:
            engine.schedule_delivery(delivery)
        moved += 1
    audit.record(
        "post.rescheduled",
        request=request,
        organisation=post.organisation,
        post=str(post.public_id),
        when=when.isoformat(),
    )
    return moved


@transaction.atomic
def delete(post: Post, request: HttpRequest | None, *, take_down: bool = False) -> list[Delivery]:
    """Delete a post: nothing of it goes out any more. With ``take_down``, what went out is
    removed from the platforms too. Returns the deliveries that had already gone out."""
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at"])
    for delivery in post.deliveries.all():
        engine.cancel_delivery(delivery)
    out = list(
        post.deliveries.filter(state__in=[Delivery.State.PUBLISHED, Delivery.State.PUBLISHING])
    )
    if take_down:
        for delivery in out:
            if delivery.state == Delivery.State.PUBLISHED:
                operator.request_takedown(delivery)
    audit.record(
        "post.deleted",
        request=request,
        organisation=post.organisation,
        post=str(post.public_id),
        take_down=take_down,
    )
    return out


def _next_time(when: datetime, repeat: str) -> datetime:
    local = timezone.localtime(when)
    if repeat == Post.Repeat.DAILY:
        nxt = local + timedelta(days=1)
    elif repeat == Post.Repeat.WEEKLY:
        nxt = local + timedelta(weeks=1)
    else:
        month = local.month % 12 + 1
        year = local.year + (1 if month == 1 else 0)
        day = min(local.day, calendar.monthrange(year, month)[1])
        nxt = local.replace(year=year, month=month, day=day)
    # Same wall-clock time across a daylight-saving change.
    naive = nxt.replace(tzinfo=None)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def spawn_next_repeat(post: Post) -> Post | None:
    """When a recurring post has gone out, the next one is scheduled the same way."""
    if not post.repeat or post.deleted_at or post.scheduled_at is None:
        return None
    when = _next_time(post.scheduled_at, post.repeat)
    if post.repeat_until and timezone.localtime(when).date() > post.repeat_until:
        return None
    if Post.objects.filter(repeat_of=post).exists():
        return None
    with transaction.atomic():
        nxt = Post.objects.create(
            organisation=post.organisation,
            author=post.author,
            text=post.text,
            language=post.language,
            lemmas=post.lemmas,  # the same texts, so the same words for the search
            link=post.link,
            link_card=post.link_card,
            scheduled_at=when,
            repeat=post.repeat,
            repeat_until=post.repeat_until,
            repeat_of=post,
            review_required_reason=post.review_required_reason,
            approved_by=post.approved_by,
            approved_at=post.approved_at,
            approval_reason=post.approval_reason,
            approved_digest=post.approved_digest,
            gate_digest=post.gate_digest,
            gate_summary=post.gate_summary,
            findings_summary=post.findings_summary,
        )
        for d in post.deliveries.exclude(state=Delivery.State.CANCELLED):
            Delivery.objects.create(post=nxt, account=d.account, text_override=d.text_override)
        for img in post.images.all():
            nxt.images.create(
                file=img.file.name,
                mime=img.mime,
                size_bytes=img.size_bytes,
                width=img.width,
                height=img.height,
                alt_text=img.alt_text,
                position=img.position,
            )
        try:
            _schedule(nxt)
        except GateRefused as refused:
            # The words of the copy are not what was approved (or hold a henkilötunnus):
            # it waits for a reviewer instead of going out.
            nxt.state = Post.State.IN_REVIEW
            nxt.approved_by = None
            nxt.approved_at = None
            nxt.save(update_fields=["state", "approved_by", "approved_at"])
            nxt.deliveries.update(state=Delivery.State.IN_REVIEW)
            audit.record(
                "post.repeat_held",
                organisation=nxt.organisation,
                post=str(nxt.public_id),
                reason=str(refused),
            )
    return nxt
