"""The calendar as a list in a real browser: on a phone it is one tap from the month page."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.browser.test_calendar import HEL, _static_files, account, month_ahead

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["_static_files", "account"]  # fixtures shared with the month view's tests


def scheduled(org: Any, members: Any, account: Any, when: datetime, text: str) -> None:
    from django.test import RequestFactory

    from kaiku.posts import services

    post = services.save_draft(
        org, members["editor"], services.Draft(text=text, accounts=[account], scheduled_at=when)
    )
    request = RequestFactory().post("/")
    request.user = members["editor"]
    services.submit(post, request)


@pytest.mark.parametrize("width", [1366, 390])
def test_the_list_shows_each_day_with_its_posts_in_order_at_desktop_and_phone_width(
    page: Any, org: Any, members: Any, account: Any, width: int
) -> None:
    first = month_ahead()
    day_a, day_b = first + timedelta(days=4), first + timedelta(days=11)
    long = "Vertaisryhmän syyskauden avajaiset järjestetään keskustan kirjastossa, tervetuloa"
    scheduled(org, members, account, datetime.combine(day_b, time(17), tzinfo=HEL), long)
    scheduled(org, members, account, datetime.combine(day_b, time(9), tzinfo=HEL), "Aamukahvit")
    scheduled(org, members, account, datetime.combine(day_a, time(12), tzinfo=HEL), "Tiedote")
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "viewer")
    page.goto(page.base + f"/o/{org.slug}/calendar/?month={first:%Y-%m}")
    phone_link = page.get_by_role("link", name="Näytä kuukausi listana")
    if width < 600:
        expect(phone_link).to_be_visible()  # on a phone the list is offered first, at the top
        phone_link.click()
    else:
        expect(phone_link).not_to_be_visible()
        page.locator("nav.cal-tabs").get_by_role("link", name="Lista").click()
    page.wait_for_load_state()
    assert "/calendar/agenda/" in page.url
    days = page.locator("section.cal-agenda-day h3 time")
    assert days.evaluate_all("els => els.map(e => e.getAttribute('datetime'))") == [
        f"{day_a:%Y-%m-%d}",
        f"{day_b:%Y-%m-%d}",
    ]
    later = page.locator(f'section[aria-labelledby="day-{day_b:%Y-%m-%d}"] li')
    assert later.count() == 2
    assert "9.00" in later.nth(0).inner_text() and "Aamukahvit" in later.nth(0).inner_text()
    assert "17.00" in later.nth(1).inner_text()
    expect(later.nth(1).get_by_role("link")).to_be_visible()
    assert_accessible(page)
    if width < 600:
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"the list scrolls sideways: {wide} px at {width} px"
