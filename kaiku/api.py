"""The REST API at /api/v1/ (OpenAPI at /api/v1/docs). Each domain adds its own router."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer

from kaiku.accounts.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at=None, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class OfflineSwagger(Swagger):
    """Swagger UI from Kaiku's own static files (kaiku/static/vendor/swagger-ui/).

    django-ninja loads it from a CDN unless "ninja" is an installed app; the docs page must
    work offline and tell no third party who reads it. No validator badge either: Swagger UI
    would send the whole API document to validator.swagger.io.
    """

    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"swagger_settings": settings, "api": api})


api = NinjaAPI(
    title="Kaiku API",
    version="1",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    docs=OfflineSwagger(settings={"validatorUrl": None}),
)


def _register() -> None:
    from kaiku.checks.api import router as checks_router
    from kaiku.organisations.api import router as organisations_router

    api.add_router("/", organisations_router)
    api.add_router("/", checks_router)

    from kaiku.posts.api import router as posts_router

    api.add_router("/", posts_router)

    from kaiku.watch.api import router as watch_router

    api.add_router("/", watch_router)


_register()
