"""The REST API at /api/v1/ (OpenAPI at /api/v1/docs). Each domain adds its own router."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.security import HttpBearer

from kaiku.accounts.models import ApiToken, hash_token
from kaiku.accounts.services import token_refused


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at=None, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        if token_refused(found):
            raise HttpError(
                403,
                "This token was created without two-factor sign-in, and an organisation you "
                "administer requires it: turn on two-factor sign-in and create a new token.",
            )
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="Kaiku API",
    version="1",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
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
