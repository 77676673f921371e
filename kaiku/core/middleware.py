"""Security headers that Django 5.2 does not set itself."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

# Scripts and styles only from Kaiku's own static files: an injected <script> or on* handler
# does nothing even if a template ever let one through. Style *attributes* stay allowed (a
# few templates use them; they cannot run code), <style> elements do not. Images may come
# from https: the watch shows pictures of the feeds it follows. No form-action: connecting a
# platform posts to Kaiku, which redirects to the platform's own sign-in page.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-elem 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data: https:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


API_PREFIX = "/api/"


class ApiJsonErrorsMiddleware:
    """Every error under /api/ is JSON, as the API document says: Django's own 404 (no such
    route), 405, 400 (a body too large) and 500 pages are HTML otherwise. Django has already
    logged a server error by the time its page reaches here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replaced = JsonResponse(
                {"detail": response.reason_phrase or "Error"}, status=response.status_code
            )
            if "Allow" in response:
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
