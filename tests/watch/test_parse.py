# ruff: noqa: E501  (recorded payloads and feed snippets read best on one line)
"""The feed parser: formats, Finnish text, encodings, dates, and hostile XML."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta

import pytest

from kaiku.watch.errors import WatchError
from kaiku.watch.ingest.parse import decode, parse_date, parse_feed
from tests.watch.server import CORPUS


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def test_rss_with_finnish_text_cdata_and_namespaces_is_read() -> None:
    feed = parse_feed(corpus("rss_fi.xml"))
    assert feed.format == "rss"
    assert feed.title == "Toivon Polku ry – ajankohtaista"
    assert feed.site_url == "https://toivonpolku.example/"
    first, second, third = feed.entries
    assert first.title == "Hyvinvointialueiden leikkaukset uhkaavat päihdepalveluja"
    assert first.guid == "https://toivonpolku.example/?p=101"
    assert first.author_name == "Maija Meikäläinen"
    assert "<strong>päihdepalvelujen</strong>" in first.html  # content:encoded wins
    assert first.published == datetime(2024, 3, 5, 7, 30, tzinfo=UTC)
    assert second.published == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)  # "EET"
    assert third.guid == "https://toivonpolku.example/2024/kokemus/"  # no guid: the link
    assert third.published is not None and third.published.day == 1  # "01.03.2024 klo 10.15"


def test_atom_with_xhtml_content_is_read() -> None:
    feed = parse_feed(corpus("atom_en.atom"))
    assert feed.format == "atom"
    assert feed.site_url == "https://recovery.example/"
    first, second = feed.entries
    assert first.title == "Harm reduction <em>works</em>"
    assert "<b>wellbeing services counties</b>" in first.html
    assert first.author_name == "Alex Writer"
    assert first.global_guid
    assert second.url == "https://recovery.example/housing-first"
    assert "&amp; keeps" in second.html  # type="text" is escaped, never markup


def test_json_feed_items_are_read_and_junk_items_skipped() -> None:
    feed = parse_feed(corpus("feed.json"))
    assert feed.format == "json"
    assert [e.guid for e in feed.entries] == ["1", "2"]
    assert feed.entries[0].author_name == "Mieli Toimitus"
    assert "Toinen rivi" in feed.entries[1].html and "<br>" in feed.entries[1].html


def test_youtube_feed_gives_description_and_counts() -> None:
    entry = parse_feed(corpus("youtube.xml")).entries[0]
    assert entry.engagement == {"views": 1234, "likes": 42}
    assert "vertaistuki auttaa" in entry.html


def test_a_latin1_feed_is_decoded_by_its_declaration() -> None:
    entry = parse_feed(corpus("latin1.xml")).entries[0]
    assert entry.title == "Päihdetyön päivä"
    assert entry.html == "Älä unohda"


def test_utf16_with_a_byte_order_mark_is_decoded() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><rss><channel><item><title>Mielenterveysviikko</title><guid>u</guid></item></channel></rss>'
    feed = parse_feed(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert feed.entries[0].title == "Mielenterveysviikko"


def test_a_utf8_feed_mislabelled_as_latin1_is_read_as_utf8() -> None:
    raw = '<?xml version="1.0" encoding="iso-8859-1"?><rss><channel><item><title>Hyvinvointialue</title><description>Päihdepalvelut</description><guid>m</guid></item></channel></rss>'
    assert parse_feed(raw.encode("utf-8")).entries[0].html == "Päihdepalvelut"


def test_mixed_encodings_read_the_stray_bytes_as_windows_1252() -> None:
    raw = "Päihde ".encode() + "työ".encode("latin-1")
    assert decode(raw) == "Päihde työ"


def test_the_http_charset_is_used_when_nothing_else_decodes() -> None:
    raw = "<rss><channel><item><title>Ääni</title><guid>h</guid></item></channel></rss>"
    feed = parse_feed(raw.encode("cp1252"), charset="windows-1252")
    assert feed.entries[0].title == "Ääni"


def test_html_named_entities_are_understood() -> None:
    raw = b"<rss><channel><item><title>Sote&nbsp;uudistus &auml;&ouml; &bogus;</title><guid>e</guid></item></channel></rss>"
    assert parse_feed(raw).entries[0].title == "Sote\xa0uudistus äö &bogus;"


def test_a_truncated_feed_keeps_the_items_before_the_break() -> None:
    raw = corpus("rss_fi.xml")
    cut = raw.index(b"<item>", raw.index(b"<item>") + 10) + 30
    feed = parse_feed(raw[:cut])
    assert len(feed.entries) == 1
    assert feed.problem is not None and feed.problem.code == "partial"


def test_a_feed_broken_before_any_item_is_malformed() -> None:
    with pytest.raises(WatchError) as caught:
        parse_feed(b"<rss><channel><title>x</ti")
    assert caught.value.code == "malformed"


def test_billion_laughs_is_refused_without_expanding() -> None:
    with pytest.raises(WatchError) as caught:
        parse_feed(corpus("billion_laughs.xml"))
    assert caught.value.code == "xml_entities"


def test_external_entities_are_refused() -> None:
    with pytest.raises(WatchError) as caught:
        parse_feed(corpus("xxe.xml"))
    assert caught.value.code == "xml_entities"


def test_an_html_page_is_not_a_feed() -> None:
    with pytest.raises(WatchError) as caught:
        parse_feed(corpus("site.html"))
    assert caught.value.code == "not_a_feed"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 05 Mar 2024 09:30:00 +0200", datetime(2024, 3, 5, 7, 30, tzinfo=UTC)),
        ("2024-03-05T09:30:00Z", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-03-05T09:30:00.123+02:00", datetime(2024, 3, 5, 7, 30, 0, 123000, tzinfo=UTC)),
        ("Tue, 5 Mar 2024 09:30:00 EEST", datetime(2024, 3, 5, 6, 30, tzinfo=UTC)),
        ("5.3.2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("ti, 05.03.2024 klo 9.30", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-03-05 09:30:00", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 09:30:00 GMT", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
    ],
)
def test_dates_in_common_and_odd_forms_are_read(value: str, expected: datetime) -> None:
    assert parse_date(value) == expected


def test_unreadable_dates_are_dropped_and_valid_ones_of_any_year_kept() -> None:
    future = datetime.now(UTC) + timedelta(days=30)
    assert parse_date("eilen") is None
    assert parse_date("31.02.2024") is None
    # A date after the fetch is kept; the digest ranks the item by its fetch (rank_time).
    assert parse_date(future.isoformat()) == future
    assert parse_date("1970-01-01T00:00:00Z") == datetime(1970, 1, 1, tzinfo=UTC)
