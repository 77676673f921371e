from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from kaiku.core.dashboard import dashboard as dashboard_for
from kaiku.jobs.services import worker_health
from kaiku.organisations.access import SESSION_KEY, KaikuRequest, request_memberships, require
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm, Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    mine = request_memberships(request)
    if not mine:
        return render(request, "core/no_organisation.html")
    wanted = request.session.get(SESSION_KEY)
    chosen = next((m for m in mine if m.organisation.slug == wanted), mine[0])
    return redirect("core:dashboard", org=chosen.organisation.slug)


@require(Perm.VIEW)
def dashboard(request: KaikuRequest, org: Organisation) -> HttpResponse:
    if request.GET.get("health") and request.membership.role == Role.ADMIN:
        return render(request, "core/health_badge.html", {"health": health_state()})
    membership = request.membership
    context = dashboard_for(org, membership)
    if membership.role == Role.ADMIN:
        # The worker's card is for the people who can act on it, and only when it is unwell.
        health = health_state()
        context["health"] = None if health["ok"] else health
    return render(request, "core/dashboard.html", context)


def health_state() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any database failure is reported, not raised
        return {"ok": False, "database": {"ok": False, "error": str(exc)[:200]}, "worker": None}
    worker = worker_health()
    return {"ok": bool(worker["ok"]), "database": database, "worker": worker}


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and a worker beat recently; 503 otherwise."""
    state = health_state()
    return JsonResponse(state, status=200 if state["ok"] else 503)


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the installed app shows when the network is gone (the service worker keeps it)."""
    return render(request, "core/offline.html")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the root so that its scope is the whole site."""
    response = render(request, "core/sw.js", content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response
