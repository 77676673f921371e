"""The month's per-day cap and its "+N more": what fits, in time order, and the right N."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.calendar import days as cd
from kaiku.calendar.services import ORG_ZONE, Item, local_midnight
from kaiku.posts.models import Post

DAY = date(2031, 3, 12)


def _item(pk: int, minute: int, *, repeat: bool = False) -> Item:
    at = datetime(2031, 3, 12, 8, tzinfo=UTC) + timedelta(minutes=minute)
    return Item(Post(pk=pk), at, repeat=repeat, movable=False, channels=(), url="/")


@given(
    placed=st.lists(st.integers(0, 600), max_size=30),
    repeats=st.lists(st.integers(0, 600), max_size=6),
    cap=st.integers(1, 8),
)
def test_a_day_shows_its_earliest_posts_up_to_the_cap_and_counts_the_rest(
    placed: list[int], repeats: list[int], cap: int
) -> None:
    saved = sorted(
        (_item(pk, m) for pk, m in enumerate(placed, 1)), key=lambda i: (i.at, i.post.pk)
    )
    computed = [_item(1000 + n, m, repeat=True) for n, m in enumerate(repeats)]
    # The database hands over only the first `cap` saved posts and the day's count.
    day = cd.cap_day(DAY, saved[:cap], len(saved), computed, cap)
    everything = sorted([*saved, *computed], key=lambda i: (i.at, i.post.pk))
    assert day.items == everything[:cap]
    assert day.total == len(placed) + len(repeats)
    assert day.more == max(0, len(everything) - cap)


MONTH = "/o/toivon-polku/calendar/?month=2031-03"


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(counts=st.lists(st.integers(0, 9), min_size=3, max_size=3))
def test_each_month_cell_shows_at_most_four_posts_and_plus_the_rest(
    client_for: Any, org: Any, counts: list[int]
) -> None:
    Post.objects.filter(organisation=org).delete()
    days = [date(2031, 3, 10 + n) for n in range(len(counts))]
    Post.objects.bulk_create(
        Post(
            organisation=org,
            text=f"Vertaisryhmä {day.day}.{n}",
            state=Post.State.SCHEDULED,
            # From 00.30 local time: in UTC the first posts fall on the day before, so a cell
            # that followed UTC days would count them wrong.
            scheduled_at=local_midnight(day, ORG_ZONE) + timedelta(minutes=30 + 47 * n),
        )
        for day, count in zip(days, counts, strict=True)
        for n in range(count)
    )
    html = client_for("viewer").get(MONTH).content.decode()
    for day, count in zip(days, counts, strict=True):
        match = re.search(rf'<td data-date="{day.isoformat()}"(?:(?!</td>).)*</td>', html, re.S)
        assert match
        cell = match.group(0)
        assert cell.count('<li class="cal-item') == min(count, cd.MONTH_DAY_CAP)
        more = re.search(r'class="cal-more"[^>]*>\+(\d+) ', cell)
        if count > cd.MONTH_DAY_CAP:
            assert more and int(more.group(1)) == count - cd.MONTH_DAY_CAP
        else:
            assert more is None


DAY_VIEW = "/o/toivon-polku/calendar/day/"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "editor", "reviewer", "viewer"])
def test_every_member_sees_the_day_view_and_an_outsider_gets_404(client_for: Any, who: str) -> None:
    assert client_for(who).get(DAY_VIEW + "?date=2031-03-12").status_code == 200
    assert client_for("outsider").get(DAY_VIEW + "?date=2031-03-12").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["?date=tomorrow", "?date=0001-01-01", "?date=9999-12-31", "?page=x", "?page=-4"]
)
def test_a_bad_date_or_page_shows_a_day_instead_of_an_error(client_for: Any, query: str) -> None:
    assert client_for("viewer").get(DAY_VIEW + query).status_code == 200


# Five weeks around each change of summer time in Helsinki and New York (a 23-hour and a
# 25-hour day), and minutes that fall on either side of a local midnight.
ZONES = ("Europe/Helsinki", "America/New_York", "UTC")
SPANS = (date(2031, 3, 3), date(2031, 10, 6), date(2031, 10, 27))


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    zone=st.sampled_from(ZONES),
    first=st.sampled_from(SPANS),
    offsets=st.lists(
        st.one_of(
            st.integers(0, 35 * 24 * 60 - 1),
            # A minute before or at a local midnight of the span (0, 23.59 and 24.00 local).
            st.tuples(st.integers(0, 34), st.sampled_from([-1, 0, 1])).map(
                lambda d: d[0] * 24 * 60 + d[1]
            ),
        ),
        min_size=1,
        max_size=25,
    ),
)
def test_every_post_is_counted_on_its_own_local_day_across_summer_time(
    org: Any, zone: str, first: date, offsets: list[int]
) -> None:
    """Each post lands on the day its local time names, and each day's total is the posts of
    that day: checked against Python's own time-zone conversion, post by post."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    Post.objects.filter(organisation=org).delete()
    last = first + timedelta(days=34)
    start = local_midnight(first, tz)
    # Minutes from the span's local start counted in real (UTC) time, so that a 23- or
    # 25-hour day is covered minute by minute; a second's fraction tests the rounding.
    times = [
        (start.astimezone(UTC) + timedelta(minutes=m, microseconds=500)).astimezone(tz)
        for m in offsets
        if m >= 0
    ]
    times = [t for t in times if t.date() <= last]
    Post.objects.bulk_create(
        Post(organisation=org, text=f"Ryhmä {n}", state=Post.State.SCHEDULED, scheduled_at=t)
        for n, t in enumerate(times)
    )
    days = cd.capped_days(org, first, last, tz, cap=100)
    expected: dict[date, int] = {}
    for t in times:
        expected[t.date()] = expected.get(t.date(), 0) + 1
    assert {day: d.total for day, d in days.items()} == expected
    for day, shown in days.items():
        assert all(item.at.date() == day for item in shown.items)


@pytest.mark.django_db
def test_the_calendars_post_addresses_are_each_posts_own_page(org: Any) -> None:
    """The addresses made once per page (``detail_urls``) are those ``reverse`` gives."""
    from kaiku.calendar.services import detail_url, detail_urls

    posts = Post.objects.bulk_create(
        Post(organisation=org, text=f"Ryhmä {n}", state=Post.State.DRAFT) for n in range(3)
    )
    address = detail_urls(org)
    assert [address(p) for p in posts] == [detail_url(org, p) for p in posts]
    assert len({address(p) for p in posts}) == 3


@pytest.mark.django_db
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    posts=st.lists(st.tuples(st.booleans(), st.integers(0, 23 * 60)), max_size=12),
    cap=st.integers(1, 5),
)
def test_a_day_caps_its_scheduled_posts_and_those_sent_at_once_together(
    org: Any, posts: list[tuple[bool, int]], cap: int
) -> None:
    """Issue 17 (reqcpu) reads the scheduled posts and those sent at once apart: the day's
    first posts are still the first of both together, in time order, and its total both."""
    Post.objects.filter(organisation=org).delete()
    midnight = local_midnight(DAY, ORG_ZONE)
    made = []
    for at_once, minute in posts:
        at = midnight + timedelta(minutes=minute)
        post = Post.objects.create(
            organisation=org,
            text=f"Vertaisryhmä {minute}",
            state=Post.State.DONE if at_once else Post.State.SCHEDULED,
            scheduled_at=None if at_once else at,
            submitted_at=at if at_once else None,
        )
        made.append((at, post.pk))
    days = cd.capped_days(org, DAY, DAY, ORG_ZONE, cap)
    if not made:
        assert days == {}
        return
    day = days[DAY]
    assert [(i.at, i.post.pk) for i in day.items] == sorted(made)[:cap]
    assert day.total == len(made)
