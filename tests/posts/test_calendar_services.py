"""Posting slots and the next free one, periods and moves: the calendar's services."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kaiku.calendar import services as cs
from kaiku.connections.models import ChannelAccount, PostingSlot
from kaiku.publishing.models import Delivery
from tests.posts.test_calendar_views import hel, schedule

pytestmark = pytest.mark.django_db

HEL = ZoneInfo("Europe/Helsinki")


def slot(account: Any, weekday: int, hour: int, minute: int = 0) -> PostingSlot:
    return PostingSlot.objects.create(account=account, weekday=weekday, time=time(hour, minute))


def test_the_next_free_slot_is_the_first_slot_after_the_given_time(
    org: Any, feed_account: Any
) -> None:
    slot(feed_account, 0, 9)  # Monday 9.00
    slot(feed_account, 2, 15)  # Wednesday 15.00
    found = cs.next_free_slot(org, [feed_account], hel(2030, 1, 7, 8))  # Monday 8.00
    assert found == hel(2030, 1, 7, 9)
    assert found is not None and found.tzinfo == UTC
    assert cs.next_free_slot(org, [feed_account], hel(2030, 1, 7, 9)) == hel(2030, 1, 9, 15)


def test_a_slot_taken_by_a_post_of_the_account_is_skipped(
    org: Any, members: Any, feed_account: Any
) -> None:
    slot(feed_account, 0, 9)
    schedule(org, members["editor"], feed_account, hel(2030, 1, 7, 9))
    assert cs.next_free_slot(org, [feed_account], hel(2030, 1, 7, 8)) == hel(2030, 1, 14, 9)


def test_a_cancelled_or_deleted_post_does_not_take_a_slot(
    org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    from kaiku.posts import services

    slot(feed_account, 0, 9)
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 7, 9))
    services.delete(post, rf_request)
    assert cs.next_free_slot(org, [feed_account], hel(2030, 1, 7, 8)) == hel(2030, 1, 7, 9)
    other = schedule(org, members["editor"], feed_account, hel(2030, 1, 7, 9))
    Delivery.objects.filter(post=other).update(state=Delivery.State.CANCELLED)
    assert cs.next_free_slot(org, [feed_account], hel(2030, 1, 7, 8)) == hel(2030, 1, 7, 9)


def test_with_several_accounts_the_earliest_free_slot_of_any_wins(
    org: Any, members: Any, feed_account: Any
) -> None:
    other = ChannelAccount.objects.create(organisation=org, platform="feed", handle="toinen")
    slot(feed_account, 0, 9)
    slot(other, 0, 12)
    after = hel(2030, 1, 7, 8)
    assert cs.next_free_slot(org, [feed_account, other], after) == hel(2030, 1, 7, 9)
    # The 9.00 slot is taken when any of the chosen accounts already posts then.
    schedule(org, members["editor"], other, hel(2030, 1, 7, 9))
    assert cs.next_free_slot(org, [feed_account, other], after) == hel(2030, 1, 7, 12)
    assert cs.next_free_slot(org, [feed_account], after) == hel(2030, 1, 7, 9)


def test_a_slot_keeps_its_clock_time_across_the_spring_change(org: Any, feed_account: Any) -> None:
    slot(feed_account, 6, 10)  # Sunday 10.00; clocks move forward on Sunday 31 March 2030
    found = cs.next_free_slot(org, [feed_account], hel(2030, 3, 30, 12))
    assert found == hel(2030, 3, 31, 10)
    assert found is not None and found.hour == 7  # UTC+3 after the change
    week_before = cs.next_free_slot(org, [feed_account], hel(2030, 3, 23, 12))
    assert week_before is not None and week_before.hour == 8  # UTC+2 before it


def test_a_slot_in_the_skipped_hour_does_not_happen_that_night(org: Any, feed_account: Any) -> None:
    slot(feed_account, 6, 3, 30)  # Sunday 3.30 does not exist on 31 March 2030
    found = cs.next_free_slot(org, [feed_account], hel(2030, 3, 30, 12))
    assert found == hel(2030, 4, 7, 3, 30)


def test_a_slot_in_the_repeated_hour_happens_once_in_autumn(org: Any, feed_account: Any) -> None:
    slot(feed_account, 6, 3, 30)  # Sunday 27 October 2030: 3.30 happens twice
    first = cs.next_free_slot(org, [feed_account], hel(2030, 10, 26, 12))
    assert first == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)  # the first 3.30 (UTC+3)
    assert first is not None
    after_first = cs.next_free_slot(org, [feed_account], first)
    assert after_first == hel(2030, 11, 3, 3, 30)


def test_no_slots_means_no_free_slot(org: Any, feed_account: Any, other_org: Any) -> None:
    assert cs.next_free_slot(org, [feed_account], hel(2030, 1, 7, 8)) is None
    assert cs.next_free_slot(org, [], hel(2030, 1, 7, 8)) is None
    foreign = ChannelAccount.objects.create(organisation=other_org, platform="feed", handle="x")
    slot(foreign, 0, 9)
    assert cs.next_free_slot(org, [foreign], hel(2030, 1, 7, 8)) is None


def test_accounts_are_read_by_id_or_public_id_and_only_the_organisations(
    org: Any, feed_account: Any, other_org: Any
) -> None:
    foreign = ChannelAccount.objects.create(organisation=other_org, platform="feed", handle="x")
    assert cs.accounts_from(org, [str(feed_account.pk)]) == [feed_account]
    assert cs.accounts_from(org, [str(feed_account.public_id)]) == [feed_account]
    assert cs.accounts_from(org, [f"{feed_account.pk},{foreign.pk}"]) == [feed_account]
    assert cs.accounts_from(org, ["x" * 36, str(feed_account.pk)]) == [feed_account]
    assert cs.accounts_from(org, ["", "nonsense"]) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2030-05", date(2030, 5, 1)), ("2030-5", date(2030, 5, 1)), ("2030-13", None), ("", None)],
)
def test_a_month_is_read_from_the_address(value: str, expected: date | None) -> None:
    today = date(2026, 11, 25)
    assert cs.parse_month(value, today) == (expected or date(2026, 11, 1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-W48", date(2026, 11, 23)), ("2027-w01", date(2027, 1, 4)), ("2026-W60", None)],
)
def test_a_week_is_read_from_the_address(value: str, expected: date | None) -> None:
    today = date(2026, 11, 25)
    assert cs.parse_week(value, today) == (expected or date(2026, 11, 23))


def test_weeks_and_months_are_written_back_for_addresses() -> None:
    assert cs.week_param(date(2027, 1, 1)) == "2026-W53"
    assert cs.month_param(cs.add_months(date(2026, 12, 1), 1)) == "2027-01"
    assert cs.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)


def test_a_move_by_hours_over_the_autumn_change_counts_clock_hours(
    org: Any, members: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 10, 27, 2, 30))
    local = cs.new_local_time(post, HEL, {"hours": "2"})
    assert local == datetime(2030, 10, 27, 4, 30)


def test_a_post_sent_at_once_shows_in_the_calendar_where_the_ical_feed_puts_it(
    org: Any, members: Any, feed_account: Any, client_for: Any
) -> None:
    from django.utils import timezone

    from kaiku.posts.models import Post
    from tests.posts.conftest import settle

    post = schedule(org, members["editor"], feed_account, None, text="Lähti heti ulos.")
    settle()
    post.refresh_from_db()
    assert post.scheduled_at is None
    assert post.state == Post.State.DONE
    today = timezone.localtime(timezone.now(), HEL).date()
    items = cs.items_by_day(org, today, today, HEL)
    assert [i.post.pk for i in items.get(today, [])] == [post.pk]
    sent = items[today][0].at
    assert sent == post.submitted_at.astimezone(HEL)  # type: ignore[union-attr]
    assert "Lähti heti ulos." in cs.ical_feed(org, "https://kaiku.example")
    page = client_for("viewer").get(f"/o/{org.slug}/calendar/").content.decode()
    assert "Lähti heti ulos." in page
