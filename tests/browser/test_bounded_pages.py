"""Bounded pages in a real browser (issue 17): a busy calendar day shows four posts and
"+N more", which opens the day with every post (the week grid shows twelve and says how many
more); the posts list pages its drafts. At desktop and phone width, with axe, and without
JavaScript needed (plain links)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.browser.test_calendar import HEL, _static_files, account, month_ahead

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["_static_files", "account"]  # fixtures shared with the month view's tests


def _posts(org: Any, author: Any, account: Any, whens: list[datetime], state: str) -> None:
    from kaiku.posts.models import Post
    from kaiku.publishing.models import Delivery

    posts = Post.objects.bulk_create(
        Post(
            organisation=org,
            author=author,
            text=f"Vertaisryhmän tiedote numero {n + 1}",
            state=state,
            scheduled_at=when,
        )
        for n, when in enumerate(whens)
    )
    Delivery.objects.bulk_create(
        Delivery(post=p, account=account, state=Delivery.State.DRAFT) for p in posts
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_a_busy_day_shows_four_posts_and_plus_n_more_opens_the_whole_day(
    page: Any, org: Any, members: Any, account: Any, width: int
) -> None:
    day = month_ahead() + timedelta(days=9)
    whens = [
        datetime.combine(day, time(8), tzinfo=HEL) + timedelta(minutes=20 * n) for n in range(15)
    ]
    _posts(org, members["editor"], account, whens, "scheduled")
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "viewer")
    page.goto(page.base + f"/o/{org.slug}/calendar/?month={day:%Y-%m}")
    cell = page.locator(f'td[data-date="{day:%Y-%m-%d}"]')
    expect(cell.locator("li.cal-item")).to_have_count(4)
    more = cell.get_by_role("link", name="+11 muuta tänä päivänä")
    expect(more).to_be_visible()
    assert_accessible(page)
    more.click()
    expect(page).to_have_url(page.base + f"/o/{org.slug}/calendar/day/?date={day:%Y-%m-%d}")
    expect(page.locator("li.cal-item")).to_have_count(15)
    expect(page.get_by_text("15 julkaisua tänä päivänä")).to_be_visible()
    expect(page.get_by_role("link", name="Vertaisryhmän tiedote numero 15")).to_be_visible()
    assert_accessible(page)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= max(width, 1366), wide
    if width < 600:
        assert wide <= width, f"the day scrolls sideways: {wide} px at {width} px"
    # The week grid holds twelve a day and says how many more.
    page.goto(page.base + f"/o/{org.slug}/calendar/week/?week={day:%G-W%V}")
    expect(page.locator(f'td[data-date="{day:%Y-%m-%d}"] li.cal-item')).to_have_count(12)
    head = page.locator("table.cal-week thead")
    expect(head.get_by_role("link", name="+3 muuta tänä päivänä")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("width", [1366, 390])
def test_the_posts_list_pages_its_drafts_with_next_and_previous_links(
    page: Any, org: Any, members: Any, account: Any, width: int
) -> None:
    start = datetime.combine(month_ahead(), time(9), tzinfo=HEL)
    _posts(
        org, members["editor"], account, [start + timedelta(hours=n) for n in range(25)], "draft"
    )
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "viewer")
    page.goto(page.base + f"/o/{org.slug}/posts/")
    drafts = page.locator("#section-drafts")
    expect(drafts.locator("li.post-row")).to_have_count(20)
    pager = drafts.get_by_role("navigation", name="Sivut: Luonnokset")
    expect(pager).to_be_visible()
    assert_accessible(page)
    pager.get_by_role("link", name="Seuraava sivu").click()
    expect(page).to_have_url(page.base + f"/o/{org.slug}/posts/?drafts=2#section-drafts")
    expect(drafts.locator("li.post-row")).to_have_count(5)
    expect(pager.get_by_text("Sivu 2")).to_be_visible()
    pager.get_by_role("link", name="Edellinen sivu").click()
    expect(drafts.locator("li.post-row")).to_have_count(20)
    if width < 600:
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"the list scrolls sideways: {wide} px at {width} px"
