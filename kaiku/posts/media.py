"""Signed, expiring public addresses of post images, for platforms that fetch images
themselves (Instagram and Threads download the image from a URL given to them)."""

from __future__ import annotations

import mimetypes
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse

from kaiku.http import private_host_allowed
from kaiku.posts.models import PostImage

SALT = "kaiku.posts.media"
MAX_AGE_SECONDS = 6 * 3600


def has_public_address() -> bool:
    """Whether the platforms can reach this Kaiku (a loopback address they cannot)."""
    parts = urlsplit(settings.PUBLIC_URL)
    host = parts.hostname or ""
    local = host in {"127.0.0.1", "localhost", "::1"} or host.endswith(".local")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return not local or private_host_allowed(host, port)


def signed_url(image: PostImage) -> str:
    if not has_public_address():
        return ""
    token = signing.dumps({"i": image.pk}, salt=SALT, compress=True)
    return settings.PUBLIC_URL + reverse("media_signed", args=[token])


def serve_signed(request: HttpRequest, token: str) -> FileResponse:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise Http404 from None
    image = PostImage.objects.filter(pk=data.get("i"), post__deleted_at=None).first()
    if image is None or not image.file:
        raise Http404
    mime = image.mime or mimetypes.guess_type(str(image.file.name))[0] or "application/octet-stream"
    if not mime.startswith("image/") or mime == "image/svg+xml":
        raise Http404
    response = FileResponse(image.file.open("rb"), content_type=mime)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
