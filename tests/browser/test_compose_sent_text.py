"""The compose page shows what each platform receives (issue 13.5) and refuses a reply that
cannot go where it is meant to (issue 13.6), at desktop and phone widths."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.posts.test_preview_counts_what_is_sent import LINK, text_of

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [1366, 390]


def _fits_width(page: Any) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the window"


def _x_account(org: Any) -> Any:
    from kaiku.connections.models import ChannelAccount

    # Only the compose page is used: the preview renders the text locally, no X request.
    return ChannelAccount.objects.create(
        organisation=org,
        platform="x",
        handle="@toivonpolku",
        display_name="Toivon Polku",
        settings={"user_id": "1", "username": "toivonpolku"},
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_preview_and_check_count_the_link_x_appends_and_split_the_post(
    page: Any, members: Any, org: Any, width: int
) -> None:
    account = _x_account(org)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    page.goto(page.base + "/o/toivon-polku/posts/new/")
    page.locator(f"#id_accounts_0[value='{account.pk}']").check()
    page.locator("#id_text").fill(text_of(270))
    page.locator("#id_link").fill(LINK)
    page.locator("#id_link").press("Tab")  # "change": the preview and the check run again
    parts = page.locator("#previews .thread-part")
    parts.nth(1).wait_for()
    assert parts.count() == 2
    counts = [
        int(re.match(r"(\d+) / 280", t).group(1))  # type: ignore[union-attr]
        for t in page.locator("#previews .thread-part .count").all_inner_texts()
    ]
    assert all(c <= 280 for c in counts), counts
    assert LINK in parts.nth(0).inner_text()
    page.locator("#check-results", has_text="295").wait_for()
    _fits_width(page)
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_reply_the_channel_cannot_publish_is_refused_with_the_reason(
    page: Any, members: Any, org: Any, width: int
) -> None:
    from kaiku.connections.models import ChannelAccount
    from kaiku.posts.models import Post

    feed = ChannelAccount.objects.create(
        organisation=org,
        platform="feed",
        handle=org.slug,
        display_name=org.name,
        settings={"organisation": org.slug},
    )
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "editor")
    page.goto(
        page.base
        + "/o/toivon-polku/posts/new/?reply_to=https://x.com/joku/status/123&text=Hyv%C3%A4%20huomio"
    )
    expect(page.locator("#reply-context")).to_be_visible()
    page.locator(f"input.account-choice[value='{feed.pk}']").check()
    page.locator("button[name=action][value=save]").click()
    page.wait_for_load_state()
    errors = page.locator("#compose-errors")
    expect(errors).to_be_visible()
    assert "Vastaus ei voi mennä kanavalle" in errors.inner_text()
    assert not Post.objects.exists()
    _fits_width(page)
    assert_accessible(page)
