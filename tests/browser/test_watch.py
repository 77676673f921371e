"""The field watch in a browser: OPML import, fetch, the ranked Finnish digest with its reasons,
starring, the debate view's "draft a reply", and suggested accounts; axe on every page."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.watch.server import FeedServer

pytestmark = pytest.mark.django_db(transaction=True)


def rss(title: str, entries: list[tuple[str, str, str]]) -> bytes:
    now = timezone.now()
    key = abs(hash(title))
    items = "".join(
        f"<item><title>{t}</title><link>https://uutiset.example/{key}/{n}</link>"
        f"<guid>https://uutiset.example/{key}/{n}</guid><description>{d}</description>"
        f"<pubDate>{format_datetime(now - timedelta(hours=n + 1))}</pubDate></item>"
        for n, (t, d, _x) in enumerate(entries)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>https://uutiset.example/</link>{items}</channel></rss>"
    ).encode()


@pytest.fixture
def feeds() -> Any:
    server = FeedServer.start()
    server.add(
        "/a.xml",
        rss(
            "Sote-uutiset",
            [
                (
                    "Mielenterveyspalvelujen jonot kasvavat hyvinvointialueilla",
                    "Mielenterveyspalvelut ja terapiatakuu puhuttavat. "
                    "Lue lisää https://mastodon.example/@thl",
                    "",
                ),
                ("Kevään lintuhavainnot", "Västäräkki saapui.", ""),
            ],
        ),
    )
    server.add(
        "/b.xml",
        rss(
            "Järjestöuutiset",
            [
                (
                    "Päihdepalvelujen rahoitus puhuttaa",
                    "Päihdekuntoutus ja korvaushoito. Katso https://mastodon.example/@thl",
                    "",
                ),
            ],
        ),
    )
    yield server
    server.stop()


def test_the_watch_from_opml_import_to_a_reply_draft(
    page: Any, members: Any, org: Any, feeds: FeedServer, tmp_path: Path
) -> None:
    from kaiku.watch.features.topics import seed_topics
    from kaiku.watch.ingest.pipeline import poll_one
    from kaiku.watch.models import Item, ItemSource, Source

    seed_topics(org)
    # This test reads the UI in English (the topics test reads it in Finnish, as a user would
    # by default); the items themselves are Finnish.
    members["editor"].language = "en"
    members["editor"].save(update_fields=["language"])
    opml = tmp_path / "lahteet.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
        f'<outline text="Sote-uutiset" type="rss" xmlUrl="{feeds.url("/a.xml")}"/>'
        f'<outline text="Järjestöuutiset" type="rss" xmlUrl="{feeds.url("/b.xml")}"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    login(page, "editor")
    page.get_by_role("link", name="Watch", exact=True).click()
    page.get_by_role("link", name="Sources", exact=True).click()
    assert_accessible(page)
    page.get_by_label("OPML file").set_input_files(str(opml))
    page.get_by_role("button", name="Import").first.click()
    page.wait_for_load_state()
    expect(page.get_by_text("Järjestöuutiset").first).to_be_visible()

    for source in Source.objects.filter(organisation=org):
        poll_one(source)  # the fetch, inline in the test thread
    social = Source.objects.create(
        organisation=org,
        kind="mastodon_account",
        url="https://m.example/@keskustelija",
        identifier="keskustelija@m.example",
        title="Keskustelija",
    )
    post = Item.objects.create(
        organisation=org,
        guid="https://m.example/@keskustelija/1",
        url="https://m.example/@keskustelija/1",
        platform="mastodon",
        language="fi",
        text="Narkkarit pilaavat puiston, päihdepalvelut pois keskustasta!",
        author_handle="keskustelija@m.example",
        published_at=timezone.now() - timedelta(hours=3),
        engagement_total=120,
        stigma_findings_count=1,
    )
    ItemSource.objects.create(item=post, source=social)

    page.get_by_role("link", name="Digest", exact=True).click()
    expect(page.get_by_role("heading", name="Watch digest")).to_be_visible()
    items = page.locator(".watch-item")
    assert "palvelu" in items.first.inner_text()  # an on-topic item first
    first = page.locator(".watch-item", has_text="Mielenterveyspalvelujen jonot")
    assert "lintuhavainnot" in page.locator(".watch-item").last.inner_text()  # off-topic, last
    assert_accessible(page)
    reasons = first.locator("summary")
    assert "Mielenterveyspalvelut" in (reasons.get_attribute("title") or "")
    reasons.focus()
    page.keyboard.press("Enter")
    expect(first.get_by_text("Mielenterveyspalvelut").first).to_be_visible()
    first.get_by_role("button", name="☆ Star").click()
    expect(first.get_by_role("button", name="★ Starred")).to_be_visible()
    page.get_by_label("Show").select_option("starred")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".watch-item")).to_have_count(1)

    page.get_by_role("link", name="Debates", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Draft a reply").first.click()
    page.wait_for_load_state()
    assert "/posts/new/" in page.url and "reply_to=" in page.url

    page.goto(page.base + f"/o/{org.slug}/watch/discover/")
    expect(page.get_by_role("link", name="@thl@mastodon.example")).to_be_visible()
    expect(page.get_by_text("Mentioned by 2 of your sources")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Follow @thl@mastodon.example").click()
    page.wait_for_load_state()
    assert Source.objects.filter(organisation=org, identifier="thl@mastodon.example").exists()


def test_a_manager_adds_edits_disables_and_deletes_a_topic_in_finnish(
    page: Any, members: Any, org: Any
) -> None:
    from kaiku.jobs.worker import run_due_jobs
    from kaiku.watch.models import Item, Topic

    Item.objects.create(
        organisation=org,
        guid="https://uutiset.example/asunto-ensin",
        url="https://uutiset.example/asunto-ensin",
        platform="feed",
        language="fi",
        title="Asunto ensin -periaate jatkuu",
        lemmas="asunto ensin periaate jatkua",
        published_at=timezone.now() - timedelta(hours=2),
    )
    login(page, "editor")
    page.get_by_role("link", name="Seuranta", exact=True).click()
    page.get_by_role("link", name="Aiheet", exact=True).click()
    expect(page.get_by_role("heading", name="Seurannan aiheet")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Nimi").fill("Asunnottomuustyö")
    page.get_by_label("Avainsanat").fill("Asunto ensin\nasunnottomuus, tuettu asuminen")
    page.get_by_role("button", name="Lisää aihe").click()
    expect(page.get_by_text("Aihe lisätty: Asunnottomuustyö")).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Asunnottomuustyö"))
    expect(row).to_contain_text("asunto ensin, asunnottomuus, tuettu asuminen")
    expect(page.get_by_text("Aiheita sovitetaan uudelleen kohteisiin…")).to_be_visible()
    assert_accessible(page)

    run_due_jobs()  # the worker's re-match, inline in the test thread
    page.reload()
    expect(page.get_by_text("Aiheita sovitetaan uudelleen kohteisiin…")).to_have_count(0)
    expect(row.locator("td").nth(1)).to_have_text("1")

    row.get_by_role("link", name="Muokkaa Asunnottomuustyö").click()
    expect(page.get_by_role("heading", name="Muokkaa aihetta Asunnottomuustyö")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Nimi").fill("Asunnottomuus ja asuminen")
    page.get_by_label("Avainsanat").fill("asunnottomuus\nasumisneuvonta")
    page.get_by_role("button", name="Tallenna").click()
    expect(page.get_by_text("Tallennettu: Asunnottomuus ja asuminen")).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Asunnottomuus ja asuminen"))
    expect(row).to_contain_text("asunnottomuus, asumisneuvonta")

    row.get_by_role("button", name="Poista käytöstä Asunnottomuus ja asuminen").click()
    expect(page.get_by_text("Poistettu käytöstä: Asunnottomuus ja asuminen")).to_be_visible()
    expect(row).to_contain_text("Pois käytöstä")
    assert not Topic.objects.get(organisation=org).enabled
    assert_accessible(page)

    row.get_by_role("link", name="Poista Asunnottomuus ja asuminen", exact=True).click()
    heading = page.get_by_role("heading", name="Poista aihe Asunnottomuus ja asuminen")
    expect(heading).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Poista aihe").click()
    expect(page.get_by_text("Poistettu: Asunnottomuus ja asuminen")).to_be_visible()
    expect(page.get_by_text("Ei vielä aiheita.")).to_be_visible()
    assert not Topic.objects.filter(organisation=org).exists()
