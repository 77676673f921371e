"""The REST API at /api/v1/ (OpenAPI at /api/v1/docs). Each domain adds its own router."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer

from kaiku.accounts.models import ApiToken, hash_token
from kaiku.accounts.services import token_refused
from kaiku.checks.api import router as checks_router
from kaiku.organisations.access import request_memberships
from kaiku.organisations.api import router as organisations_router
from kaiku.posts.api import router as posts_router
from kaiku.watch.api import router as watch_router


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at=None, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        request.user = found.user
        # The memberships the two-factor rule needs are those the endpoint's access check
        # needs next: loaded once for both.
        if token_refused(found, request_memberships(request)):
            request.user = AnonymousUser()
            raise HttpError(
                403,
                "This token was created without two-factor sign-in, and an organisation you "
                "administer requires it: turn on two-factor sign-in and create a new token.",
            )
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
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


# What every error answer under /api/ looks like (kaiku.core.middleware.ApiJsonErrorsMiddleware
# makes Django's own 404, 405 and 500 pages look like it too): a message, or for a request that
# does not match the schema (422) the list of what is wrong where.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "object"}},
            ]
        }
    },
    "required": ["detail"],
}
ERROR_DESCRIPTIONS = {
    "400": "The request body is not JSON, or too large",
    "401": "No valid API token",
    "403": "Your role does not allow this",
    "404": "No such organisation (or you are not its member), or no such object",
    "422": "The request does not match the schema, or its values are refused",
}

# Creating a post: its words changed between the safety gate's check and the scheduling (a
# parallel edit), so nothing was sent and the post stays a draft.
CHANGED_WHILE_SENT = "The post changed while it was being sent; it stays a draft"


# Listing posts: a filter value that cannot be read is refused, never ignored.
FILTER_REFUSED = "A filter value cannot be read; the message says which and what would do"


class KaikuAPI(NinjaAPI):
    """The API whose OpenAPI document lists the errors each operation answers, not only 2xx."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for path, methods in schema.get("paths", {}).items():
            for method, operation in methods.items():
                if not operation.get("security"):
                    continue  # the public health check answers 200 and nothing else
                responses = operation.setdefault("responses", {})
                errors = dict(ERROR_DESCRIPTIONS)
                if method == "post" and path.endswith("/posts"):
                    errors["409"] = CHANGED_WHILE_SENT
                if method == "get" and path.endswith("/posts"):
                    errors["400"] = FILTER_REFUSED
                for code, description in errors.items():
                    responses.setdefault(
                        code,
                        {
                            "description": description,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    )
        return schema


api = KaikuAPI(
    title="Kaiku API",
    version="1",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    docs=OfflineSwagger(settings={"validatorUrl": None}),
)


def _register() -> None:
    api.add_router("/", organisations_router)
    api.add_router("/", checks_router)
    api.add_router("/", posts_router)
    api.add_router("/", watch_router)


_register()
