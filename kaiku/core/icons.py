"""``/favicon.ico``: browsers ask for it on every page whatever the HTML says; without it each
page logs a 404 in the console and the tab shows no icon."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

ICON = settings.BASE_DIR / "static" / "kaiku" / "favicon.ico"


@cache
def _icon() -> bytes:
    return ICON.read_bytes()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_icon(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response
