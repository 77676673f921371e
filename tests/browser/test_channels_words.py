"""The channels page in the user's words: the own feed named in each language, its connect card
gone once connected, its public page and feed addresses shown with copy buttons; the connect
forms in Finnish. At a desktop (1366 px) and a phone (390 px) width, axe clean."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [1366, 390]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_own_feed_shows_its_addresses_to_copy_and_no_second_connect_card(
    page: Any, members: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "admin")
    page.goto(page.base + "/o/toivon-polku/channels/")
    # The connect forms speak Finnish (they were English: "Mastodon server address").
    expect(page.get_by_label("Mastodon-palvelimen osoite")).to_be_visible()
    assert page.get_by_label("Sovellussalasana").count() == 1
    page.get_by_role("button", name="Yhdistä Kaiku-syöte").click()
    page.wait_for_load_state()
    assert page.locator("#connect-feed").count() == 0
    rows = page.locator("#channel-accounts .addresses li")
    assert rows.count() == 3
    for i, path in enumerate(("/f/toivon-polku/", "/atom.xml", "/rss.xml")):
        row = rows.nth(i)
        address = row.locator("code").inner_text()
        assert address.endswith(path), address
        row.get_by_role("button").click()
        assert page.evaluate("() => navigator.clipboard.readText()") == address
        assert row.locator("button [data-label]").inner_text() == "Kopioitu"
    page.screenshot(path=f"test-artefacts/channels-feed-{width}.png", full_page=True)
    assert_accessible(page)


def test_the_own_feed_is_named_in_swedish_for_a_swedish_user(page: Any, members: Any) -> None:
    members["admin"].language = "sv"
    members["admin"].save(update_fields=["language"])
    login(page, "admin")
    page.goto(page.base + "/o/toivon-polku/channels/")
    assert page.locator("#connect-feed-h").inner_text() == "Kaiku-flöde"
    expect(page.get_by_label("Mastodon-serverns adress")).to_be_visible()
    assert_accessible(page)
