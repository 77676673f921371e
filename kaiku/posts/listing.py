"""The REST API's list of posts: filters, keyset pages and the deliveries in three queries.

Newest first by id (the order posts were made in), a page after a cursor that names the last
post shown: a page costs the same on the first page and the hundredth, and a post made while a
client pages does not shift the next page. Filters that cannot be read are refused with a
message that says which value and what would do (``BadFilter``), never ignored.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from kaiku.channels.registry import platforms
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Organisation
from kaiku.posts import search
from kaiku.posts.forms import NonexistentLocalTime, TimeOutOfRange, local_to_aware
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery
from kaiku.textsearch import MAX_QUERY_CHARS, Query, parse

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_CURSOR_PREFIX = "p1:"


class BadFilter(ValueError):
    """A filter value that cannot be read; the message says which and what would do."""


@dataclass(frozen=True)
class PostFilter:
    states: tuple[str, ...] = ()
    accounts: tuple[int, ...] = ()  # channel accounts' ids
    platforms: tuple[str, ...] = ()
    start: datetime | None = None  # from, inclusive
    end: datetime | None = None  # to, exclusive
    after_id: int | None = None  # the cursor: the last post of the previous page
    query: Query | None = None  # full-text search (kaiku.posts.search)
    limit: int = DEFAULT_LIMIT


@dataclass
class PostPage:
    posts: list[Post]
    next_cursor: str | None
    deliveries: dict[int, list[Delivery]] = field(default_factory=dict)


def _values(raw: str | None) -> list[str]:
    return [v.strip() for v in (raw or "").split(",") if v.strip()]


def parse_states(raw: str | None) -> tuple[str, ...]:
    known = list(Post.State.values)
    out = []
    for value in _values(raw):
        if value not in known:
            raise BadFilter(f"Unknown state {value!r}: use one or more of {', '.join(known)}")
        out.append(value)
    return tuple(dict.fromkeys(out))


def parse_channels(org: Organisation, raw: str | None) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Channel ids (the organisation's accounts) and platform names, from ``a,b``."""
    ids: list[uuid.UUID] = []
    names: list[str] = []
    known = platforms()
    for value in _values(raw):
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            if value not in known:
                raise BadFilter(
                    f"Unknown channel {value!r}: give a channel id (GET .../channels) or a "
                    f"platform: {', '.join(known)}"
                ) from None
            names.append(value)
    found = dict(
        ChannelAccount.objects.filter(organisation=org, public_id__in=ids).values_list(
            "public_id", "pk"
        )
    )
    missing = [str(i) for i in ids if i not in found]
    if missing:
        # Another organisation's channel is as unknown here as one that never existed.
        raise BadFilter(f"Unknown channel {', '.join(missing)}: not a channel of this organisation")
    return tuple(found[i] for i in dict.fromkeys(ids)), tuple(dict.fromkeys(names))


def parse_time(name: str, raw: str | None, tz: ZoneInfo) -> datetime | None:
    """An ISO 8601 time or date; without an offset, in ``tz`` (a date: its midnight)."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        value = parse_datetime(text)
        day = None if value is not None else parse_date(text)
    except ValueError:  # the right shape with impossible numbers (month 13)
        value = day = None
    if value is None and day is not None:
        value = datetime.combine(day, time())
    if value is None:
        raise BadFilter(
            f"{name}: {raw!r} is not an ISO 8601 time or date (e.g. 2026-03-01 or "
            "2026-03-01T09:00:00+02:00)"
        )
    if timezone.is_aware(value):
        return value
    try:
        return local_to_aware(value, tz)
    except (TimeOutOfRange, NonexistentLocalTime):
        raise BadFilter(f"{name}: {raw!r} is not a time that exists in {tz.key}") from None


def parse_limit(raw: str | None) -> int:
    if raw is None or not raw.strip():
        return DEFAULT_LIMIT
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise BadFilter(f"limit: {raw!r} is not a whole number from 1 to {MAX_LIMIT}")
    return value


def parse_query(raw: str | None) -> Query | None:
    """``q``: words every post found has (as written or by base form); empty is no filter."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_QUERY_CHARS:
        raise BadFilter(f"q: at most {MAX_QUERY_CHARS} characters")
    query = parse(raw)
    if not query:
        raise BadFilter(f"q: {raw.strip()[:80]!r} has no word to search for (letters or digits)")
    return query


def encode_cursor(post_id: int) -> str:
    raw = f"{_CURSOR_PREFIX}{post_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_cursor(raw: str | None) -> int | None:
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    number = decoded.removeprefix(_CURSOR_PREFIX)
    if not decoded.startswith(_CURSOR_PREFIX) or not number.isascii() or not number.isdigit():
        raise BadFilter("cursor: not a cursor of this list; follow the 'next' link as given")
    return int(number)


def _filtered(org: Organisation, f: PostFilter) -> QuerySet[Post]:
    posts = Post.objects.filter(organisation=org, deleted_at=None)
    if f.query is not None:
        posts = posts.filter(pk__in=search.matching_ids(org, f.query))
    if f.states:
        posts = posts.filter(state__in=f.states)
    if f.accounts or f.platforms:
        on = Delivery.objects.filter(post=OuterRef("pk"))
        posts = posts.filter(
            Exists(on.filter(Q(account_id__in=f.accounts) | Q(account__platform__in=f.platforms)))
        )
    if f.start is not None or f.end is not None:
        # A post's time is when it is scheduled; one sent at once has none, so its deliveries'
        # publishing times stand for it.
        scheduled = Q(scheduled_at__isnull=False)
        published = Q(published_at__isnull=False)
        if f.start is not None:
            scheduled &= Q(scheduled_at__gte=f.start)
            published &= Q(published_at__gte=f.start)
        if f.end is not None:
            scheduled &= Q(scheduled_at__lt=f.end)
            published &= Q(published_at__lt=f.end)
        sent_at_once = Exists(Delivery.objects.filter(published, post=OuterRef("pk")))
        posts = posts.filter(scheduled | (Q(scheduled_at__isnull=True) & sent_at_once))
    if f.after_id is not None:
        posts = posts.filter(pk__lt=f.after_id)
    return posts


def page(org: Organisation, f: PostFilter) -> PostPage:
    """One page of the organisation's posts (not deleted) with their deliveries."""
    deliveries = Delivery.objects.select_related("account").order_by("account__platform", "id")
    rows: list[Any] = list(
        _filtered(org, f)
        .order_by("-pk")
        # Into a plain list: Django's default prefetch builds a filtered queryset per post
        # to hold them (a clone and a filter each, a fifth of the page's CPU).
        .prefetch_related(Prefetch("deliveries", queryset=deliveries, to_attr="listed"))[
            : f.limit + 1
        ]
    )
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    for post in rows:
        post.organisation = org  # known: no query per post for its slug
    return PostPage(
        posts=rows,
        next_cursor=encode_cursor(rows[-1].pk) if more and rows else None,
        deliveries={p.pk: p.listed for p in rows},
    )


def window_is_valid(start: datetime | None, end: datetime | None) -> bool:
    return start is None or end is None or start < end
