"""Writing and editing a post: the compose page and its htmx partials."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kaiku.checks import services as check_services
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.access import KaikuRequest, require
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm
from kaiku.posts import compose as compose_service
from kaiku.posts import gate, images, linkcards, previews, services
from kaiku.posts.access import post_for
from kaiku.posts.forms import ComposeForm, ImageFormSet, variant_name, zone
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery

log = logging.getLogger(__name__)


def user_zone(request: KaikuRequest) -> ZoneInfo:
    return zone(getattr(request.user, "time_zone", None))


def _chosen_accounts(post: Post | None) -> list[ChannelAccount]:
    if post is None:
        return []
    return [
        d.account
        for d in post.deliveries.exclude(state=Delivery.State.CANCELLED).select_related("account")
    ]


def _initial_from_query(request: KaikuRequest) -> dict[str, Any]:
    """A reply or quote started elsewhere (the field watch): ``?reply_to=&text=&link=``."""
    initial: dict[str, Any] = {}
    for name in ("reply_to", "link"):
        value = request.GET.get(name, "").strip()
        if value.startswith(("https://", "http://")) and len(value) <= 1000:
            initial[name] = value
    if request.GET.get("text"):
        initial["text"] = request.GET["text"][:20_000]
    return initial


def _initial(post: Post | None, chosen: list[ChannelAccount]) -> dict[str, Any]:
    if post is None:
        return {}
    initial: dict[str, Any] = {
        "reply_to": post.reply_to_url,
        "text": post.text,
        "accounts": chosen,
        "link": post.link,
        "link_title": post.link_card.get("title", ""),
        "link_description": post.link_card.get("description", ""),
        "publish_at": post.scheduled_at,
        "repeat": post.repeat,
        "repeat_until": post.repeat_until,
    }
    for d in post.deliveries.exclude(state=Delivery.State.CANCELLED).select_related("account"):
        if d.text_override:
            initial[variant_name(d.account)] = d.text_override
    return initial


def check_partial_url(org: Organisation) -> str:
    """The live language check (the checks app). Empty when it is not installed yet."""
    try:
        return reverse("checks:partial", kwargs={"org": org.slug})
    except NoReverseMatch:
        return ""


def _accounts_from(form: ComposeForm, data: QueryDict) -> list[ChannelAccount]:
    wanted = set(data.getlist("accounts"))
    return [a for a in form.account_list if str(a.pk) in wanted]


def _variants_from(accounts: list[ChannelAccount], data: QueryDict) -> dict[int, str]:
    return {
        a.pk: data.get(variant_name(a), "").strip()
        for a in accounts
        if data.get(variant_name(a), "").strip()
    }


def _existing_images(post: Post | None, data: QueryDict | None) -> list[dict[str, Any]]:
    """Images already on the post, with the alt text and removal the form asks for."""
    if post is None:
        return []
    rows = []
    for img in post.images.all():
        alt = img.alt_text if data is None else data.get(f"existing_alt_{img.pk}", "").strip()
        remove = data is not None and data.get(f"remove_image_{img.pk}") == "on"
        rows.append({"image": img, "alt": alt, "remove": remove})
    return rows


def _render(
    request: KaikuRequest,
    org: Organisation,
    post: Post | None,
    form: ComposeForm,
    image_forms: Any,
    existing: list[dict[str, Any]],
    extra_errors: list[str] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    if data is not None:
        chosen = _accounts_from(form, data)
        text = data.get("text", "")
        variants = _variants_from(chosen, data)
        link = data.get("link", "").strip()
    else:
        initial_accounts = form.initial.get("accounts") or []
        chosen = list(initial_accounts)
        text = str(form.initial.get("text", ""))
        variants = {
            a.pk: str(form.initial.get(variant_name(a), "")) for a in chosen if a is not None
        }
        link = str(form.initial.get("link") or "")
    image_count = sum(1 for row in existing if not row["remove"])
    alts = [row["alt"] for row in existing if not row["remove"]]
    if data is not None:
        alts += [v for k, v in data.items() if k.startswith("image-") and k.endswith("-alt_text")]
    card = None
    if data is not None and data.get("link") and data.get("link_title", "").strip():
        card = {"title": data["link_title"], "description": data.get("link_description", "")}
    elif data is None and post is not None and post.link:
        card = post.link_card
    texts = gate.texts_of(text, chosen, variants, alts, card, link)
    verdict = (
        services.check_texts(org, texts, link=link, images=image_count) if text.strip() else None
    )
    return render(
        request,
        "posts/compose.html",
        {
            "gate": gate_rows(verdict, chosen) if verdict else None,
            "post": post,
            "form": form,
            "image_forms": image_forms,
            "existing_images": existing,
            "extra_errors": extra_errors or [],
            "previews": previews.previews(text, chosen, variants, link=link, images=image_count)
            if text.strip()
            else [],
            "image_count": image_count,
            "account_rows": [
                {"account": a, "checked": a in chosen, "field_id": f"id_accounts_{i}"}
                for i, a in enumerate(form.account_list)
            ],
            "channels_param": previews.channels_param(chosen),
            "check_url": check_partial_url(org),
            "link_card_needed": any(
                a.connector().limits().client_link_card for a in form.account_list
            ),
        },
        status=status,
    )


@require(Perm.EDIT_POSTS)
def compose(request: KaikuRequest, org: Organisation) -> HttpResponse:
    return _compose(request, org, None)


@require(Perm.EDIT_POSTS)
def edit(request: KaikuRequest, org: Organisation, post_id: UUID) -> HttpResponse:
    return _compose(request, org, post_for(request, post_id))


def _compose(request: KaikuRequest, org: Organisation, post: Post | None) -> HttpResponse:
    tz = user_zone(request)
    chosen = _chosen_accounts(post)
    if request.method != "POST":
        initial = _initial(post, chosen) if post else _initial_from_query(request)
        form = ComposeForm(org=org, tz=tz, chosen=chosen, initial=initial)
        existing = _existing_images(post, None)
        return _render(request, org, post, form, ImageFormSet(prefix="image"), existing)

    action = request.POST.get("action", "save")
    if action == "fetch_link":
        # Without JavaScript the "fetch preview" button submits the whole form.
        data = request.POST.copy()
        card, problem = _fetch_card(data.get("link", ""))
        if card is not None:
            data["link_title"], data["link_description"] = card.title, card.description
        request.POST = data  # type: ignore[assignment]
        if problem:
            messages.error(request, problem)
    form = ComposeForm(request.POST, org=org, tz=tz, chosen=chosen)
    image_forms = ImageFormSet(request.POST, request.FILES, prefix="image")
    existing = _existing_images(post, request.POST)
    if action in {"fetch_link", "preview"}:
        return _render(request, org, post, form, image_forms, existing)

    valid = form.is_valid() & image_forms.is_valid()  # both run, so all errors show at once
    alt_texts = {row["image"].pk: row["alt"] for row in existing if not row["remove"]}
    if not valid:
        errors = [p.message for p in compose_service.missing_alt_texts(alt_texts)]
        return _render(request, org, post, form, image_forms, existing, errors, status=400)
    try:
        saved = compose_service.save_post(
            org,
            request.user,
            form.draft(
                uploads=[
                    images.inspect(f.cleaned_data["file"], f.cleaned_data["alt_text"].strip())
                    for f in image_forms
                    if f.cleaned_data.get("file")
                ],
                alt_texts=alt_texts,
                remove_images=frozenset(row["image"].pk for row in existing if row["remove"]),
            ),
            tz=tz,
            post=post,
            send=action == "send",
            request=request,
        )
    except compose_service.Invalid as invalid:
        errors = []
        for found in invalid.problems:
            if found.field in form.fields:
                form.add_error(found.field, found.message)
            else:
                errors.append(found.message)
        return _render(request, org, post, form, image_forms, existing, errors, status=400)
    except services.NotEditable:
        messages.error(
            request,
            _(
                "The post has already gone out (or is going out now), "
                "so it can no longer be edited."
            ),
        )
        assert post is not None
        return redirect("posts:detail", org=org.slug, post_id=post.public_id)
    if saved.refused:
        messages.error(request, HETU_MESSAGE if saved.refused == "hetu" else CHANGED_MESSAGE)
        return redirect("posts:edit", org=org.slug, post_id=saved.post.public_id)
    if action == "send":
        saved.post.refresh_from_db()
        messages.success(request, sent_message(saved.post, request))
        return redirect("posts:detail", org=org.slug, post_id=saved.post.public_id)
    messages.success(request, _("Draft saved."))
    return redirect("posts:edit", org=org.slug, post_id=saved.post.public_id)


def text_label(target: str, accounts: dict[int, ChannelAccount]) -> str:
    """A publishable text's name on the page ("Own text for Mastodon @x", "Alt text 2")."""
    kind, _sep, key = target.partition(":")
    if kind == "variant" and key.isdigit() and int(key) in accounts:
        account = accounts[int(key)]
        return _("Own text for %(channel)s") % {
            "channel": f"{account.label} {account.display_name or account.handle}"
        }
    if kind == "variant":
        return _("Own text for a channel")
    if kind == "alt":
        return _("Alt text of image %(n)s") % {"n": key}
    if kind == "link_card":
        return _("Link preview")
    if kind == "link":
        return _("Link")
    return _("Main text")


def gate_rows(verdict: services.Verdict, accounts: Sequence[ChannelAccount]) -> dict[str, Any]:
    """The gate's findings per text, for the compose and review pages."""
    by_pk = {a.pk: a for a in accounts}
    return {
        "reason": verdict.reason,
        "why": review_reason_text(verdict.reason) if verdict.reason else "",
        "hetu": verdict.reason == "hetu",
        "texts": [
            {
                "target": t.target,
                "label": text_label(t.target, by_pk),
                "text": t.text,
                "findings": t.shown,
                # The text with its findings marked, as the check page shows it.
                "segments": check_services.segments(t.text, check_services.ordered(t.shown)),
                "hetu": t.hetu,
                "blocking": sum(1 for f in t.findings if f.severity == "block"),
            }
            for t in verdict.texts
        ],
    }


HETU_MESSAGE = gettext_lazy(
    "The post holds a personal identity number (a henkilötunnus or another country's, such as "
    "a personnummer or a Social Security number). Remove it: a post with one can never be "
    "published, whatever the approval. The draft is saved."
)


CHANGED_MESSAGE = gettext_lazy(
    "The post changed while it was being sent, so it was not sent. Check it and send it again."
)


def review_reason_text(reason: str) -> str:
    if reason == "hetu":
        return _(
            "the text holds a personal identity number, which must be removed before the post "
            "can go out"
        )
    if reason == "privacy_block":
        return _("the text may reveal a client's private details, so a reviewer must approve it")
    if reason == "organisation_rule":
        return _("your organisation asks a reviewer to approve every post")
    return reason


def sent_message(post: Post, request: KaikuRequest) -> str:
    if post.state == Post.State.IN_REVIEW:
        return _("The post went to review: %(why)s.") % {
            "why": review_reason_text(post.review_required_reason)
        }
    if post.scheduled_at and post.scheduled_at > timezone.now():
        local = post.scheduled_at.astimezone(user_zone(request))
        return _("The post is scheduled for %(when)s.") % {
            "when": formats.date_format(local.replace(tzinfo=None), "j.n.Y H.i")
        }
    return _("The post is being published now.")


# --- htmx partials (each also has a plain-form fallback on the compose page) ---------------


@require(Perm.EDIT_POSTS)
@require_POST
def preview_partial(request: KaikuRequest, org: Organisation) -> HttpResponse:
    form = ComposeForm(org=org, tz=user_zone(request))
    chosen = _accounts_from(form, request.POST)
    text = request.POST.get("text", "")
    channels = previews.channels_param(chosen)
    link = request.POST.get("link", "").strip()
    try:
        images_count = max(0, min(int(request.POST.get("image_count", "0")), 20))
    except ValueError:
        images_count = 0
    response = render(
        request,
        "posts/_previews.html",
        {
            "previews": previews.previews(
                text,
                chosen,
                _variants_from(chosen, request.POST),
                link=link,
                images=images_count,
            )
            if text.strip()
            else [],
            "channels_param": channels,
            "swap_channels": True,
            "link_title": request.POST.get("link_title", ""),
            "link_description": request.POST.get("link_description", ""),
            "link": request.POST.get("link", ""),
        },
    )
    if channels != request.POST.get("channel_list", ""):
        # The language check counts lengths per channel: run it again for the new choice.
        response["HX-Trigger-After-Settle"] = "channels-changed"
    return response


def _fetch_card(url: str) -> tuple[linkcards.Card | None, str]:
    try:
        clean = forms.URLField(assume_scheme="https").clean(url)
    except forms.ValidationError:
        return None, _("Enter a valid web address first.")
    if not clean:
        return None, _("Enter a web address first.")
    try:
        return linkcards.fetch(clean), ""
    except linkcards.LinkCardError as exc:
        log.info("link preview of %s failed: %s", clean, exc)
        return None, _(
            "The page's title and description could not be read. You can write them yourself."
        )


@require(Perm.EDIT_POSTS)
@require_POST
def link_preview(request: KaikuRequest, org: Organisation) -> HttpResponse:
    card, problem = _fetch_card(request.POST.get("link", ""))
    response = render(
        request,
        "posts/_link_card.html",
        {
            "link_title": card.title if card else request.POST.get("link_title", ""),
            "link_description": card.description
            if card
            else request.POST.get("link_description", ""),
            "problem": problem,
            "fetched": card is not None,
        },
    )
    if card is not None:
        response["HX-Trigger-After-Settle"] = "link-card-changed"  # the previews show the card
    return response
