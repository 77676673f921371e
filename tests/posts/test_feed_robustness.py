"""One stored entry never takes the public feed down: whatever text a feed entry holds, the
Atom and RSS feeds are well-formed XML (read back by expat, not by Django's writer) and the
page and the permalink page answer 200 with no control character in them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import DataError, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.site.models import FeedEntry

pytestmark = pytest.mark.django_db

BASE = "/f/toivon-polku/"
# What XML 1.0 cannot carry at all (its Char production), and the controls no platform keeps.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Any text a database can hold: lone surrogates cannot be encoded for any of them, and
# PostgreSQL refuses NUL in text (so on PostgreSQL such a post could never be stored).
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # type: ignore[arg-type]
    min_size=1,
    max_size=300,
).map(lambda t: t.replace("\x00", "") if connection.vendor == "postgresql" else t)
salted = st.sampled_from(["\x1b[31m", "\x00", "\x0b", "\ufffe", "\x7f", "\x85", "\x9f"])


def _store(org: Any, text: str, alt: str) -> FeedEntry:
    return FeedEntry.objects.create(
        organisation=org,
        key=f"k{FeedEntry.objects.count()}",
        text=text,
        image_alt=alt,
        published_at=datetime(2030, 5, 1, 12, 0, tzinfo=UTC),
    )


def _well_formed(body: bytes) -> ET.Element:
    return ET.fromstring(body)  # expat: raises ParseError on anything not well-formed XML


@pytest.mark.slow  # 5 s or more on the shared machine: `make test` runs it, `make unit` not
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=texts, salt=salted, alt=texts)
def test_any_stored_text_leaves_the_feeds_well_formed_and_the_pages_working(
    org: Any, feed_account: Any, text: str, salt: str, alt: str
) -> None:
    FeedEntry.objects.all().delete()
    if connection.vendor == "postgresql":
        salt = salt.replace("\x00", "")
    entry = _store(org, text[: len(text) // 2] + salt + text[len(text) // 2 :], alt)
    client = Client()
    for feed, item_tag in (("atom.xml", "{http://www.w3.org/2005/Atom}entry"), ("rss.xml", "item")):
        response = client.get(BASE + feed)
        assert response.status_code == 200, feed
        root = _well_formed(response.content)
        assert len(list(root.iter(item_tag))) == 1, feed
        assert not NOT_XML.search(response.content.decode("utf-8"))
    for path in ("", f"{entry.pk}/"):
        response = client.get(BASE + path)
        assert response.status_code == 200, path
        assert not CONTROLS.search(response.content.decode("utf-8")), path


def test_an_escape_character_in_a_published_text_keeps_both_feeds_readable(
    org: Any, feed_account: Any
) -> None:
    _store(org, "Tervetuloa \x1b[1mkevätjuhlaan\x1b[0m!", "")
    for feed in ("atom.xml", "rss.xml"):
        response = Client().get(BASE + feed)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Tervetuloa [1mkevätjuhlaan[0m!" in body
        _well_formed(response.content)


def test_a_nul_in_the_text_never_reaches_the_permalink_page_title(
    org: Any, feed_account: Any
) -> None:
    if connection.vendor == "postgresql":
        # PostgreSQL cannot store NUL in text at all: there it never gets as far as a page.
        with pytest.raises((ValueError, DataError)), transaction.atomic():
            _store(org, "Otsikko\x00ja loput", "")
        return
    entry = _store(org, "Otsikko\x00ja loput", "")
    response = Client().get(f"{BASE}{entry.pk}/")
    assert response.status_code == 200
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert title is not None
    assert "\x00" not in title.group(1)
    assert "Otsikkoja loput" in title.group(1)
