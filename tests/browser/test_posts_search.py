"""The posts list's search in a browser: an inflected Finnish word finds the post written in
another form (and a word of a channel's own text), the matches replace the sections, and
clearing the search brings them back; at desktop and phone width, axe on the results."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1366, 390])
def test_a_search_in_another_form_finds_the_post(
    page: Any, members: Any, org: Any, width: int
) -> None:
    from kaiku.connections.models import ChannelAccount
    from kaiku.posts import services

    feed = ChannelAccount.objects.create(
        organisation=org, platform="feed", handle=org.slug, settings={"organisation": org.slug}
    )
    for text, variant in [
        ("Mielenterveyspalvelut ruuhkautuvat syksyllä.", ""),
        ("Kevään linturetki lauantaina.", "Syötteelle: vertaistukiryhmämme lähtee mukaan."),
        ("Kahvila-ilta torstaina.", ""),
    ]:
        services.save_draft(
            org,
            members["editor"],
            services.Draft(
                text=text, accounts=[feed], variants={feed.pk: variant} if variant else None
            ),
        )
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "viewer")
    page.goto(page.base + f"/o/{org.slug}/posts/")
    expect(page.locator("#section-drafts .post-row")).to_have_count(3)
    box = page.get_by_label("Hae julkaisuista")
    box.fill("mielenterveyspalveluiden")
    box.press("Enter")
    expect(page.locator("#section-found .post-row")).to_have_count(1)
    expect(page.locator(".post-row", has_text="Mielenterveyspalvelut ruuhkautuvat")).to_be_visible()
    expect(page.locator("#section-drafts")).to_have_count(0)
    expect(page.get_by_label("Hae julkaisuista")).to_have_value("mielenterveyspalveluiden")
    assert "q=mielenterveyspalveluiden" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page)
    # A word only in a channel's own text, in another form.
    page.get_by_label("Hae julkaisuista").fill("vertaistukiryhmiä")
    page.get_by_role("button", name="Haku").click()
    expect(page.locator("#section-found .post-row")).to_have_count(1)
    expect(page.locator(".post-row", has_text="Kevään linturetki")).to_be_visible()
    page.get_by_label("Hae julkaisuista").fill("purjehdus")
    page.get_by_label("Hae julkaisuista").press("Enter")
    expect(page.get_by_text("Ei yhtään hakua vastaavaa julkaisua.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Näytä kaikki julkaisut").click()
    expect(page.locator("#section-drafts .post-row")).to_have_count(3)
