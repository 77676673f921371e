"""The debate view in a browser at a desktop (1366 px) and a phone (390 px) width, in Finnish:
it says which sources it covers, shows a news story that several feeds carry as rising and a
feed's opinion piece with stigmatising labels as worth answering, and leads to a reply draft.
Accessible (axe) and no wider than the window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [1366, 390]


def _fits(page: Any) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the window"


def _watch(org: Any) -> None:
    from kaiku.watch.ingest import rank
    from kaiku.watch.models import Item, ItemSource, ItemTopic, Source, Topic

    topic = Topic.objects.create(organisation=org, name="Päihteet", slug="paihteet")
    feeds = [
        Source.objects.create(
            organisation=org, kind="feed", url=f"https://{name}.example/rss", title=name
        )
        for name in ("Uutiset", "Sanomat", "Järjestölehti")
    ]
    Source.objects.create(
        organisation=org,
        kind="mastodon_account",
        url="https://m.example/@a",
        identifier="a@m.example",
        title="A",
    )
    hour_ago = timezone.now() - timedelta(hours=1)
    story = Item.objects.create(
        organisation=org,
        guid="https://uutiset.example/rahoitus",
        url="https://uutiset.example/rahoitus",
        title="Päihdepalvelujen rahoitus leikkautuu ensi vuonna",
        text="Päihdepalvelujen rahoitus leikkautuu ensi vuonna hyvinvointialueilla.",
        platform="feed",
        language="fi",
        published_at=hour_ago,
    )
    opinion = Item.objects.create(
        organisation=org,
        guid="https://sanomat.example/mielipide",
        url="https://sanomat.example/mielipide",
        title="Mielipide: narkkarit pois keskustasta",
        text="Mielipide: narkkarit pois keskustasta, hullut laitoksiin.",
        platform="feed",
        language="fi",
        published_at=hour_ago,
        stigma_findings_count=2,
    )
    for source in feeds:
        ItemSource.objects.create(item=story, source=source)
    ItemSource.objects.create(item=opinion, source=feeds[1])
    for item in (story, opinion):
        ItemTopic.objects.create(item=item, topic=topic, score=1.0)
    rank.refresh([story.pk, opinion.pk])


@pytest.mark.parametrize("width", WIDTHS)
def test_the_debate_view_covers_feeds_and_says_so(
    page: Any, members: Any, org: Any, width: int
) -> None:
    _watch(org)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    page.goto(page.base + f"/o/{org.slug}/watch/debate/")
    coverage = page.locator(".watch-debate-coverage")
    assert "Tämä näkymä kattaa kaikki lähteesi" in coverage.inner_text()
    assert "uutis- ja blogisyötteet" in coverage.inner_text()
    assert "Mastodon" in coverage.inner_text()
    rising = page.locator("section[aria-labelledby='rising-h'] li")
    assert "Päihdepalvelujen rahoitus" in rising.first.inner_text()
    assert "mukana 3 lähteessäsi" in rising.first.inner_text()
    answer = page.locator("section[aria-labelledby='stigma-h'] li", has_text="narkkarit")
    expect(answer).to_be_visible()
    assert_accessible(page)
    _fits(page)
    answer.get_by_role("link", name="Luonnostele vastaus").click()
    page.wait_for_load_state()
    assert "/posts/new/" in page.url and "reply_to=" in page.url
