# ruff: noqa: E501  (recorded payloads and feed snippets read best on one line)
"""Polling feeds into items: sanitising, analysis, topics, merging, errors on the source."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from kaiku.watch import services
from kaiku.watch.ingest.pipeline import run_once
from kaiku.watch.ingest.sanitize import canonical_url, clean_html
from kaiku.watch.models import Item, ItemSource, ItemTopic, Source, Topic
from tests.watch.server import CORPUS, FeedServer

pytestmark = pytest.mark.django_db


def add(org: Any, url: str, **kw: Any) -> Source:
    return services.add_source(org, url, **kw).source


def make_due() -> None:
    Source.objects.update(next_poll_at=timezone.now() - timedelta(seconds=1))


def test_a_feed_is_fetched_and_its_items_stored_sanitised(org: Any, feeds: FeedServer) -> None:
    source = add(org, feeds.url("/corpus/rss_fi.xml"))
    summary = run_once()
    assert (summary.fetched, summary.new, summary.errors) == (1, 3, [])
    item = Item.objects.get(title__startswith="Hyvinvointialueiden")
    assert "<script" not in item.summary_html and "alert" not in item.summary_html
    assert "javascript:" not in item.summary_html and "onclick" not in item.summary_html
    assert 'rel="noopener nofollow noreferrer"' in item.summary_html
    assert item.canonical_url == "https://toivonpolku.example/2024/leikkaukset/"
    assert item.language == "fi"
    assert " hyvinvointialue " in item.lemmas and " päihdepalvelu " in item.lemmas
    assert "mastodon:toivonpolku@mastodon.example" in item.mentioned_accounts
    assert "bluesky:toivonpolku.bsky.social" in item.mentioned_accounts
    assert item.platform == "feed"
    source.refresh_from_db()
    assert source.title == "Toivon Polku ry – ajankohtaista"
    assert source.last_error == "" and source.error_count == 0
    assert source.next_poll_at > timezone.now() + timedelta(minutes=50)


def test_sanitising_removes_scripts_handlers_and_javascript_links() -> None:
    dirty = (
        '<p onmouseover="x()">Hei<script>alert(1)</script><style>p{}</style>'
        '<a href="javascript:alert(1)">a</a><a href="https://ok.example">b</a>'
        '<img src="x" onerror="y()"><iframe src="https://evil.example"></iframe></p>'
    )
    clean = clean_html(dirty)
    for bad in ("script", "alert", "onmouseover", "onerror", "javascript:", "iframe", "style"):
        assert bad not in clean
    assert '<a href="https://ok.example" rel="noopener nofollow noreferrer">b</a>' in clean


def test_canonical_urls_drop_tracking_parameters() -> None:
    assert (
        canonical_url("HTTP://Example.FI:80/a?utm_source=x&b=2&fbclid=1&a=1#top")
        == "https://example.fi/a?a=1&b=2"
    )


def test_topics_match_finnish_inflected_forms(org: Any, feeds: FeedServer) -> None:
    services.seed_topics(org)
    add(org, feeds.url("/corpus/rss_fi.xml"))
    run_once()
    item = Item.objects.get(title__startswith="Hyvinvointialueiden")
    names = {topic.name for topic, _score in services.topic_matches(item)}
    assert "Sote-uudistus ja hyvinvointialueet" in names  # "hyvinvointialueiden"
    assert "Päihdepalvelut" in names  # "päihdepalveluja"
    stored = set(ItemTopic.objects.filter(item=item).values_list("topic__name", flat=True))
    assert stored == names
    homeless = Item.objects.get(title__startswith="Asunnottomuus")
    assert Topic.objects.get(slug="asunnottomuus").item_links.filter(item=homeless).exists()


def test_english_items_match_topics_by_stems(org: Any, feeds: FeedServer) -> None:
    services.seed_topics(org)
    add(org, feeds.url("/corpus/atom_en.atom"))
    run_once()
    item = Item.objects.get(url="https://recovery.example/housing-first")
    assert item.language == "en"
    assert [t.name for t, _ in services.topic_matches(item)] == ["Asunnottomuus"]


def test_the_same_item_in_two_feeds_is_stored_once(org: Any, feeds: FeedServer) -> None:
    body = (CORPUS / "rss_fi.xml").read_bytes()
    one = add(org, feeds.add("/one.xml", body))
    two = add(org, feeds.add("/two.xml", body))
    summary = run_once()
    assert summary.new == 3 and summary.merged == 3
    assert Item.objects.count() == 3
    item = Item.objects.get(title__startswith="Hyvinvointialueiden")
    assert set(item.sources.all()) == {one, two}


def test_items_are_merged_by_canonical_url_but_not_by_content(org: Any, feeds: FeedServer) -> None:
    first = """<rss><channel><item><title>Sote-uudistus etenee</title>
      <link>https://news.example/sote?utm_campaign=a</link><guid>a-1</guid>
      <description>Hyvinvointialueet aloittavat toimintansa tammikuussa, kertoo ministeriö.</description>
      </item><item><title>Päihdepalvelut siirtyvät</title><link>https://news.example/p1</link>
      <guid>a-2</guid><description>Päihdepalvelut siirtyvät hyvinvointialueille ensi vuonna.</description>
      </item></channel></rss>"""
    second = """<rss><channel><item><title>Sote-uudistus etenee</title>
      <link>https://news.example/sote?utm_source=b</link><guid>b-1</guid>
      <description>Eri teksti samasta osoitteesta.</description></item>
      <item><title>Päihdepalvelut siirtyvät</title><link>https://mirror.example/p1</link>
      <guid>b-2</guid><description>Päihdepalvelut siirtyvät hyvinvointialueille ensi vuonna.</description>
      </item></channel></rss>"""
    add(org, feeds.add("/a.xml", first))
    add(org, feeds.add("/b.xml", second))
    run_once()
    # The same link (tracking parameters aside) is one item; the mirror's own link is another.
    assert Item.objects.count() == 3
    assert ItemSource.objects.count() == 4
    assert Item.objects.filter(title="Päihdepalvelut siirtyvät").count() == 2


def test_items_with_different_links_and_the_same_text_are_all_kept(
    org: Any, feeds: FeedServer
) -> None:
    notice = (
        "<item><title>Vertaisryhmä kokoontuu torstaina</title><link>https://yhdistys.example/{n}</link>"
        "<guid>https://yhdistys.example/{n}</guid><description>Vertaisryhmä kokoontuu torstaina "
        "kello 17 yhdistyksen tiloissa. Tervetuloa!</description></item>"
    )
    body = (
        "<rss><channel><title>Ilmoitukset</title>"
        + "".join(notice.format(n=n) for n in (1, 2, 3))
        + "</channel></rss>"
    )
    add(org, feeds.add("/notices.xml", body))
    summary = run_once()
    assert summary.new == 3
    assert sorted(Item.objects.values_list("url", flat=True)) == [
        f"https://yhdistys.example/{n}" for n in (1, 2, 3)
    ]


def test_items_with_different_guids_and_no_links_are_not_merged_by_text(
    org: Any, feeds: FeedServer
) -> None:
    notice = (
        "<item><title>Muistutus</title><guid isPermaLink='false'>m-{n}</guid><description>"
        "Jäsenkokous pidetään ensi viikolla, muistathan ilmoittautua ajoissa.</description></item>"
    )
    body = "<rss><channel>" + "".join(notice.format(n=n) for n in (1, 2)) + "</channel></rss>"
    add(org, feeds.add("/reminders.xml", body))
    run_once()
    assert Item.objects.count() == 2


def test_guids_that_are_not_global_are_kept_apart_per_source(org: Any, feeds: FeedServer) -> None:
    a = "<rss><channel><item><title>Kevätjuhla</title><guid>1</guid></item></channel></rss>"
    b = "<rss><channel><item><title>Vertaisryhmä</title><guid>1</guid></item></channel></rss>"
    add(org, feeds.add("/a.xml", a))
    add(org, feeds.add("/b.xml", b))
    run_once()
    assert sorted(Item.objects.values_list("title", flat=True)) == ["Kevätjuhla", "Vertaisryhmä"]


def test_a_second_poll_uses_the_etag_and_adds_nothing(org: Any, feeds: FeedServer) -> None:
    feeds.add("/e.xml", (CORPUS / "rss_fi.xml").read_bytes(), etag='"abc"')
    source = add(org, feeds.url("/e.xml"))
    run_once()
    make_due()
    summary = run_once()
    assert summary.not_modified == 1 and summary.new == 0
    assert feeds.requests[-1][1].get("If-None-Match") == '"abc"'
    source.refresh_from_db()
    assert source.etag == '"abc"' and Item.objects.count() == 3


def test_an_error_is_recorded_on_the_source_in_finnish_and_backs_off(
    org: Any, feeds: FeedServer
) -> None:
    feeds.add("/ok.xml", (CORPUS / "rss_fi.xml").read_bytes())
    source = add(org, feeds.url("/ok.xml"))
    feeds.status("/ok.xml", 429, {"Retry-After": "600"})
    summary = run_once()
    assert len(summary.errors) == 1
    source.refresh_from_db()
    assert source.error_count == 1
    assert source.last_error_code == "rate_limited"
    with translation.override("fi"):
        assert source.last_error == source.error_message()
    assert source.last_error.startswith("Palvelin pyysi odottamaan (HTTP 429)")
    with translation.override("en"):
        assert source.error_message().startswith("The server asked us to wait")
    assert source.backoff_until is not None
    wait = (source.backoff_until - timezone.now()).total_seconds()
    assert 500 < wait < 700


def test_repeated_errors_back_off_longer_but_never_past_a_day(org: Any, feeds: FeedServer) -> None:
    source = add(org, feeds.add("/x.xml", (CORPUS / "rss_fi.xml").read_bytes()))
    feeds.status("/x.xml", 500)
    waits = []
    for _ in range(8):
        make_due()
        Source.objects.update(backoff_until=None)
        run_once()
        source.refresh_from_db()
        waits.append((source.next_poll_at - timezone.now()).total_seconds())
    assert waits[1] > waits[0] * 1.5
    assert max(waits) <= 24 * 3600 * 1.01
    assert source.error_count == 8


def test_one_broken_source_does_not_stop_the_others(org: Any, feeds: FeedServer) -> None:
    add(org, feeds.add("/bad.xml", "<rss><channel><title>x</ti"), discover_feeds=False)
    add(org, feeds.url("/corpus/atom_en.atom"))
    summary = run_once()
    assert summary.new == 2 and len(summary.errors) == 1
    bad = Source.objects.get(url__endswith="/bad.xml")
    assert bad.last_error_code == "malformed"


def test_adding_a_page_discovers_its_feed(org: Any, feeds: FeedServer) -> None:
    added = services.add_source(org, feeds.url("/corpus/site.html"))
    assert added.source.url == feeds.url("/corpus/rss_fi.xml")
    assert added.source.title == "Ajankohtaista"
    assert [a.url for a in added.alternatives] == [feeds.url("/corpus/atom_en.atom")]


def test_a_page_without_feed_links_is_refused_with_a_reason(org: Any, feeds: FeedServer) -> None:
    feeds.add("/plain.html", "<html><head></head><body>Hei</body></html>", content_type="text/html")
    with pytest.raises(services.SourceRefused) as caught:
        services.add_source(org, feeds.url("/plain.html"))
    with translation.override("en"):
        assert caught.value.message == "The page does not link to any RSS, Atom or JSON Feed."


def test_adding_the_same_source_twice_returns_the_first(org: Any, feeds: FeedServer) -> None:
    first = services.add_source(org, feeds.url("/corpus/rss_fi.xml"))
    second = services.add_source(org, feeds.url("/corpus/rss_fi.xml"))
    assert first.created and not second.created and first.source == second.source


def test_search_finds_items_by_base_form(org: Any, feeds: FeedServer) -> None:
    add(org, feeds.url("/corpus/rss_fi.xml"))
    run_once()
    found = services.search_items(org, "hyvinvointialueilla")
    assert [i.title[:20] for i in found] == ["Hyvinvointialueiden "]


def test_readers_mark_items_read_and_starred(org: Any, feeds: FeedServer, members: Any) -> None:
    add(org, feeds.url("/corpus/rss_fi.xml"))
    run_once()
    item = Item.objects.first()
    assert item is not None
    state = services.set_item_state(members["editor"], item, starred=True)
    assert state.starred and not state.read
    state = services.set_item_state(members["editor"], item, read=True)
    assert state.starred and state.read
