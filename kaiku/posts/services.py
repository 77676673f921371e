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
from kaiku.organisations import audit
from kaiku.organisations.models import Organisation
from kaiku.posts import engine, previews
from kaiku.posts.models import ChannelAccount, Delivery, Post


class ReviewError(Exception):
    """An approval that the rules do not allow (own post, missing reason)."""


class NotEditable(Exception):
    """The post has already gone out (or is going out) and cannot be changed."""


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
    """Why the post must be reviewed ('' when it need not)."""
    if any(f.kind == "privacy" and f.severity == "block" for f in findings):
        return "privacy_block"
    if org.approval_required:
        return "organisation_rule"
    return ""


def parts_for(delivery: Delivery) -> list[str]:
    """The delivery's thread parts, split so that each part fits as it is sent (the first
    with the link its platform appends)."""
    post = delivery.post
    text = delivery.text_override or post.text
    return previews.split_for(
        delivery.account.connector(), text, link=post.link, images=post.images.count()
    )


@transaction.atomic
def save_draft(org: Organisation, author: User, draft: Draft, post: Post | None = None) -> Post:
    """Create or update a post and its deliveries (one per chosen account)."""
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
    images = post.images.count() if post.pk else 0
    findings = findings_for(
        org, draft.text, draft.accounts, post.language, link=draft.link, images=images
    )
    post.findings_summary = _summary(findings)
    post.review_required_reason = needs_review(org, findings)
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
                text_override=override, state=Delivery.State.DRAFT, parts=[]
            )
    if was_scheduled:
        audit.record(
            "post.edited_after_scheduling", organisation=org, actor=author, post=str(post.public_id)
        )
    return post


def _summary(findings: Sequence[Any]) -> dict[str, int]:
    summary: dict[str, int] = {}
    for f in findings:
        summary[f.severity] = summary.get(f.severity, 0) + 1
    return summary


@transaction.atomic
def submit(post: Post, request: HttpRequest | None) -> None:
    """The author is done: to review when required, else straight to the schedule."""
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
    _schedule(post)
    audit.record(
        "post.scheduled", request=request, organisation=post.organisation, post=str(post.public_id)
    )


@transaction.atomic
def approve(post: Post, reviewer: User, reason: str, request: HttpRequest | None) -> None:
    if post.author_id == reviewer.pk:
        raise ReviewError("own_post")
    if post.review_required_reason == "privacy_block" and not reason.strip():
        raise ReviewError("reason_required")
    if post.state != Post.State.IN_REVIEW:
        raise ReviewError("not_in_review")
    post.approved_by = reviewer
    post.approved_at = timezone.now()
    post.approval_reason = reason.strip()
    post.save(update_fields=["approved_by", "approved_at", "approval_reason"])
    audit.record(
        "post.approved",
        request=request,
        organisation=post.organisation,
        post=str(post.public_id),
        reason=post.approval_reason,
    )
    _schedule(post)


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


def _schedule(post: Post) -> None:
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
        delivery.save(update_fields=["parts", "due_at", "state", "held"])
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
                engine.request_takedown(delivery)
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
        _schedule(nxt)
    return nxt
