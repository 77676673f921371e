"""The calendar's days read with a cap: what fits on screen, and how many more there are.

A busy organisation has fifty posts a day; rendering them all made the month page 1.6 MB
and half a second of CPU (issue 17). The month grid and the agenda read, per local day, the
first ``cap`` posts (a window function in the database) and the day's count (one grouped
query), so their queries and their HTML stay the same size whatever the month holds. The rest
of a day is one "+N more" link away: the day view, which pages them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, RowNumber

from kaiku.calendar.services import (
    PREFETCHED_DELIVERIES,
    SENT_AT_ONCE_STATES,
    Item,
    _channels,
    add_months,
    detail_urls,
    is_movable,
    local_midnight,
    occurrences,
)
from kaiku.organisations.models import Organisation
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery

REPEATS = [value for value in Post.Repeat.values if value]
MONTH_DAY_CAP = 4  # what fits in a month cell on a laptop screen
AGENDA_DAY_CAP = 8  # a phone screen of posts per day
WEEK_DAY_CAP = 12  # a day's column of the week grid
DAY_PAGE = 50  # the day view's page
MAX_DAY_PAGE = 1000  # past it an offset only costs


@dataclass
class Day:
    day: date
    items: list[Item]
    total: int  # every post of the day, shown or not

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def cap_day(
    day: date, placed: Sequence[Item], placed_total: int, repeats: Iterable[Item], cap: int
) -> Day:
    """A day's first ``cap`` items in time order and its total.

    ``placed`` holds the first ``cap`` (at least) saved posts of the day in time order,
    ``placed_total`` how many the day has in all; ``repeats`` the day's computed occurrences
    of series. Ties in time go by the post's id, as the database orders them.
    """
    repeats = list(repeats)
    merged = sorted([*placed[:cap], *repeats], key=lambda i: (i.at, i.post.pk))
    return Day(day, merged[:cap], placed_total + len(repeats))


DELIVERY_FIELDS = ("id", "post_id", "state", "account_id")
ACCOUNT_FIELDS = ("id", "platform", "handle", "display_name")


def _deliveries() -> Any:  # a Prefetch; its stub type cannot name a reverse relation
    return Prefetch(
        "deliveries",
        # Only what a calendar entry shows (its channels) and whether it can move: the
        # deliveries' texts, ledgers and the accounts' settings (JSON, decoded per row) were
        # a third of the prefetch's time.
        queryset=Delivery.objects.only(*DELIVERY_FIELDS).order_by("account__platform", "id"),
        to_attr=PREFETCHED_DELIVERIES,
    )


def _with_deliveries(org: Organisation, posts: list[Any]) -> None:
    """The posts' deliveries (one query) with their accounts: the organisation's few
    accounts read once (one query) and shared, instead of one account object built per
    delivery by a join (hundreds on a month page, each the same four accounts)."""
    prefetch_related_objects(posts, _deliveries())
    account_model = Delivery._meta.get_field("account").related_model
    accounts = {
        a.pk: a
        for a in account_model._default_manager.filter(organisation=org).only(*ACCOUNT_FIELDS)
    }
    for post in posts:
        for delivery in getattr(post, PREFETCHED_DELIVERIES):
            account = accounts.get(delivery.account_id)
            if account is not None:  # another organisation's account: read when asked
                delivery.account = account


# Typed Any: the stubs cannot see the placed_at annotation through a return type.
def _placed(org: Organisation, start: datetime, end: datetime) -> Any:
    """Saved posts placed in [start, end): by their time, or when they were sent at once."""
    at_once = Q(scheduled_at__isnull=True, state__in=SENT_AT_ONCE_STATES)
    # The same rows as "scheduled or sent at once, placed in [start, end)", written so that
    # each side of the OR is a range of the (organisation, scheduled_at) index: a condition
    # on the COALESCE alone made SQLite read every post of the organisation (10,000) for a
    # month of 1,500, 20 ms of the month page.
    return (
        Post.objects.filter(organisation=org, deleted_at=None)
        .annotate(placed_at=Coalesce("scheduled_at", "submitted_at", "created_at"))
        .filter(
            Q(scheduled_at__gte=start, scheduled_at__lt=end)
            | (at_once & Q(placed_at__gte=start, placed_at__lt=end))
        )
    )


def _series_tails(org: Organisation, start: datetime, end: datetime) -> list[Post]:
    """The last post of each series that reaches into [start, end): its future occurrences
    are computed, not saved."""
    has_next = Exists(Post.objects.filter(repeat_of=OuterRef("pk")))
    tails = (
        # The repeats by name, not "<> ''": the same posts (a repeat is one of the choices),
        # read through the (repeat, organisation) index. The time is compared and sorted
        # here, on those few: given "scheduled_at < end" or the order by time, SQLite read
        # every post before ``end`` through the time index instead (15-20 ms at 10,000
        # posts).
        Post.objects.filter(organisation=org, deleted_at=None, repeat__in=REPEATS)
        .filter(
            Q(repeat_until__isnull=True) | Q(repeat_until__gte=start.date() - timedelta(days=1))
        )
        .annotate(has_next=has_next)
        .filter(has_next=False)
        .order_by()
    )
    reaching = [p for p in tails if p.scheduled_at is not None and p.scheduled_at < end]
    return sorted(reaching, key=lambda p: (p.scheduled_at, p.pk))


def _placed_item(url: Callable[[Post], str], post: Post, tz: ZoneInfo) -> Item:
    at: datetime = post.placed_at.astimezone(tz)  # type: ignore[attr-defined]
    return Item(
        post,
        at,
        repeat=False,
        movable=is_movable(post),
        channels=_channels(post),
        url=url(post),
    )


def _repeats(
    org: Organisation, tails: Iterable[Post], start: datetime, end: datetime, tz: ZoneInfo
) -> dict[date, list[Item]]:
    days: dict[date, list[Item]] = {}
    address = detail_urls(org)
    for post in tails:
        channels, url = _channels(post), address(post)
        for when in occurrences(post, start, end):
            at = when.astimezone(tz)
            days.setdefault(at.date(), []).append(
                Item(post, at, repeat=True, movable=False, channels=channels, url=url)
            )
    return days


class _EpochSeconds(Func):
    """A time as whole seconds since 1970 (UTC), in the database: integers that the day's
    number divides exactly, on both databases Kaiku runs on."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # strftime("%s") truncates the fraction of a second, as FLOOR does below.
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)",
        )


def _day_number(first: date, last: date, tz: ZoneInfo) -> Case:
    """The local day of ``placed_at`` as a number from ``first`` (0): whole seconds from a
    day's start divided by the day's length. Days of one length (24 h; 23 or 25 at a change of
    summer time) form a run that one division serves, so the expression has a branch per run,
    one to three, not per day: a CASE of one comparison per day was compiled by Django and
    evaluated by the database for every row, a third of the month page's CPU. Integer division
    on both databases; a time zone conversion per row is a Python call on SQLite."""
    days = (last - first).days + 1
    starts = [
        int(local_midnight(first + timedelta(days=n), tz).timestamp()) for n in range(days + 1)
    ]
    seconds = _EpochSeconds(F("placed_at"))
    runs: list[tuple[int, int, int]] = []  # (first day of the run, its start, day length)
    for n in range(days):
        length = starts[n + 1] - starts[n]
        if not runs or runs[-1][2] != length:
            runs.append((n, starts[n], length))
    branches = [
        ExpressionWrapper(
            (seconds - Value(start)) / Value(length) + Value(number),
            output_field=IntegerField(),
        )
        for number, start, length in runs
    ]
    return Case(
        *(
            When(placed_at__lt=_as_datetime(starts[nxt[0]]), then=branch)
            for branch, nxt in zip(branches, runs[1:], strict=False)
        ),
        default=branches[-1],
        output_field=IntegerField(),
    )


def _as_datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def capped_days(
    org: Organisation, first: date, last: date, tz: ZoneInfo, cap: int
) -> dict[date, Day]:
    """The days from ``first`` to ``last`` (local, inclusive) that have posts, each with its
    first ``cap`` posts and its total. Six queries, whatever the days hold."""
    start, end = local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)
    local_day = _day_number(first, last, tz)
    # The day's total comes with its first posts, from the same window: every day that has
    # posts has a first one. A separate grouped count compiled and ran the day expression
    # (a CASE of one branch per day) once more: a fifth of the month page's CPU.
    # The scheduled posts and those sent at once are read apart, each through its own index
    # range ((organisation, scheduled_at) and (organisation, state, scheduled_at IS NULL)):
    # read as one, SQLite without fresh statistics read every post of the organisation
    # (10,000) for a month of 1,500. A day's first posts are then the first of the two
    # lists together, and its total their sum.
    at_once = Q(scheduled_at__isnull=True, state__in=SENT_AT_ONCE_STATES)
    parts = [
        Post.objects.filter(scheduled_at__gte=start, scheduled_at__lt=end),
        Post.objects.filter(at_once),
    ]
    # The window ranks only ids and times; the few posts shown are read whole afterwards
    # (one query). Ranked whole, every post of the month (1,500, texts and all) went
    # through the window's sort: 8-11 ms of the month page on SQLite.
    day_totals: dict[int, int] = {}
    for part in parts:
        day_totals.update(
            part.filter(organisation=org, deleted_at=None)
            .annotate(placed_at=Coalesce("scheduled_at", "submitted_at", "created_at"))
            .filter(placed_at__gte=start, placed_at__lt=end)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[local_day],
                    order_by=[F("placed_at").asc(), F("id").asc()],
                ),
                day_total=Window(Count("pk"), partition_by=[local_day]),
            )
            .filter(rank__lte=cap)
            .values_list("pk", "day_total")
        )
    first_of_day: list[Any] = list(
        Post.objects.filter(pk__in=list(day_totals)).annotate(
            placed_at=Coalesce("scheduled_at", "submitted_at", "created_at")
        )
    )
    for post in first_of_day:
        post.day_total = day_totals[post.pk]
    first_of_day.sort(key=lambda post: (post.placed_at, post.pk))
    tails = _series_tails(org, start, end)
    # One read of the deliveries for both, so a month with a series costs no extra query.
    _with_deliveries(org, [*first_of_day, *tails])
    repeats = _repeats(org, tails, start, end, tz)
    shown: dict[date, list[Item]] = {}
    counts: dict[date, int] = {}
    totals: dict[tuple[date, bool], int] = {}  # per day and part (sent at once or not)
    address = detail_urls(org)
    for post in first_of_day:
        item = _placed_item(address, post, tz)
        shown.setdefault(item.at.date(), []).append(item)
        totals[(item.at.date(), post.scheduled_at is None)] = post.day_total
    for (day, _part), total in totals.items():
        counts[day] = counts.get(day, 0) + total
    return {
        day: cap_day(day, shown.get(day, []), counts.get(day, 0), repeats.get(day, []), cap)
        for day in sorted(set(shown) | set(repeats))
    }


def agenda_days(
    org: Organisation, first: date, today: date, tz: ZoneInfo, cap: int = AGENDA_DAY_CAP
) -> list[Day]:
    """The agenda: the month's days that have posts, in order, from today on in this month,
    each with at most ``cap`` posts."""
    last = add_months(first, 1) - timedelta(days=1)
    start = max(first, today) if first <= today <= last else first
    return list(capped_days(org, start, last, tz, cap).values())


@dataclass
class DayPage:
    day: date
    items: list[Item]
    total: int
    page: int
    size: int

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.size + 1

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.size < self.total


def day_page(
    org: Organisation, day: date, tz: ZoneInfo, page: int = 1, size: int = DAY_PAGE
) -> DayPage:
    """One page of a day's posts in time order (the "+N more" of the month and the agenda).

    The day's order is read as (time, id) pairs only; the page's posts alone are loaded with
    their deliveries, so the page costs the same on a day of five posts or five hundred.
    """
    start, end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    keys = list(_placed(org, start, end).order_by("placed_at", "id").values_list("pk", "placed_at"))
    tails = _series_tails(org, start, end)
    _with_deliveries(org, tails)
    repeats = _repeats(org, tails, start, end, tz).get(day, [])
    order: list[tuple[datetime, int, Item | None]] = [(at, pk, None) for pk, at in keys]
    order += [(item.at, item.post.pk, item) for item in repeats]
    order.sort(key=lambda row: (row[0], row[1]))
    total = len(order)
    page = max(1, min(page, (total + size - 1) // size or 1))
    chosen = order[(page - 1) * size : page * size]
    wanted = [pk for _at, pk, item in chosen if item is None]
    posts = {p.pk: p for p in _placed(org, start, end).filter(pk__in=wanted)}
    _with_deliveries(org, list(posts.values()))
    # A post deleted between the two reads is left out, not an error.
    address = detail_urls(org)
    items = [
        item if item is not None else _placed_item(address, posts[pk], tz)
        for _at, pk, item in chosen
        if item is not None or pk in posts
    ]
    return DayPage(day, items, total, page, size)
