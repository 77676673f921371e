"""Defence in depth on every HTML page: a Content-Security-Policy that allows no inline script,
and no template that needs one (inline <script> or on* handler attributes)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kaiku.connections.models import ChannelAccount

ROOT = Path(__file__).resolve().parents[2]
BASE = "/o/toivon-polku/"
MEMBER_PAGES = [
    BASE,
    BASE + "posts/",
    BASE + "posts/new/",
    BASE + "review/",
    BASE + "calendar/",
    BASE + "channels/",
    BASE + "check/",
    BASE + "watch/",
    BASE + "watch/sources/",
    BASE + "watch/topics/",
    BASE + "members/",
    BASE + "settings/",
    BASE + "audit/",
    "/accounts/me/",
    "/accounts/two-factor/",
]
PUBLIC_PAGES = ["/accounts/login/", "/accounts/password/reset/", "/f/toivon-polku/", "/api/v1/docs"]


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _assert_strict_policy(response: Any, path: str) -> None:
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("text/html"), path
    policy = _directives(response.get("Content-Security-Policy", ""))
    assert policy.get("script-src") == ["'self'"], (path, policy)
    assert policy.get("object-src") == ["'none'"], path
    assert policy.get("frame-ancestors") == ["'none'"], path
    assert "'unsafe-inline'" not in policy.get("style-src-elem", ["'unsafe-inline'"]), path


@pytest.mark.django_db
def test_every_member_page_has_a_policy_that_allows_no_inline_script(client_for: Any) -> None:
    client = client_for("admin")
    for path in MEMBER_PAGES:
        _assert_strict_policy(client.get(path), path)


@pytest.mark.django_db
def test_every_public_page_has_the_same_policy(org: Any) -> None:
    ChannelAccount.objects.create(organisation=org, platform="feed", handle=org.slug)
    for path in PUBLIC_PAGES:
        _assert_strict_policy(Client().get(path), path)


INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>"
)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_an_event_handler_attribute() -> None:
    found = []
    for template in sorted((ROOT / "kaiku").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER):
            found += [f"{template.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert not found, found
