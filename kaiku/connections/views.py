"""The channels page: connected accounts, and connecting, reconnecting and disconnecting them."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any
from uuid import UUID

import httpx
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaiku.channels.base import AccountSetup, ChannelError, Redirect
from kaiku.channels.registry import platforms
from kaiku.connections import guides
from kaiku.connections import services as channel_services
from kaiku.connections.access import account_for
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.access import KaikuRequest, require
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm
from kaiku.posts.errors import connect_error_message
from kaiku.posts.forms import connect_form

log = logging.getLogger(__name__)

SESSION_KEY = "kaiku_connect"
PENDING_SECONDS = 30 * 60
MAX_PENDING = 5


def _can(request: KaikuRequest, perm: Perm) -> bool:
    return bool(request.membership.can(perm))


def callback_url(org: Organisation, platform: str) -> str:
    # The address registered with the platform: the public one, whatever host served the page.
    return settings.PUBLIC_URL + reverse(
        "posts:channel_callback", kwargs={"org": org.slug, "platform": platform}
    )


def _public_addresses(account: ChannelAccount) -> list[tuple[str, str]]:
    """The own feed's public page and its Atom and RSS addresses, to share or subscribe to."""
    if account.platform != "feed" or account.status == "disconnected":
        return []
    slug = str(account.settings.get("organisation") or account.handle)
    return [
        (str(label), settings.PUBLIC_URL + reverse(name, kwargs={"slug": slug}))
        for label, name in (
            (_("Public page"), "feed:index"),
            (_("Atom feed"), "feed:atom"),
            (_("RSS feed"), "feed:rss"),
        )
    ]


def _page(
    request: KaikuRequest,
    org: Organisation,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    accounts = list(ChannelAccount.objects.filter(organisation=org))
    known = channel_services.available_platforms()
    labels = {p.platform: p.label for p in known}
    # A one-click platform (the own feed) has one account per organisation: once connected,
    # its connect card would only offer what is already there.
    connected = {a.platform for a in accounts if a.status != "disconnected"}
    entries = []
    for entry in known:
        if entry.one_click and entry.platform in connected and entry.platform not in (forms or {}):
            continue
        form = (forms or {}).get(entry.platform) or connect_form(
            entry.fields, prefix=entry.platform
        )
        guide = entry.connector.setup_guide if entry.connector else ""
        entries.append(
            {
                "entry": entry,
                "form": form,
                "guide": guide,
                # OAuth platforms: the address to paste into the organisation's own app.
                "callback": callback_url(org, entry.platform) if guide else "",
            }
        )
    return render(
        request,
        "connections/channels.html",
        {
            "accounts": [
                {
                    "account": a,
                    "label": labels.get(a.platform, a.platform),
                    "expires_soon": channel_services.expires_soon(a),
                    "addresses": _public_addresses(a),
                }
                for a in accounts
            ],
            "platforms": entries,
            "can_manage": _can(request, Perm.MANAGE_CHANNELS),
        },
        status=status,
    )


@require(Perm.VIEW)
def channels(request: KaikuRequest, org: Organisation) -> HttpResponse:
    return _page(request, org)


def _connector_failure(error: Exception) -> str:
    if isinstance(error, ChannelError):
        return _("Connecting failed: %(reason)s") % {
            "reason": connect_error_message(error.code, error.detail)
        }
    return _("The platform could not be reached. Check the address and try again in a moment.")


def _finish(
    request: KaikuRequest, org: Organisation, platform: str, setup: AccountSetup
) -> HttpResponse:
    result = channel_services.save_account(org, platform, setup, user=request.user, request=request)
    name = f"{result.account.label} {result.account.display_name or result.account.handle}"
    if result.created:
        messages.success(request, _("%(account)s is connected.") % {"account": name})
    elif result.released:
        messages.success(
            request,
            _("%(account)s is connected again. %(n)d waiting posts go out now.")
            % {"account": name, "n": result.released},
        )
    else:
        messages.success(request, _("%(account)s is connected again.") % {"account": name})
    return redirect("posts:channels", org=org.slug)


def _remember(
    request: KaikuRequest, org: Organisation, platform: str, state: dict[str, Any]
) -> None:
    now = time.time()
    pending: dict[str, Any] = {
        token: item
        for token, item in request.session.get(SESSION_KEY, {}).items()
        if now - float(item.get("at", 0)) < PENDING_SECONDS
    }
    # A few unfinished attempts at most: the newest ones.
    for token in sorted(pending, key=lambda t: pending[t]["at"])[: -MAX_PENDING + 1]:
        del pending[token]
    pending[secrets.token_urlsafe(16)] = {
        "org": org.slug,
        "platform": platform,
        "state": channel_services.seal_connect_state(state),
        "at": now,
    }
    request.session[SESSION_KEY] = pending


def _take_pending(request: KaikuRequest, org: Organisation, platform: str) -> dict[str, Any] | None:
    """The unfinished connect attempt this callback belongs to (used once)."""
    now = time.time()
    pending: dict[str, Any] = request.session.get(SESSION_KEY, {})
    mine = [
        (token, item)
        for token, item in pending.items()
        if item.get("org") == org.slug
        and item.get("platform") == platform
        and now - float(item.get("at", 0)) < PENDING_SECONDS
    ]
    if not mine:
        return None
    returned = request.GET.get("state", "")
    # The platform echoes the state value the connector put in its address: prefer the
    # attempt holding it, else the newest one (the connector checks the state itself).
    matching = [
        (t, i) for t, i in mine if channel_services.connect_state_matches(i["state"], returned)
    ]
    token, item = max(matching or mine, key=lambda pair: float(pair[1]["at"]))
    del pending[token]
    request.session[SESSION_KEY] = pending
    return channel_services.open_connect_state(item["state"])


@require(Perm.MANAGE_CHANNELS)
@require_POST
def connect(request: KaikuRequest, org: Organisation, platform: str) -> HttpResponse:
    entry = channel_services.load_platform(platform) if platform in _platform_names() else None
    if entry is None:
        raise Http404
    if entry.connector is None:
        messages.error(
            request,
            _("%(platform)s cannot be connected right now. Try again later.")
            % {"platform": entry.label},
        )
        return redirect("posts:channels", org=org.slug)
    form = connect_form(entry.fields, request.POST, prefix=platform)
    if not form.is_valid():
        return _page(request, org, {platform: form}, status=400)
    data = channel_services.connect_data(
        org, {k: str(v) for k, v in form.cleaned_data.items() if v not in (None, "")}
    )
    try:
        result = entry.connector.start_connect(data, callback_url(org, platform))
    except (ChannelError, httpx.HTTPError) as error:
        log.warning("connecting %s for %s failed: %s", platform, org.slug, error)
        messages.error(request, _connector_failure(error))
        return redirect("posts:channels", org=org.slug)
    if isinstance(result, Redirect):
        _remember(request, org, platform, dict(result.state))
        return redirect(result.url)
    return _finish(request, org, platform, result)


@require(Perm.MANAGE_CHANNELS)
def connect_callback(request: KaikuRequest, org: Organisation, platform: str) -> HttpResponse:
    if platform not in _platform_names():
        raise Http404
    entry = channel_services.load_platform(platform)
    state = _take_pending(request, org, platform)
    if entry.connector is None or state is None:
        messages.error(
            request,
            _("This connection attempt has expired or was already used. Start again."),
        )
        return redirect("posts:channels", org=org.slug)
    query = {k: str(v) for k, v in request.GET.items()}
    try:
        setup = entry.connector.finish_connect(state, query, callback_url(org, platform))
    except (ChannelError, httpx.HTTPError) as error:
        log.warning("finishing the %s connection for %s failed: %s", platform, org.slug, error)
        messages.error(request, _connector_failure(error))
        return redirect("posts:channels", org=org.slug)
    return _finish(request, org, platform, setup)


@require(Perm.MANAGE_CHANNELS)
@require_POST
def disconnect(request: KaikuRequest, org: Organisation, account_id: UUID) -> HttpResponse:
    account = account_for(request, account_id)
    held = channel_services.disconnect(account, request=request)
    text = _("%(account)s is disconnected.") % {"account": f"{account.label} {account.handle}"}
    if held:
        text += " " + _(
            "%(n)d posts waiting for it are kept and go out when it is connected again."
        ) % {"n": held}
    messages.success(request, text)
    return redirect("posts:channels", org=org.slug)


def _platform_names() -> set[str]:
    return set(platforms())


@require(Perm.VIEW)
def setup_guide(request: KaikuRequest, org: Organisation, name: str) -> HttpResponse:
    found = guides.guide(name)
    if found is None:
        raise Http404
    html, language = found
    callbacks = [
        (p.label, callback_url(org, p.platform))
        for p in channel_services.available_platforms()
        if p.connector is not None and p.connector.setup_guide == name
    ]
    return render(
        request,
        "connections/guide.html",
        {"guide": html, "guide_language": language, "callbacks": callbacks},
    )
