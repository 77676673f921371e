from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from kaiku.accounts.services import two_factor_required_by
from kaiku.organisations.access import request_memberships


class FinnishFirstLocaleMiddleware:
    """Finnish unless the person chose otherwise (their own page, or the language menu).

    Django's LocaleMiddleware would follow the browser's Accept-Language; Kaiku is Finnish
    first, so an English-language browser still gets Finnish until someone picks English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language() or language)
        return response


class UserLanguageMiddleware:
    """A logged-in user sees Kaiku in their own language and time zone (from their page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class TwoFactorMiddleware:
    """Admins of an organisation that demands two-factor sign-in must set it up first."""

    _open_prefixes = ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/health", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.has_two_factor
            and not request.path.startswith(self._open_prefixes)
            and not request.path.startswith("/api/")
            # The request's memberships, which require() and the menu use too: no query of
            # its own.
            and two_factor_required_by(request_memberships(request))
        ):
            return redirect(reverse("accounts:two_factor_setup") + "?required=1")
        return self.get_response(request)
