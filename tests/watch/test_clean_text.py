# ruff: noqa: RUF001
"""Clean text everywhere it is stored: item and source titles, authors, summaries and text carry
no control characters, bidi overrides or embeddings, or zero-width characters, whatever a feed
sends (literally or as character references). Right-to-left text itself is kept.

The oracle is Unicode's own data (``unicodedata``), not the list the code removes."""

from __future__ import annotations

import itertools
import unicodedata
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.watch.ingest.parse import Entry, parse_feed
from kaiku.watch.ingest.pipeline import run_once
from kaiku.watch.ingest.prepare import prepare_one
from kaiku.watch.ingest.store import store
from kaiku.watch.models import Item, Source
from tests.watch.server import FeedServer

BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f"}


def forbidden(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "Cc":  # C0, DEL and C1 controls; whitespace controls are no harm
        return char not in "\t\n\r"
    return category == "Cs" or char in BIDI_CONTROLS or char in ZERO_WIDTH


def bad_characters(value: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in value if forbidden(c)]


HOSTILE = sorted(
    {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))} | BIDI_CONTROLS | ZERO_WIDTH
)
# Each hostile character literally and as a decimal or hexadecimal character reference.
_pieces = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8),
    st.sampled_from(HOSTILE),
    st.sampled_from(HOSTILE).map(lambda c: f"&#x{ord(c):X};"),
    st.sampled_from(HOSTILE).map(lambda c: f"&#{ord(c)};"),
    st.sampled_from(["Päihdetyö", "مرحبا بالعالم", "<b>lihava</b>", "&amp;", " ", "שלום"]),
)
hostile_text = st.lists(_pieces, max_size=12).map("".join)
_counter = itertools.count()


def _stored_text(item: Item) -> dict[str, str]:
    return {
        "title": item.title,
        "summary_html": item.summary_html,
        "text": item.text,
        "author_name": item.author_name,
        "author_handle": item.author_handle,
    }


@pytest.mark.django_db
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=hostile_text, body=hostile_text, author=hostile_text, text=hostile_text)
def test_no_stored_item_field_holds_a_control_bidi_or_zero_width_character(
    org: Any, title: str, body: str, author: str, text: str
) -> None:
    source = Source.objects.get_or_create(
        organisation=org, kind="feed", url="https://feeds.example/clean.xml"
    )[0]
    n = next(_counter)
    for platform, entry in (
        ("feed", Entry(guid=f"h-{n}", title=title, html=body, author_name=author)),
        ("mastodon", Entry(guid=f"t-{n}", title=title, text=text, author_handle=author)),
    ):
        prepared = prepare_one(entry, source_id=source.pk, platform=platform, matcher=None)
        store(org.pk, source.pk, [prepared], timezone.now())
        item = Item.objects.get(guid=prepared.guid)
        for name, value in _stored_text(item).items():
            assert not bad_characters(value), (name, value)


@settings(max_examples=200, deadline=None)
@given(title=hostile_text, body=hostile_text)
def test_a_feed_with_hostile_characters_in_its_text_is_read_and_cleaned(
    title: str, body: str
) -> None:
    def xml_escape(value: str) -> str:
        # Character references stay references; bare markup characters are escaped.
        return value.replace("&", "&amp;").replace("&amp;#", "&#").replace("<", "&lt;")

    raw = (
        f"<rss><channel><title>{xml_escape(title)}</title><item><title>{xml_escape(title)}</title>"
        f"<guid>g</guid><description>{xml_escape(body)}</description></item></channel></rss>"
    ).encode("utf-8", "surrogatepass")
    feed = parse_feed(raw)
    assert len(feed.entries) == 1
    prepared = prepare_one(feed.entries[0], source_id=1, platform="feed", matcher=None)
    for value in (prepared.title, prepared.summary_html, prepared.text, prepared.author_name):
        assert not bad_characters(value), value


@pytest.mark.django_db
def test_a_source_title_from_the_feed_is_stored_clean(org: Any, feeds: FeedServer) -> None:
    body = (
        "<rss><channel><title>Uutiset\u202e\u200b\x7f\u0085 &#x2066;tänään&#x2069;</title>"
        "<item><title>Kevät\u200d</title><guid>k</guid></item></channel></rss>"
    )
    source = Source.objects.create(
        organisation=org, kind="feed", url=feeds.add("/bidi.xml", body.encode())
    )
    run_once()
    source.refresh_from_db()
    assert source.title == "Uutiset tänään"
    assert Item.objects.get().title == "Kevät"


def test_right_to_left_text_is_kept_without_controls() -> None:
    entry = Entry(guid="rtl", title="\u202bمرحبا بالعالم\u202c", author_name="\u2067שלום\u2069")
    prepared = prepare_one(entry, source_id=1, platform="feed", matcher=None)
    assert prepared.title == "مرحبا بالعالم"
    assert prepared.author_name == "שלום"
