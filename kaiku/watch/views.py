"""The watch pages: the ranked digest, item marks, the debate view and suggested accounts.

The sources page lives in views_sources.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaiku.organisations.access import KaikuRequest, require
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm
from kaiku.watch.errors import WatchError
from kaiku.watch.features import debate, digest, discovery
from kaiku.watch.forms import DigestEmailForm
from kaiku.watch.models import Item, Source, Topic
from kaiku.watch.services import set_item_state
from kaiku.watch.sources import platform_names


def _can(request: KaikuRequest, perm: Perm) -> bool:
    return bool(request.membership.can(perm))


def _int(value: str | None, default: int = 0) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    # A database integer is 64 bits: a larger one in a query is a server error, not a filter.
    return number if abs(number) < 2**63 else default


def _filters(request: KaikuRequest, org: Organisation) -> digest.Filters:
    get = request.GET
    topic = Topic.objects.filter(organisation=org, slug=get.get("topic", "")).first()
    source_id = _int(get.get("source"))
    source = Source.objects.filter(organisation=org, pk=source_id).first() if source_id else None
    platform = get.get("platform", "")
    language = get.get("language", "")
    state = get.get("state", "")
    return digest.Filters(
        topic=topic,
        source=source,
        platform=platform if platform in _platforms() else "",
        language=language if language in digest.LANGUAGES else "",
        query=get.get("q", "").strip()[:200],
        state=state if state in ("unread", "starred") else "",
    )


def _platforms() -> dict[str, str]:
    return platform_names()


def _language_names() -> list[tuple[str, str]]:
    return [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]


def _query_without_page(request: KaikuRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require(Perm.VIEW)
def digest_view(request: KaikuRequest, org: Organisation) -> HttpResponse:
    filters = _filters(request, org)
    page = digest.digest_page(
        org, filters, user=request.user, page=max(_int(request.GET.get("page"), 1), 1)
    )
    membership = request.membership
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "topics": list(Topic.objects.filter(organisation=org, enabled=True)),
        "sources": list(
            Source.objects.filter(organisation=org).only("id", "title", "url", "identifier")
        ),
        "platforms": sorted(_platforms().items()),
        "languages": _language_names(),
        "query": _query_without_page(request),
        "can_edit": _can(request, Perm.EDIT_POSTS),
        "can_manage": _can(request, Perm.MANAGE_WATCH),
        "email_form": DigestEmailForm(initial={"frequency": digest.preference(membership)}),
        "email_storable": digest.can_store_preference(),
    }
    template = "watch/_digest_items.html" if request.htmx else "watch/digest.html"
    return render(request, template, context)


def _item(org: Organisation, item_id: int) -> Item:
    return get_object_or_404(Item, organisation=org, pk=item_id)


def _back(request: KaikuRequest, org: Organisation) -> HttpResponse:
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect("watch:digest", org=org.slug)


@require_POST
@require(Perm.VIEW)
def item_mark(request: KaikuRequest, org: Organisation, item_id: int) -> HttpResponse:
    """Toggle read or starred for the reader (htmx: answers with the item's buttons)."""
    item = _item(org, item_id)
    what = request.POST.get("mark", "")
    value = request.POST.get("value") == "1"
    if what == "read":
        state = set_item_state(request.user, item, read=value)
    elif what == "starred":
        state = set_item_state(request.user, item, starred=value)
    else:
        raise Http404
    if request.htmx:
        return render(
            request,
            "watch/_marks.html",
            {
                "item": item,
                "read": state.read,
                "starred": state.starred,
                "next": request.POST.get("next", ""),
            },
        )
    return _back(request, org)


@require_POST
@require(Perm.VIEW)
def email_preference(request: KaikuRequest, org: Organisation) -> HttpResponse:
    form = DigestEmailForm(request.POST)
    membership = request.membership
    if form.is_valid() and digest.set_preference(membership, form.cleaned_data["frequency"]):
        messages.success(request, _("Your e-mail digest choice was saved."))
    else:
        messages.error(request, _("The e-mail digest choice could not be saved."))
    return redirect("watch:digest", org=org.slug)


@require(Perm.VIEW)
def debate_view(request: KaikuRequest, org: Organisation) -> HttpResponse:
    topic = Topic.objects.filter(organisation=org, slug=request.GET.get("topic", "")).first()
    context = {
        "topic": topic,
        "topics": list(Topic.objects.filter(organisation=org, enabled=True)),
        "rising": debate.debate_items(org, debate.rising(org, topic=topic)),
        "stigma": debate.debate_items(org, debate.stigma(org, topic=topic)),
        "covered": debate.covered_kinds(org),
        "can_edit": _can(request, Perm.EDIT_POSTS),
    }
    return render(request, "watch/debate.html", context)


@require(Perm.VIEW)
def discover_view(request: KaikuRequest, org: Organisation) -> HttpResponse:
    context = {
        "groups": discovery.suggestions_by_platform(org),
        "can_manage": _can(request, Perm.MANAGE_WATCH),
        "follow_accounts": discovery.follow_accounts(org),
    }
    return render(request, "watch/discover.html", context)


@require_POST
@require(Perm.MANAGE_WATCH)
def discover_follow(request: KaikuRequest, org: Organisation) -> HttpResponse:
    account = request.POST.get("account", "")
    where = request.POST.get("where", "watch")
    try:
        if where == "watch":
            discovery.follow_as_source(org, account)
            messages.success(
                request,
                _("%(account)s was added to the sources.")
                % {"account": discovery.display_handle(account)},
            )
        else:
            discovery.follow_on_platform(org, account, _int(request.POST.get("channel")))
            messages.success(
                request,
                _("You now follow %(account)s.") % {"account": discovery.display_handle(account)},
            )
    except WatchError as exc:
        messages.error(request, exc.message)
    except discovery.FollowRefused as exc:
        messages.error(request, str(exc))
    return redirect("watch:discover", org=org.slug)
