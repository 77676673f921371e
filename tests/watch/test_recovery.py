"""Recover, don't reject: what a feed reader keeps from a flawed feed, Kaiku keeps too, and each
failure that remains has its own honest code (issue 16, item 2)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from kaiku.watch.errors import WatchError
from kaiku.watch.fetch import Fetcher
from kaiku.watch.ingest.parse import parse_date, parse_feed
from kaiku.watch.ingest.pipeline import run_once
from kaiku.watch.ingest.prepare import prepare
from kaiku.watch.models import Item, Source
from tests.watch.corpus_gen import control_character_cases, cut_off_cases
from tests.watch.server import CORPUS, FeedServer

H = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 01 Jan 1900 00:00:00 GMT", datetime(1900, 1, 1, tzinfo=UTC)),
        ("1900-01-01T00:00:00Z", datetime(1900, 1, 1, tzinfo=UTC)),
        ("Tue, 19 Jan 2038 03:14:08 GMT", datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC)),
        ("2038-01-19T03:14:08Z", datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC)),
        ("Sat, 31 Dec 2016 23:59:60 +0000", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("1969-12-31T23:59:59Z", datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("Thu, 29 Feb 1996 12:00:00 GMT", datetime(1996, 2, 29, 12, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 09:30:00 +02:00", datetime(2024, 3, 5, 9, 30, tzinfo=H)),
        ("2024-03-05t09:30:00z", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-03", datetime(2024, 3, 1, tzinfo=UTC)),
        ("2024", datetime(2024, 1, 1, tzinfo=UTC)),
        ("Tue, 05 Mar 24 09:30:00 +0200", datetime(2024, 3, 5, 9, 30, tzinfo=H)),
        ("Tue, 05 Mar 2024 09:30 +0200", datetime(2024, 3, 5, 9, 30, tzinfo=H)),
        ("05 Mar 2024 09:30:00 EST", datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("tue, 05 mar 2024 09:30:00 +0200", datetime(2024, 3, 5, 9, 30, tzinfo=H)),
        ("2024-03-05T09:30:00.123456789Z", datetime(2024, 3, 5, 9, 30, 0, 123456, tzinfo=UTC)),
        ("2024-03-05T09:30:00+0200", datetime(2024, 3, 5, 9, 30, tzinfo=H)),
        ("20240305T093000Z", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 09:30:00 +0200 (EET)", datetime(2024, 3, 5, 9, 30, tzinfo=H)),
        ("Tuesday, 05 Mar 2024 09:30:00 +0200", datetime(2024, 3, 5, 9, 30, tzinfo=H)),
        ("05 March 2024 09:30:00 +0200", datetime(2024, 3, 5, 9, 30, tzinfo=H)),
        ("Mon, 01 Jan 2001 00:00:00 +1400", datetime(2000, 12, 31, 10, tzinfo=UTC)),
        ("2024-03-05T09:30:00,5+02:00", datetime(2024, 3, 5, 9, 30, 0, 500000, tzinfo=H)),
        ("Tue, 5 Mar 2024 9:30:00 PST", datetime(2024, 3, 5, 17, 30, tzinfo=UTC)),
    ],
)
def test_valid_dates_of_any_year_and_odd_but_valid_forms_are_kept(
    value: str, expected: datetime
) -> None:
    assert parse_date(value) == expected


def test_deeply_nested_xhtml_content_is_flattened_to_its_text() -> None:
    deep = "<div>" * 5000 + "syvällä tekstiä" + "</div>" * 5000
    raw = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>tag:x,2024:1</id><title>Syvä</title>'
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Alku</p>'
        f"{deep}</div></content></entry></feed>"
    ).encode()
    feed = parse_feed(raw)
    [item] = prepare(feed.entries, source_id=1, platform="feed", matcher=None)
    assert item.text == "Alku syvällä tekstiä"


def test_a_deeply_nested_json_feed_value_is_flattened_and_the_items_kept() -> None:
    nested = "[" * 5000 + json.dumps("syvä arvo") + "]" * 5000
    raw = (
        '{"version": "https://jsonfeed.org/version/1.1", "items": ['
        f'{{"id": "1", "title": "Ensimmäinen", "content_text": "x", "_ext": {nested}}},'
        '{"id": "2", "title": "Toinen", "content_text": "y"}]}'
    ).encode()
    feed = parse_feed(raw)
    assert [e.title for e in feed.entries] == ["Ensimmäinen", "Toinen"]


@pytest.mark.parametrize("codec", ["cp037", "cp500", "cp1140", "cp273"])
def test_an_ebcdic_feed_that_declares_its_encoding_is_read(codec: str) -> None:
    text = (CORPUS / "rss_fi.xml").read_text("utf-8")
    raw = text.replace('encoding="UTF-8"', f'encoding="{codec}"').encode(codec, "xmlcharrefreplace")
    feed = parse_feed(raw)
    assert len(feed.entries) == 3
    assert feed.entries[0].title == "Hyvinvointialueiden leikkaukset uhkaavat päihdepalveluja"


@pytest.mark.parametrize("codec", ["koi8-r", "shift_jis", "iso-8859-7", "windows-1251"])
def test_other_declared_encodings_python_knows_are_honoured(codec: str) -> None:
    title = {"koi8-r": "Привет", "shift_jis": "こんにちは", "iso-8859-7": "Καλημέρα"}.get(
        codec, "Здравствуйте"
    )
    raw = (
        f'<?xml version="1.0" encoding="{codec}"?><rss><channel><item><title>{title}</title>'
        "<guid>g</guid></item></channel></rss>"
    ).encode(codec)
    assert parse_feed(raw).entries[0].title == title


def test_the_cut_off_last_item_is_kept_when_its_title_and_link_are_complete() -> None:
    cases = cut_off_cases()
    assert len(cases) >= 30
    for case in cases:
        feed = parse_feed(case.body)
        assert len(feed.entries) == case.good_items, case.name
        assert feed.entries[-1].url == "https://org.example/19", case.name
        assert feed.problem is not None and feed.problem.code == "partial"


def test_an_item_cut_off_inside_its_title_is_not_kept() -> None:
    raw = (CORPUS / "rss_fi.xml").read_bytes()
    last = raw.rindex(b"<title>")
    feed = parse_feed(raw[: last + 12])
    assert len(feed.entries) == 2


def test_a_stray_control_character_costs_nothing_but_itself() -> None:
    cases = control_character_cases()
    assert len(cases) == 15
    for case in cases:
        feed = parse_feed(case.body)
        assert len(feed.entries) == case.good_items, case.name
        assert feed.problem is not None and feed.problem.code == "dropped_characters"
        assert "U+00" in feed.problem.message


@pytest.mark.django_db
def test_a_feed_over_the_size_cap_keeps_the_items_before_the_cap(
    org: Any, feeds: FeedServer, settings: Any
) -> None:
    settings.KAIKU_WATCH_MAX_BYTES = 64 * 1024
    items = "".join(
        f"<item><title>Juttu {n}</title><link>https://big.example/{n}</link>"
        f"<description>{'Päihdetyön arkea. ' * 20}</description></item>"
        for n in range(400)
    )
    body = f"<rss><channel><title>Iso</title>{items}</channel></rss>".encode()
    assert len(body) > 3 * settings.KAIKU_WATCH_MAX_BYTES
    source = Source.objects.create(organisation=org, kind="feed", url=feeds.add("/big.xml", body))
    run_once()
    source.refresh_from_db()
    kept = Item.objects.count()
    assert 50 < kept < 400
    assert source.last_error_code == "too_large_partial"
    assert f"{kept} " in source.last_error
    assert sorted(Item.objects.values_list("url", flat=True))[0] == "https://big.example/0"


def test_the_fetch_of_a_feed_never_holds_more_than_the_cap(feeds: FeedServer) -> None:
    body = b"<rss><channel>" + b"<item><title>x</title></item>" * 100_000 + b"</channel></rss>"
    with Fetcher(limit=100_000) as fetcher:
        result = fetcher.get(feeds.add("/huge.xml", body), partial_ok=True)
        assert result.truncated and len(result.content) == 100_000
        with pytest.raises(WatchError) as caught:  # an API answer is still refused whole
            fetcher.get(feeds.url("/huge.xml"))
    assert caught.value.code == "too_large"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("garbage.xml", b"\x1f\x8b\x08\x00garbage-not-gzip"),
        # mtime=0: the same bytes (and test id) in every pytest-xdist worker's collection
        ("bad_crc.xml", gzip.compress(b"<rss><channel></channel></rss>", mtime=0)[:-8] + b"\0" * 8),
    ],
    ids=["garbage", "bad_crc"],
)
def test_a_broken_gzip_body_is_reported_as_broken_compression(
    org: Any, feeds: FeedServer, name: str, body: bytes
) -> None:
    url = feeds.add(f"/{name}", body, headers={"Content-Encoding": "gzip"})
    source = Source.objects.create(organisation=org, kind="feed", url=url)
    run_once()
    source.refresh_from_db()
    assert source.last_error_code == "bad_compression"
    assert "gzip" in source.last_error


def test_an_undeclared_namespace_prefix_costs_nothing() -> None:
    raw = (
        "<rss><channel><item><title>Kevät</title><dc:creator>Anna</dc:creator>"
        "<guid>https://org.example/k</guid></item></channel></rss>"
    ).encode()
    [entry] = parse_feed(raw).entries
    assert (entry.title, entry.author_name) == ("Kevät", "Anna")
