"""The digest's search in a browser: an inflected Finnish word finds the item written in
another form, an English word its other forms, at desktop and phone width; axe on the
results."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1366, 390])
def test_a_search_in_another_form_finds_the_item(
    page: Any, members: Any, org: Any, width: int
) -> None:
    from kaiku.watch.ingest.analysis import analyse
    from kaiku.watch.models import Item, ItemSource, Source

    source = Source.objects.create(organisation=org, kind="feed", url="https://uutiset.example/")
    for n, (title, text) in enumerate(
        [
            ("Mielenterveyspalvelut ruuhkautuvat", "Jonot pitenevät hyvinvointialueilla."),
            ("Kevään lintuhavainnot", "Västäräkki saapui."),
            ("Housing First works", "Housing First keeps people housed in Helsinki."),
        ]
    ):
        found = analyse(title, text, matcher=None, hint="en" if n == 2 else "")
        item = Item.objects.create(
            organisation=org,
            guid=f"https://uutiset.example/{n}",
            url=f"https://uutiset.example/{n}",
            platform="feed",
            title=title,
            text=text,
            language=found.language,
            lemmas=found.lemmas,
            published_at=timezone.now() - timedelta(hours=n + 1),
        )
        ItemSource.objects.create(item=item, source=source)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "viewer")
    page.goto(page.base + f"/o/{org.slug}/watch/")
    expect(page.locator(".watch-item")).to_have_count(3)
    page.get_by_label("Haku").fill("mielenterveyspalveluiden")
    page.get_by_label("Haku").press("Enter")
    expect(page.locator(".watch-item")).to_have_count(1)
    expect(
        page.locator(".watch-item", has_text="Mielenterveyspalvelut ruuhkautuvat")
    ).to_be_visible()
    assert "q=mielenterveyspalveluiden" in page.url
    assert_accessible(page)
    # A one-word query has no language of its own: the English base form counts too.
    page.get_by_label("Haku").fill("houses")
    page.get_by_label("Haku").press("Enter")
    expect(page.locator(".watch-item")).to_have_count(1)
    expect(page.locator(".watch-item", has_text="Housing First works")).to_be_visible()
