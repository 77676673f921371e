"""Small things that add up, checked on every page an admin of the demo organisation opens
(the pages are read from the URL configuration): no "---------" as an empty choice, no two
elements with one id, and a real icon at /favicon.ico instead of a 404 on every page."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from tests.foundation.test_every_word_translated import _urls, demo_org

pytestmark = pytest.mark.django_db

__all__ = ["demo_org"]  # the fixture, used by name


def _pages(members: dict[str, Any], values: dict[str, Any]) -> dict[str, str]:
    client = Client(raise_request_exception=False)
    client.force_login(members["admin"])
    pages = {}
    for url in _urls(values):
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            pages[url] = response.content.decode()
    assert len(pages) > 30, sorted(pages)
    return pages


def test_no_page_offers_dashes_as_an_empty_choice_or_gives_two_elements_one_id(
    members: dict[str, Any], demo_org: dict[str, Any]
) -> None:
    dashes, twice = [], {}
    for url, html in _pages(members, demo_org).items():
        if "---------" in html:
            dashes.append(url)
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        if repeated := [name for name, n in ids.items() if n > 1]:
            twice[url] = repeated
    assert not dashes
    assert not twice


def test_the_empty_choices_are_worded(client_for: Any) -> None:
    check = client_for("editor").get("/o/toivon-polku/check/").content.decode()
    assert '<option value="" selected>Valitse kieli</option>' in check
    assert '<option value="" selected>Valitse, mitä sanalle tehdään</option>' in check


def test_favicon_is_a_real_icon_for_anyone(client: Any) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO" and icon.size[0] >= 16
