"""An admin opens a platform's setup guide from the channels page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_setup_guide_opens_from_the_connect_form(page: Any, members: Any) -> None:
    login(page, "admin")
    page.goto(page.base + "/o/toivon-polku/channels/")
    assert_accessible(page)
    page.locator("#connect-x a[href$='/guide/x.md/']").click()
    page.wait_for_load_state()
    expect(page.locator("article.guide h2").first).to_be_visible()
    assert "/o/toivon-polku/channels/x/callback/" in page.content()
    assert_accessible(page)


WIDTHS = [1366, 390]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_guide_renders_its_tables_and_copies_each_redirect_address(
    page: Any, members: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "admin")
    page.goto(page.base + "/o/toivon-polku/channels/guide/meta.md/")
    guide = page.locator("article.guide")
    # Markdown rendered, not shown: tables are tables, bold is bold, no pipes or asterisks.
    assert guide.locator("table th").count() >= 2
    assert guide.locator("strong").count() >= 3 and guide.locator("ol > li").count() >= 3
    text = guide.inner_text()
    assert "**" not in text and "|---" not in text
    # Each exact address in its own code element, each with a copy button that copies it.
    addresses = page.locator(".addresses li")
    assert addresses.count() == 3
    for i in range(3):
        row = addresses.nth(i)
        url = row.locator("code").inner_text()
        assert "/o/toivon-polku/channels/" in url and url.endswith("/callback/"), url
        row.get_by_role("button").click()
        assert page.evaluate("() => navigator.clipboard.readText()") == url
        assert row.locator("button [data-label]").inner_text() == "Kopioitu"
    # Nothing widens the page sideways, wide tables scroll in their own box.
    wide = page.evaluate(
        """(w) => [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > w + 1)
            .slice(0, 5).map(e => e.tagName + ' ' + e.textContent.slice(0, 30))""",
        width,
    )
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, wide
    page.screenshot(path=f"test-artefacts/guide-meta-{width}.png", full_page=True)
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_swedish_user_reads_the_guide_in_swedish(page: Any, members: Any, width: int) -> None:
    members["admin"].language = "sv"
    members["admin"].save(update_fields=["language"])
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "admin")
    page.goto(page.base + "/o/toivon-polku/channels/guide/linkedin.md/")
    guide = page.locator("article.guide")
    expect(guide).to_have_attribute("lang", "sv")
    expect(guide.get_by_role("heading", name="Innan du börjar")).to_be_visible()
    expect(guide).to_contain_text("/o/toivon-polku/channels/linkedin/callback/")
    expect(guide).not_to_contain_text("Ennen kuin aloitat")
    page.screenshot(path=f"test-artefacts/guide-sv-{width}.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert_accessible(page)
