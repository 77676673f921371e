"""The calendar: what goes out when (in local time), moving posts, posting slots, iCalendar.

Times are stored in UTC and shown in the viewer's time zone. Posting slots are wall-clock
times in the organisation's zone; each one becomes an aware time only for a given date, so a
slot at 9.00 stays at 9.00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

import calendar as pycalendar
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from kaiku.connections.models import ChannelAccount, PostingSlot
from kaiku.organisations.models import Organisation
from kaiku.posts import bounds, services
from kaiku.posts.forms import (
    PAST_TOLERANCE,
    NonexistentLocalTime,
    TimeOutOfRange,
    local_to_aware,
    zone,
)
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery

# Organisations have no time-zone setting yet: slots and series follow the server's zone,
# which is also the zone the worker uses when it schedules the next post of a series.
ORG_ZONE = zone(settings.TIME_ZONE)
FIRST_HOUR = 6  # the week view's grid runs 06-23; earlier posts get a row of their own
MAX_OCCURRENCES = 4000  # a daily series reaches about eleven years ahead
MOVABLE = frozenset(
    {
        Delivery.State.DRAFT,
        Delivery.State.IN_REVIEW,
        Delivery.State.APPROVED,
        Delivery.State.SCHEDULED,
        Delivery.State.CANCELLED,  # a removed channel does not stop the rest from moving
    }
)
SLOT_HORIZON = timedelta(weeks=8)
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class MoveError(Exception):
    """A move the rules do not allow; the message is for the person."""


def excerpt(text: str, words: int = 8) -> str:
    """The first words of a post, on one line."""
    return Truncator(" ".join(text.split())).words(words, truncate="…")


@dataclass(frozen=True)
class Channel:
    platform: str
    label: str
    handle: str


@dataclass(frozen=True)
class Item:
    """One post (or a computed future occurrence of a recurring one) on the calendar."""

    post: Post
    at: datetime  # aware, in the viewer's zone
    repeat: bool  # a computed occurrence: not a saved post, cannot be moved
    movable: bool
    channels: tuple[Channel, ...]
    url: str

    @cached_property  # shown twice per entry (the link and the move button's label)
    def excerpt(self) -> str:
        return excerpt(self.post.text)

    @property
    def local_input(self) -> str:
        return self.at.strftime(LOCAL_INPUT)

    @property
    def utc_iso(self) -> str:
        return self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def dom_id(self) -> str:
        suffix = f"-{self.at:%Y%m%d%H%M}" if self.repeat else ""
        return f"post-{self.post.public_id}{suffix}"


@dataclass(frozen=True)
class SlotMark:
    at: datetime  # aware, in the viewer's zone
    account: ChannelAccount


@dataclass
class Cell:
    day: date
    hour: int | None = None
    items: list[Item] = field(default_factory=list)
    slots: list[SlotMark] = field(default_factory=list)
    more: int = 0  # the day's posts beyond what the cell shows (month view)


@dataclass
class Row:
    hour: int | None  # None: the hours before the grid starts
    cells: list[Cell]


# --- periods ---------------------------------------------------------------------------------


def today_in(tz: ZoneInfo) -> date:
    return timezone.now().astimezone(tz).date()


def parse_month(value: str | None, today: date) -> date:
    """``2026-11`` as the first day of that month; anything else is this month."""
    try:
        year, month = (int(p) for p in (value or "").split("-"))
        if 1900 <= year <= 9998:
            return date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


def parse_week(value: str | None, today: date) -> date:
    """``2026-W48`` as the Monday of that ISO week; anything else is this week."""
    try:
        year, week = (value or "").upper().split("-W")
        if 1900 <= int(year) <= 9998:
            return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        pass
    return today - timedelta(days=today.weekday())


def month_param(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def week_param(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_weeks(first: date) -> list[list[date]]:
    return pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


# --- what is on the calendar -----------------------------------------------------------------


def detail_url(org: Organisation, post: Post) -> str:
    """The post's own page (the posts app), or its documented address before that exists."""
    try:
        return reverse("posts:detail", args=[org.slug, post.public_id])
    except NoReverseMatch:
        return f"/o/{org.slug}/posts/{post.public_id}/"


_PLACEHOLDER = uuid.UUID(int=0)


def detail_urls(org: Organisation) -> Callable[[Post], str]:
    """``detail_url`` for many posts of one organisation: the address is resolved once and
    each post's id put in its place (a reverse() per calendar entry was a tenth of the
    month page's CPU)."""
    pattern = detail_url(org, Post(public_id=_PLACEHOLDER))
    head, found, tail = pattern.partition(str(_PLACEHOLDER))
    if not found:  # an address that does not show the id as is: resolve each one
        return lambda post: detail_url(org, post)
    return lambda post: f"{head}{post.public_id}{tail}"


# The attribute a calendar read prefetches a post's deliveries into: a plain list. Django's
# default prefetch builds a filtered queryset per post to hold them (a clone and a filter,
# about 0.3 ms each: a fifth of the month page's CPU).
PREFETCHED_DELIVERIES = "calendar_deliveries"


def _deliveries_of(post: Post) -> Iterable[Delivery]:
    prefetched: list[Delivery] | None = getattr(post, PREFETCHED_DELIVERIES, None)
    return post.deliveries.all() if prefetched is None else prefetched


def _channels(post: Post) -> tuple[Channel, ...]:
    return tuple(
        Channel(d.account.platform, d.account.label, d.account.display_name or d.account.handle)
        for d in _deliveries_of(post)
        if d.state != Delivery.State.CANCELLED
    )


def is_movable(post: Post) -> bool:
    """Nothing of the post has gone out or is going out (deliveries read from the prefetch)."""
    if post.deleted_at is not None or post.state == Post.State.DONE:
        return False
    return all(d.state in MOVABLE for d in _deliveries_of(post))


# A post without a scheduled time in these states was sent at once (or is going out now).
SENT_AT_ONCE_STATES = (Post.State.APPROVED, Post.State.SCHEDULED, Post.State.DONE)


def _posts_between(org: Organisation, start: datetime, end: datetime) -> list[Post]:
    """Posts placed in [start, end), and the last post of each series that reaches into it."""
    has_next = Exists(Post.objects.filter(repeat_of=OuterRef("pk")))
    series = (
        Q(scheduled_at__lt=end, has_next=False)
        & ~Q(repeat="")
        & (Q(repeat_until__isnull=True) | Q(repeat_until__gte=start.date() - timedelta(days=1)))
    )
    deliveries = Delivery.objects.select_related("account").order_by("account__platform", "id")
    # A post sent at once has no scheduled time: it is placed when it was sent, as the iCal
    # feed places it, so that the calendar shows everything that went out.
    at_once = Q(scheduled_at__isnull=True, state__in=SENT_AT_ONCE_STATES)
    placed = Coalesce("scheduled_at", "submitted_at", "created_at")
    return list(
        Post.objects.filter(organisation=org, deleted_at=None)
        .filter(Q(scheduled_at__isnull=False) | at_once)
        .annotate(has_next=has_next, placed_at=placed)
        .filter(Q(placed_at__gte=start, placed_at__lt=end) | series)
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .order_by("placed_at", "id")
    )


def occurrences(post: Post, start: datetime, end: datetime) -> Iterator[datetime]:
    """Future times of a series after ``post``, in [start, end): computed, not saved.

    The worker makes each next post with ``services._next_time`` when the previous one has
    gone out; the calendar walks the same function so that what it shows is what will happen.
    """
    if not post.repeat or post.scheduled_at is None or getattr(post, "has_next", False):
        return
    now = timezone.now()
    when = post.scheduled_at
    with timezone.override(ORG_ZONE):
        for _ in range(MAX_OCCURRENCES):
            when = services._next_time(when, post.repeat)
            if post.repeat_until and timezone.localtime(when).date() > post.repeat_until:
                return
            if when >= end:
                return
            if when >= start and when > now:
                yield when


def items_by_day(
    org: Organisation, first: date, last: date, tz: ZoneInfo
) -> dict[date, list[Item]]:
    """The calendar's posts from ``first`` to ``last`` (local days, inclusive), by local day."""
    start, end = local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)
    days: dict[date, list[Item]] = {}
    for post in _posts_between(org, start, end):
        placed_at: datetime = post.placed_at  # type: ignore[attr-defined]
        channels = _channels(post)
        url = detail_url(org, post)
        if start <= placed_at < end:
            at = placed_at.astimezone(tz)
            days.setdefault(at.date(), []).append(
                Item(post, at, repeat=False, movable=is_movable(post), channels=channels, url=url)
            )
        for when in occurrences(post, start, end):
            at = when.astimezone(tz)
            days.setdefault(at.date(), []).append(
                Item(post, at, repeat=True, movable=False, channels=channels, url=url)
            )
    for items in days.values():
        items.sort(key=lambda i: (i.at, i.post.pk))
    return days


def week_rows(
    org: Organisation,
    monday: date,
    tz: ZoneInfo,
    items: Mapping[date, list[Item]] | None = None,
) -> tuple[list[date], list[Row]]:
    """The week view: a row per hour 06-23 (and one before 6 when something is there).

    ``items``: the week's posts by day when the caller read them (capped); else all of them.
    """
    days = [monday + timedelta(days=i) for i in range(7)]
    if items is None:
        items = items_by_day(org, days[0], days[-1], tz)
    early = Row(None, [Cell(d) for d in days])
    rows = {h: Row(h, [Cell(d, h) for d in days]) for h in range(FIRST_HOUR, 24)}

    def cell(at: datetime) -> Cell:
        row = rows.get(at.hour, early)
        return row.cells[(at.date() - monday).days]

    for day_items in items.values():
        for item in day_items:
            cell(item.at).items.append(item)
    slots = PostingSlot.objects.filter(account__organisation=org).exclude(
        account__status=ChannelAccount.Status.DISCONNECTED
    )
    for at, slot in slot_times(slots.select_related("account"), days[0] - timedelta(days=1), 9):
        local = at.astimezone(tz)
        if days[0] <= local.date() <= days[-1]:
            cell(local).slots.append(SlotMark(local, slot.account))
    has_early = any(c.items or c.slots for c in early.cells)
    return days, ([early] if has_early else []) + list(rows.values())


# --- moving ----------------------------------------------------------------------------------


def _parse(value: str, fmt: str) -> datetime:
    try:
        return datetime.strptime(value.strip(), fmt)
    except ValueError:
        raise MoveError(_("The new date or time is not valid.")) from None


def new_local_time(post: Post, tz: ZoneInfo, data: Mapping[str, str]) -> datetime:
    """The wall-clock time a move asks for (naive, in ``tz``).

    ``at`` (the form: date and time), ``date`` with an optional ``time`` (dragging onto a
    day keeps the time of day), or ``days`` and ``hours`` (the keyboard: wall-clock steps).
    """
    if data.get("at"):
        return _parse(data["at"], LOCAL_INPUT)
    current = (post.scheduled_at or timezone.now()).astimezone(tz).replace(tzinfo=None)
    current = current.replace(second=0, microsecond=0)
    if data.get("date"):
        day = _parse(data["date"], "%Y-%m-%d").date()
        clock = _parse(data["time"], "%H:%M").time() if data.get("time") else current.time()
        return datetime.combine(day, clock)
    try:
        days, hours = int(data.get("days") or 0), int(data.get("hours") or 0)
    except ValueError:
        raise MoveError(_("The new date or time is not valid.")) from None
    if not (days or hours) or abs(days) > 366 or abs(hours) > 24 * 7:
        raise MoveError(_("The new date or time is not valid."))
    return current + timedelta(days=days, hours=hours)


def move(post: Post, local: datetime, tz: ZoneInfo, request: HttpRequest) -> datetime:
    """Move a post to a local wall-clock time; refused when it has gone out or is past."""
    if not is_movable(post):
        raise MoveError(
            _("The post has already gone out (or is going out now), so it can no longer be moved.")
        )
    try:
        when = local_to_aware(local, tz)
    except TimeOutOfRange:
        raise MoveError(bounds.range_message()) from None
    except NonexistentLocalTime:
        raise MoveError(
            _("That time does not exist: the clocks move forward an hour that night.")
        ) from None
    if bounds.date_problem(when):
        raise MoveError(bounds.date_problem(when))
    if when < timezone.now() - PAST_TOLERANCE:
        raise MoveError(_("That time is already past."))
    services.reschedule(post, when, request)
    return when


# --- posting slots ---------------------------------------------------------------------------


def slot_times(
    slots: Iterable[PostingSlot], first: date, days: int
) -> list[tuple[datetime, PostingSlot]]:
    """Each slot on each of ``days`` days from ``first`` as an aware time, in time order.

    A slot in the hour skipped in March does not happen that day; one in the hour repeated in
    October happens once, the first time.
    """
    by_weekday: dict[int, list[PostingSlot]] = {}
    for slot in slots:
        by_weekday.setdefault(slot.weekday, []).append(slot)
    out: list[tuple[datetime, PostingSlot]] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        for slot in by_weekday.get(day.weekday(), []):
            try:
                out.append((local_to_aware(datetime.combine(day, slot.time), ORG_ZONE), slot))
            except NonexistentLocalTime:
                continue
    out.sort(key=lambda pair: (pair[0], pair[1].pk))
    return out


def _minute(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(second=0, microsecond=0)


def next_free_slot(
    org: Organisation, accounts: Sequence[ChannelAccount], after: datetime
) -> datetime | None:
    """The first slot time of the accounts after ``after`` when none of them has a post yet.

    A slot counts as taken when any of the given accounts already has a post (not deleted,
    not cancelled or failed) at that minute. Looks eight weeks ahead; None without slots.
    """
    ids = [a.pk for a in accounts if a.organisation_id == org.pk]
    if not ids:
        return None
    slots = PostingSlot.objects.filter(account_id__in=ids).select_related("account")
    start = after.astimezone(ORG_ZONE).date()
    horizon = after + SLOT_HORIZON
    taken = {
        _minute(when)
        for when in Delivery.objects.filter(
            account_id__in=ids,
            post__deleted_at=None,
            post__scheduled_at__gte=after - timedelta(minutes=1),
            post__scheduled_at__lt=horizon + timedelta(days=1),
        )
        .exclude(state__in=[Delivery.State.CANCELLED, Delivery.State.FAILED])
        .values_list("post__scheduled_at", flat=True)
        if when is not None
    }
    for when, _slot in slot_times(slots, start, SLOT_HORIZON.days + 1):
        if when > after and _minute(when) not in taken:
            return when.astimezone(UTC)
    return None


def accounts_from(org: Organisation, values: Iterable[str]) -> list[ChannelAccount]:
    """The organisation's accounts named by id or public id; others are ignored."""
    pks: list[int] = []
    public: list[uuid.UUID] = []
    for raw in values:
        for value in raw.split(","):
            value = value.strip()
            if value.isdigit():
                pks.append(int(value))
                continue
            try:
                public.append(uuid.UUID(value))
            except ValueError:
                continue
    if not (pks or public):
        return []
    return list(
        ChannelAccount.objects.filter(organisation=org).filter(
            Q(pk__in=pks) | Q(public_id__in=public)
        )
    )


# --- iCalendar (RFC 5545) --------------------------------------------------------------------

ICAL_HISTORY = timedelta(days=365)


def ical_text(value: str) -> str:
    """A TEXT value escaped (RFC 5545, 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def fold(line: str, limit: int = 75) -> str:
    """A content line folded at ``limit`` octets, never inside a UTF-8 sequence (3.1)."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n".join(parts)


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


FREQ = {Post.Repeat.DAILY: "DAILY", Post.Repeat.WEEKLY: "WEEKLY", Post.Repeat.MONTHLY: "MONTHLY"}


def _event(post: Post, public_url: str) -> list[str]:
    when = post.scheduled_at or post.submitted_at or post.created_at
    channels = ", ".join(f"{c.label} ({c.handle})" for c in _channels(post))
    description = "\n".join(
        [
            _("Channels: %(channels)s") % {"channels": channels or "-"},
            _("State: %(state)s") % {"state": post.get_state_display()},
        ]
    )
    summary = " ".join(post.text.split())[:60]
    url = public_url + detail_url(post.organisation, post)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{post.public_id}@kaiku",
        f"DTSTAMP:{_utc(post.updated_at)}",
        f"DTSTART:{_utc(when)}",
        "DURATION:PT15M",
        f"SUMMARY:{ical_text(summary)}",
        f"DESCRIPTION:{ical_text(description)}",
        f"URL:{url}",
    ]
    if post.repeat in FREQ and not getattr(post, "has_next", False):
        rule = f"RRULE:FREQ={FREQ[Post.Repeat(post.repeat)]}"
        if post.repeat_until:
            last = datetime.combine(post.repeat_until, time(23, 59, 59), tzinfo=ORG_ZONE)
            rule += f";UNTIL={_utc(last)}"
        lines.append(rule)
    lines.append("END:VEVENT")
    return lines


def ical_feed(org: Organisation, public_url: str) -> str:
    """The organisation's scheduled and sent posts as an iCalendar document (CRLF lines).

    Only the last post of a series carries the RRULE: the earlier ones were real posts of
    their own, and repeating them too would show every occurrence several times.
    """
    since = timezone.now() - ICAL_HISTORY
    has_next = Exists(Post.objects.filter(repeat_of=OuterRef("pk")))
    deliveries = Delivery.objects.select_related("account").order_by("account__platform", "id")
    posts = (
        Post.objects.filter(
            organisation=org,
            deleted_at=None,
            state__in=[Post.State.SCHEDULED, Post.State.DONE],
        )
        .filter(Q(scheduled_at__gte=since) | Q(scheduled_at__isnull=True, created_at__gte=since))
        .annotate(has_next=has_next)
        .select_related("organisation")
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .order_by("scheduled_at", "id")
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kaiku//Kaiku calendar//FI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ical_text(f'Kaiku: {org.name}')}",
    ]
    for post in posts:
        lines += _event(post, public_url.rstrip("/"))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
