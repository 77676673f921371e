"""The public own feed: its page, entries, Atom and RSS (read back with feedparser), images."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from kaiku.connections.models import ChannelAccount
from kaiku.posts import services
from kaiku.posts.models import Post, PostImage
from kaiku.site.models import FeedEntry
from tests.posts.conftest import run_jobs
from tests.posts.view_helpers import png_bytes

pytestmark = pytest.mark.django_db

BASE = "/f/toivon-polku/"


def _entry(org: Any, text: str, minutes_ago: int = 0, **kw: Any) -> FeedEntry:
    return FeedEntry.objects.create(
        organisation=org,
        key=f"k{FeedEntry.objects.count()}-{text[:10]}",
        text=text,
        published_at=datetime(2030, 5, 1, 12, 0, tzinfo=UTC) - timedelta(minutes=minutes_ago),
        **kw,
    )


def test_an_organisation_without_its_own_feed_has_no_feed_pages(org: Any) -> None:
    client = Client()
    for path in ("", "atom.xml", "rss.xml"):
        assert client.get(BASE + path).status_code == 404
    assert client.get("/f/no-such-org/").status_code == 404


def test_a_disconnected_feed_is_not_public(org: Any, feed_account: Any) -> None:
    feed_account.status = ChannelAccount.Status.DISCONNECTED
    feed_account.save()
    assert Client().get(BASE).status_code == 404


def test_the_feed_page_lists_entries_newest_first_for_anyone(org: Any, feed_account: Any) -> None:
    _entry(org, "Vanhempi julkaisu", minutes_ago=60)
    _entry(org, "Uusin julkaisu", link="https://example.org/tapahtuma")
    _entry(org, "Poistettu julkaisu", deleted_at=timezone.now())
    response = Client().get(BASE)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Uusin julkaisu") < html.index("Vanhempi julkaisu")
    assert "Poistettu julkaisu" not in html
    assert 'href="https://example.org/tapahtuma"' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="http://testserver/f/toivon-polku/atom.xml"' in html
    assert 'href="http://testserver/f/toivon-polku/rss.xml"' in html
    assert '<meta property="og:title" content="Toivon Polku ry">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert "site-nav" not in html  # a public page, without Kaiku's own menus


def test_the_feed_page_is_paginated(org: Any, feed_account: Any) -> None:
    for i in range(25):
        _entry(org, f"Julkaisu numero {i:02d}", minutes_ago=i)
    first = Client().get(BASE).content.decode()
    second = Client().get(BASE + "?page=2").content.decode()
    assert "Julkaisu numero 00" in first
    assert "Julkaisu numero 24" not in first
    assert "Julkaisu numero 24" in second
    assert 'rel="next"' in first
    assert Client().get(BASE + "?page=abc").status_code == 200


def test_an_entry_page_has_open_graph_and_twitter_tags(org: Any, feed_account: Any) -> None:
    entry = _entry(org, "Avoimet ovet torstaina\nTervetuloa kaikki!")
    html = Client().get(f"{BASE}{entry.pk}/").content.decode()
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Avoimet ovet torstaina">' in html
    assert (
        f'<meta property="og:url" content="http://testserver/f/toivon-polku/{entry.pk}/">' in html
    )
    assert '<meta name="twitter:title" content="Avoimet ovet torstaina">' in html


def test_a_deleted_entry_page_is_not_found(org: Any, feed_account: Any) -> None:
    entry = _entry(org, "Poistettu", deleted_at=timezone.now())
    assert Client().get(f"{BASE}{entry.pk}/").status_code == 404


@pytest.mark.parametrize("kind", ["atom.xml", "rss.xml"])
def test_the_feeds_read_back_with_titles_links_dates_and_content(
    org: Any, feed_account: Any, kind: str
) -> None:
    older = _entry(org, "Vanhempi julkaisu", minutes_ago=90)
    newer = _entry(org, "Kevätjuhla lauantaina\nTule mukaan & tuo ystävä: https://example.org")
    _entry(org, "Poistettu", deleted_at=timezone.now())
    response = Client().get(BASE + kind)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/atom+xml" if kind == "atom.xml" else "application/rss+xml"
    )
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Toivon Polku ry"
    assert parsed.feed.link == "http://testserver/f/toivon-polku/"
    assert [e.title for e in parsed.entries] == ["Kevätjuhla lauantaina", "Vanhempi julkaisu"]
    first = parsed.entries[0]
    assert first.link == f"http://testserver/f/toivon-polku/{newer.pk}/"
    assert first.id.startswith("tag:") and first.id.endswith(f"/f/{org.pk}/{newer.pk}")
    assert first.published_parsed[:5] == (2030, 5, 1, 12, 0)
    assert "Tule mukaan &amp; tuo ystävä" in first.summary
    assert 'href="https://example.org"' in first.summary
    assert parsed.entries[1].link.endswith(f"/{older.pk}/")
    if kind == "atom.xml":
        assert parsed.feed.updated_parsed[:5] == (2030, 5, 1, 12, 0)


def _image(post: Any, filename: str, alt: str) -> PostImage:
    data = png_bytes()
    image = PostImage(post=post, mime="image/png", size_bytes=len(data), alt_text=alt)
    image.file.save(filename, ContentFile(data), save=True)
    return image


@pytest.mark.parametrize("full_name", [True, False], ids=["storage-name", "file-name"])
def test_a_published_entrys_image_is_served_to_everyone_and_nothing_else_is(
    org: Any, members: Any, feed_account: Any, full_name: bool
) -> None:
    post = Post.objects.create(organisation=org, author=members["editor"], text="Kuvan kanssa")
    image = _image(post, "kuva.png", "Kahvikuppi pöydällä")
    unpublished = _image(post, "toinen.png", "Toinen")
    name = image.file.name if full_name else image.file.name.rsplit("/", 1)[-1]
    entry = _entry(org, "Kuvan kanssa", image=name, image_alt=image.alt_text)
    client = Client()
    served = client.get(f"{BASE}media/{name}")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == png_bytes()
    for other in (unpublished.file.name, unpublished.file.name.rsplit("/", 1)[-1]):
        assert client.get(f"{BASE}media/{other}").status_code == 404
    assert client.get("/f/muu/media/" + name).status_code == 404
    page = client.get(f"{BASE}{entry.pk}/").content.decode()
    assert (
        f'<meta property="og:image" content="http://testserver/f/toivon-polku/media/{name}">'
        in page
    )
    assert 'alt="Kahvikuppi pöydällä"' in page
    parsed = feedparser.parse(client.get(BASE + "rss.xml").content)
    assert parsed.entries[0].enclosures[0].href.endswith(f"/media/{name}")
    assert parsed.entries[0].enclosures[0].type == "image/png"
    FeedEntry.objects.filter(pk=entry.pk).update(deleted_at=timezone.now())
    assert client.get(f"{BASE}media/{name}").status_code == 404


def test_a_post_with_an_image_sent_to_the_feed_shows_the_image(
    org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    post = services.save_draft(
        org, members["editor"], services.Draft(text="Kuvan kanssa", accounts=[feed_account])
    )
    image = _image(post, "kuva.png", "Kahvikuppi")
    services.submit(post, rf_request)
    run_jobs()
    entry = FeedEntry.objects.get(organisation=org)
    assert entry.image in (image.file.name, image.file.name.rsplit("/", 1)[-1])
    assert entry.image_alt == "Kahvikuppi"
    assert Client().get(f"{BASE}media/{entry.image}").status_code == 200


def test_the_feed_page_makes_the_same_number_of_queries_however_many_entries(
    org: Any, feed_account: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _entry(org, "Ensimmäinen")
    with CaptureQueriesContext(connection) as few:
        assert Client().get(BASE).status_code == 200
    for i in range(10):
        _entry(org, f"Lisää {i}", minutes_ago=i + 1)
    with CaptureQueriesContext(connection) as many:
        assert Client().get(BASE).status_code == 200
    assert len(many) == len(few)


# --- issue 13.8: the link, the language, conditional GET, lasting ids ------------------------

TAG_URI = re.compile(
    # RFC 4151: "tag:" authorityName "," date ":" specific; the date YYYY[-MM[-DD]].
    r"^tag:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    r",\d{4}(?:-\d{2}(?:-\d{2})?)?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$"
)


@pytest.mark.parametrize("kind", ["atom.xml", "rss.xml"])
def test_the_posts_link_is_in_the_feed_content(org: Any, feed_account: Any, kind: str) -> None:
    _entry(org, "Syksyn vertaisryhmät alkavat.", link="https://example.org/ryhmat")
    parsed = feedparser.parse(Client().get(BASE + kind).content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert 'href="https://example.org/ryhmat"' in parsed.entries[0].summary


@pytest.mark.parametrize("kind", ["atom.xml", "rss.xml"])
def test_the_feed_declares_the_language_the_organisation_writes_in(
    org: Any, members: Any, feed_account: Any, rf_request: Any, kind: str
) -> None:
    for text in ("Välkommen på öppet hus på torsdag.", "Vi ses på måndag i föreningens lokal."):
        post = services.save_draft(
            org,
            members["editor"],
            services.Draft(text=text, accounts=[feed_account], language="sv"),
        )
        services.submit(post, rf_request)
    run_jobs()
    response = Client().get(BASE + kind)
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.language == "sv"
    if kind == "atom.xml":
        assert b'xml:lang="sv"' in response.content
    else:
        assert b"<language>sv</language>" in response.content


@pytest.mark.parametrize("kind", ["atom.xml", "rss.xml"])
def test_a_reader_s_conditional_get_is_answered_304_until_the_feed_changes(
    org: Any, feed_account: Any, kind: str
) -> None:
    _entry(org, "Ensimmäinen julkaisu", minutes_ago=10)
    client = Client()
    first = client.get(BASE + kind)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert modified == "Wed, 01 May 2030 11:50:00 GMT"
    again = client.get(BASE + kind, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get(BASE + kind, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    _entry(org, "Uusi julkaisu")
    changed = client.get(BASE + kind, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed["Last-Modified"] == "Wed, 01 May 2030 12:00:00 GMT"


@pytest.mark.parametrize("kind", ["atom.xml", "rss.xml"])
def test_entry_ids_are_valid_tag_uris_that_keep_when_kaikus_address_changes(
    org: Any, feed_account: Any, kind: str, settings: Any
) -> None:
    settings.PUBLIC_URL = "https://kaiku.toivonpolku.example"
    org.created_at = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
    org.save()
    _entry(org, "Julkaisu")
    before = feedparser.parse(Client().get(BASE + kind).content)
    settings.PUBLIC_URL = "https://uusi-osoite.example"
    after = feedparser.parse(Client().get(BASE + kind).content)
    ids = [e.id for e in before.entries]
    assert ids == [e.id for e in after.entries]
    for value in ids:
        assert TAG_URI.match(value), value
        # The organisation's creation day, not the day of publishing (2030-05-01) or today.
        assert value.startswith("tag:kaiku.toivonpolku.example,2024-03-05:")


def test_the_feeds_language_is_that_of_its_latest_posts_not_its_whole_history(
    org: Any, members: Any, feed_account: Any, rf_request: Any, monkeypatch: Any
) -> None:
    """Issue 17: the language was counted over every feed post the organisation ever made, on
    every request of the feed page, Atom and RSS. It is counted over the latest posts
    (``LANGUAGE_SAMPLE``, two here): an organisation that moved to Finnish says so."""
    from kaiku.site import views

    monkeypatch.setattr(views, "LANGUAGE_SAMPLE", 2, raising=False)
    texts = [
        ("sv", "Välkommen på öppet hus på torsdag."),
        ("sv", "Vi ses på måndag i föreningens lokal."),
        ("sv", "Kaffe och samtal varje fredag."),
        ("fi", "Tervetuloa avoimiin oviin torstaina."),
        ("fi", "Nähdään maanantaina yhdistyksen tiloissa."),
    ]
    for language, text in texts:
        post = services.save_draft(
            org,
            members["editor"],
            services.Draft(text=text, accounts=[feed_account], language=language),
        )
        services.submit(post, rf_request)
        run_jobs()
    assert views.feed_language(org) == "fi"
    response = Client().get(BASE + "atom.xml")
    assert b'xml:lang="fi"' in response.content
