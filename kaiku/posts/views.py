"""The posts list, a post's page with its deliveries, and review.

Composing lives in views_compose, the channels page in views_channels.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kaiku.checks import severity
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.access import KaikuRequest, require
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm
from kaiku.posts import sections, services
from kaiku.posts.access import delivery_for, image_for, post_for
from kaiku.posts.errors import error_message
from kaiku.posts.forms import ApproveForm, RescheduleForm, SendBackForm
from kaiku.posts.models import Post
from kaiku.posts.views_compose import (
    gate_rows,
    review_reason_text,
    text_label,
    user_zone,
)
from kaiku.publishing import operator
from kaiku.publishing.models import Delivery

LIST_LIMIT = 50
# Deliveries in these states can still be changed by editing the post.
EDITABLE_DELIVERY_STATES = {
    Delivery.State.DRAFT,
    Delivery.State.IN_REVIEW,
    Delivery.State.APPROVED,
    Delivery.State.SCHEDULED,
    Delivery.State.CANCELLED,
}


def _can(request: KaikuRequest, perm: Perm) -> bool:
    return bool(request.membership.can(perm))


def _with_deliveries(posts: QuerySet[Post]) -> QuerySet[Post]:
    return posts.select_related("author").prefetch_related(sections.shown_deliveries())


def badge_class(delivery: Delivery) -> str:
    if delivery.held or delivery.state == Delivery.State.UNCONFIRMED:
        return "warn"
    if delivery.state == Delivery.State.PUBLISHED:
        return "ok"
    if delivery.state == Delivery.State.FAILED:
        return "bad"
    return ""


@require(Perm.VIEW)
def post_list(request: KaikuRequest, org: Organisation) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    if query:
        return _search_results(request, org, query)
    shown = sections.sections(org, request.GET)
    # Each section's pager keeps the other sections on the pages they show.
    pages = {s.key: s.page for s in shown}

    def link(key: str, page: int) -> str:
        query = urlencode(
            {k: (page if k == key else p) for k, p in pages.items() if k == key or p > 1}
        )
        return f"?{query}#section-{key}" if query else f"?#section-{key}"

    return render(
        request,
        "posts/list.html",
        {
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "posts": s.posts,
                    "page": s.page,
                    "next_url": link(s.key, s.page + 1) if s.has_next else "",
                    "previous_url": link(s.key, s.page - 1) if s.has_previous else "",
                }
                for s in shown
            ],
            "can_edit": _can(request, Perm.EDIT_POSTS),
        },
    )


def _search_results(request: KaikuRequest, org: Organisation, query: str) -> HttpResponse:
    """The posts list with a search: the matching posts, a page at a time, for the sections."""
    number = sections.page_number(request.GET.get("page"))
    found = sections.found(org, query, number)

    def link(page: int) -> str:
        return "?" + urlencode({"q": query, **({"page": page} if page > 1 else {})})

    return render(
        request,
        "posts/list.html",
        {
            "query": query,
            "sections": [
                {
                    "key": found.key,
                    "title": found.title,
                    "posts": found.posts,
                    "page": found.page,
                    "next_url": link(found.page + 1) if found.has_next else "",
                    "previous_url": link(found.page - 1) if found.has_previous else "",
                }
            ],
            "can_edit": _can(request, Perm.EDIT_POSTS),
        },
    )


@require(Perm.REVIEW_POSTS)
def review_list(request: KaikuRequest, org: Organisation) -> HttpResponse:
    posts = list(
        _with_deliveries(
            Post.objects.filter(organisation=org, deleted_at=None, state=Post.State.IN_REVIEW)
        ).order_by("submitted_at")[:LIST_LIMIT]
    )
    return render(
        request,
        "posts/review.html",
        {
            "posts": [
                {
                    "post": p,
                    "why": review_reason_text(p.review_required_reason),
                    "texts": flagged_texts(p),
                    "severities": severity.counts(p.findings_summary or {}),
                }
                for p in posts
            ]
        },
    )


def flagged_texts(post: Post) -> list[dict[str, Any]]:
    """The post's texts with findings at its last check, named (from the prefetched
    deliveries: no query)."""
    shown: list[Delivery] | None = getattr(post, sections.SHOWN_DELIVERIES, None)
    accounts = {
        d.account_id: d.account for d in (post.deliveries.all() if shown is None else shown)
    }
    return [
        {
            **row,
            "label": text_label(str(row.get("target", "")), accounts),
            "severities": severity.counts(
                {"block": int(row.get("block") or 0), "warn": int(row.get("warn") or 0)}
            ),
        }
        for row in post.gate_summary
        if isinstance(row, dict) and (row.get("block") or row.get("warn") or row.get("hetu"))
    ]


def _delivery_rows(post: Post) -> tuple[list[Delivery], list[dict[str, Any]]]:
    deliveries = list(post.deliveries.select_related("account").order_by("account__platform", "id"))
    rows = [
        {
            "delivery": d,
            "badge": badge_class(d),
            "error": error_message(d.last_error_code, d.last_error_detail)
            if d.last_error_code and d.state != Delivery.State.PUBLISHED
            else "",
            "reconnect": d.account.status != ChannelAccount.Status.ACTIVE,
            "gate_held": d.held and d.last_error_code.startswith("gate_"),
        }
        for d in deliveries
    ]
    return deliveries, rows


# How far ahead a scheduled delivery counts as "on its way" for the post page's live updates.
LIVE_AHEAD = timedelta(minutes=2)


def deliveries_live(deliveries: list[Delivery]) -> bool:
    """Whether the post page should keep asking: a delivery is going out, or due in a moment.

    A held one waits for a person (a reconnection), a later one for its time: neither is
    worth asking about every few seconds.
    """
    soon = timezone.now() + LIVE_AHEAD
    return any(
        d.state in (Delivery.State.PUBLISHING, Delivery.State.UNCONFIRMED)
        or (
            d.state in (Delivery.State.APPROVED, Delivery.State.SCHEDULED)
            and not d.held
            and (d.due_at is None or d.due_at <= soon)
        )
        for d in deliveries
    )


def _detail_context(
    request: KaikuRequest,
    post: Post,
    *,
    reschedule_form: RescheduleForm | None = None,
    approve_form: ApproveForm | None = None,
) -> dict[str, Any]:
    deliveries, rows = _delivery_rows(post)
    tz = user_zone(request)
    user = request.user
    own = services.own_words(post, user)
    sole = own and services.sole_reviewer(post.organisation, user)
    ready_at = services.second_confirmation_at(post) if sole else None
    checked = gate_rows(services.check_post(post), [d.account for d in deliveries])
    checked["why"] = ""  # the review section below says why
    return {
        "gate": checked,
        "editors": [u.get_full_name() or u.username for u in post.editors.all()],
        "sole_reviewer": sole,
        "first_confirmed": ready_at is not None and post.first_confirmed_by_id == user.pk,
        "second_confirmation_at": ready_at.astimezone(tz) if ready_at else None,
        "wait_minutes": post.organisation.self_review_wait_minutes,
        "can_invite": _can(request, Perm.MANAGE_MEMBERS),
        "post": post,
        "deliveries": rows,
        "deliveries_live": deliveries_live(deliveries),
        "images": list(post.images.all()),
        "findings": [
            {"severity": k, "label": severity.label(k), "count": v}
            for k, v in sorted(post.findings_summary.items())
        ],
        "review_reason": review_reason_text(post.review_required_reason),
        "editable": all(d.state in EDITABLE_DELIVERY_STATES for d in deliveries),
        "reschedulable": any(d.state == Delivery.State.SCHEDULED for d in deliveries),
        "can_edit": _can(request, Perm.EDIT_POSTS),
        "can_review": _can(request, Perm.REVIEW_POSTS),
        "own_post": own,
        "reschedule_form": reschedule_form
        or RescheduleForm(tz=tz, initial={"publish_at": post.scheduled_at}),
        "approve_form": approve_form or ApproveForm(),
        "send_back_form": SendBackForm(),
        "scheduled_local": post.scheduled_at.astimezone(tz) if post.scheduled_at else None,
    }


@require(Perm.VIEW)
def detail(request: KaikuRequest, org: Organisation, post_id: UUID) -> HttpResponse:
    post = post_for(request, post_id)
    if request.htmx and request.GET.get("deliveries"):
        deliveries, rows = _delivery_rows(post)
        context = {
            "post": post,
            "deliveries": rows,
            "deliveries_live": deliveries_live(deliveries),
            "can_edit": _can(request, Perm.EDIT_POSTS),
            "oob": True,
        }
        return render(request, "posts/_deliveries.html", context)
    return render(request, "posts/detail.html", _detail_context(request, post))


@require(Perm.EDIT_POSTS)
@require_POST
def retry(
    request: KaikuRequest, org: Organisation, post_id: UUID, delivery_id: UUID
) -> HttpResponse:
    post = post_for(request, post_id)
    delivery = delivery_for(request, post, delivery_id)
    if operator.retry_delivery(delivery):
        messages.success(
            request,
            _("Trying again: the post goes out to %(account)s now.")
            % {"account": delivery.account.label},
        )
    else:
        messages.error(request, _("Only a failed delivery can be retried."))
    return redirect("posts:detail", org=org.slug, post_id=post.public_id)


@require(Perm.EDIT_POSTS)
@require_POST
def delete(request: KaikuRequest, org: Organisation, post_id: UUID) -> HttpResponse:
    post = post_for(request, post_id)
    take_down = request.POST.get("take_down") == "1"
    already_out = services.delete(post, request, take_down=take_down)
    if already_out and take_down:
        messages.success(
            request,
            _("The post is deleted. Kaiku removes it from the channels where it went out."),
        )
    elif already_out:
        names = ", ".join(
            f"{d.account.label} {d.account.display_name or d.account.handle}"
            for d in Delivery.objects.filter(pk__in=[d.pk for d in already_out]).select_related(
                "account"
            )
        )
        messages.warning(
            request,
            _(
                "The post is deleted from Kaiku, but it had already gone out to %(channels)s. "
                "Kaiku cannot remove it from there automatically: remove it on the platform."
            )
            % {"channels": names},
        )
    else:
        messages.success(request, _("The post is deleted. Nothing of it went out."))
    return redirect("posts:list", org=org.slug)


@require(Perm.EDIT_POSTS)
@require_POST
def reschedule(request: KaikuRequest, org: Organisation, post_id: UUID) -> HttpResponse:
    post = post_for(request, post_id)
    form = RescheduleForm(request.POST, tz=user_zone(request))
    if not form.is_valid():
        context = _detail_context(request, post, reschedule_form=form)
        return render(request, "posts/detail.html", context, status=400)
    moved = services.reschedule(post, form.cleaned_data["publish_at"], request)
    if moved:
        messages.success(request, _("The post has a new time."))
    else:
        messages.warning(
            request, _("Nothing was moved: the post has no deliveries waiting to go out.")
        )
    return redirect("posts:detail", org=org.slug, post_id=post.public_id)


CHANGED_WHILE_REVIEWING = gettext_lazy(
    "The post changed while you were reviewing it, so it was not approved. Read it again."
)
REVIEW_ERRORS = {
    "own_post": gettext_lazy(
        "You wrote or changed this post, so another reviewer must approve it."
    ),
    "hetu": gettext_lazy(
        "The post holds a henkilötunnus (Finnish personal identity code), so it cannot be "
        "approved. Send it back so that the henkilötunnus is removed."
    ),
    "wait": gettext_lazy(
        "You confirmed this post once. Confirm it again when the waiting time has passed."
    ),
    "reason_required": gettext_lazy(
        "Write why the post may be published, for example: the client's written consent is on file."
    ),
    "not_in_review": gettext_lazy("The post is no longer waiting for review."),
}


@require(Perm.REVIEW_POSTS)
@require_POST
def approve(request: KaikuRequest, org: Organisation, post_id: UUID) -> HttpResponse:
    post = post_for(request, post_id)
    form = ApproveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        outcome = services.approve(post, request.user, reason, request)
    except services.GateRefused:
        # Its words changed while the reviewer was reading them: nothing was approved.
        messages.error(request, str(CHANGED_WHILE_REVIEWING))
        return redirect("posts:detail", org=org.slug, post_id=post.public_id)
    except services.ReviewError as error:
        post.refresh_from_db()  # the refused approval changed nothing
        code = str(error.args[0]) if error.args else ""
        messages.error(
            request, str(REVIEW_ERRORS.get(code) or _("The post could not be approved."))
        )
        if code == "reason_required":
            form.add_error("reason", str(REVIEW_ERRORS[code]))
            context = _detail_context(request, post, approve_form=form)
            return render(request, "posts/detail.html", context, status=400)
        return redirect("posts:detail", org=org.slug, post_id=post.public_id)
    if outcome == "first_confirmation":
        messages.success(
            request,
            _(
                "Confirmed once. Confirm again after %(minutes)s minutes: only then does the "
                "post go out."
            )
            % {"minutes": org.self_review_wait_minutes},
        )
        return redirect("posts:detail", org=org.slug, post_id=post.public_id)
    messages.success(request, _("Approved. The post is scheduled."))
    return redirect("posts:detail", org=org.slug, post_id=post.public_id)


@require(Perm.REVIEW_POSTS)
@require_POST
def send_back(request: KaikuRequest, org: Organisation, post_id: UUID) -> HttpResponse:
    post = post_for(request, post_id)
    if post.state != Post.State.IN_REVIEW:
        messages.error(request, str(REVIEW_ERRORS["not_in_review"]))
        return redirect("posts:detail", org=org.slug, post_id=post.public_id)
    form = SendBackForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.send_back(post, request.user, note, request)
    messages.success(request, _("The post was sent back to its author for changes."))
    return redirect("posts:review", org=org.slug)


@require(Perm.VIEW)
def image(request: KaikuRequest, org: Organisation, image_id: int) -> HttpResponse:
    """A post's image, for the organisation's members only (media is not served publicly)."""
    found = image_for(request, image_id)
    try:
        with found.file.open("rb") as handle:
            data = handle.read()  # at most a platform's image limit (10 MB)
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(data, content_type=found.mime or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
