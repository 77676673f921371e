"""The post page tells the truth as it changes: right after sending, its deliveries update by
themselves until each is final, and the post's state badge with them (1366 and 390 px)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {1366: 900, 390: 844}


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_post_page_updates_its_deliveries_until_they_are_final(
    page: Any, org: Any, members: Any, width: int
) -> None:
    from kaiku.connections.models import ChannelAccount
    from kaiku.posts.models import Post
    from tests.posts.conftest import settle
    from tests.posts.test_calendar_views import schedule

    account = ChannelAccount.objects.create(
        organisation=org,
        platform="feed",
        handle=org.slug,
        display_name=org.name,
        settings={"organisation": org.slug},
    )
    post = schedule(org, members["editor"], account, None, text="Lähtee heti omaan syötteeseen.")
    assert post.state == Post.State.SCHEDULED  # sent, but the worker has not run yet
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    login(page, "editor")
    page.goto(page.base + f"/o/{org.slug}/posts/{post.public_id}/")
    card = page.locator("#deliveries-card")
    row = page.locator("#deliveries tbody tr").first
    assert row.get_attribute("data-state") == "scheduled"
    assert card.get_attribute("hx-trigger") == "every 3s"
    assert_accessible(page)
    before = page.locator("#post-state").inner_text()

    settle()  # the worker publishes while the page stays open, not reloaded
    expect(page.locator('#deliveries tbody tr[data-state="published"]')).to_have_count(1)
    expect(page.locator("#post-state")).not_to_have_text(before)
    post.refresh_from_db()
    expect(page.locator("#post-state")).to_have_text(post.get_state_display())
    # Final: the section stops asking.
    assert page.locator("#deliveries-card").get_attribute("hx-trigger") is None
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
    assert_accessible(page)
    page.screenshot(path=f"/tmp/kaiku-post-live-{width}.png", full_page=True)
