"""The digest: one ranked list across all sources, and the e-mail digest.

The rank (relevance × recency × engagement × source weight) is stored on each item; see
kaiku.watch.ingest.rank for the formula and for how the stored key stays current. A page is then a
scan of the (organisation, rank_key) index, so it costs about the same with 1,000 or 100,000
items stored, and every item takes part in the ranking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import (
    FloatField,
    Func,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kaiku.organisations.models import Membership, Organisation
from kaiku.watch.features import search
from kaiku.watch.ingest.rank import rank_time, score
from kaiku.watch.models import Item, ItemState, ItemTopic, Source, Topic

PAGE_SIZE = 25
SEARCH_POOL = 3000
LANGUAGES = ("fi", "sv", "en")
EMAIL_TOP_N = 15


class Epoch(Func):
    """Seconds since 1970 of a datetime column (SQLite and PostgreSQL)."""

    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)")


# --- the ranked list ---------------------------------------------------------------------------


@dataclass
class Filters:
    topic: Topic | None = None
    source: Source | None = None
    platform: str = ""
    language: str = ""
    query: str = ""
    state: str = ""  # "", "unread", "starred"

    @property
    def active(self) -> bool:
        return bool(
            self.topic or self.source or self.platform or self.language or self.query or self.state
        )


@dataclass
class Reasons:
    topics: list[tuple[str, float]]
    age_hours: float
    engagement: int
    weight: float
    score: float

    @property
    def age_text(self) -> str:
        hours = int(self.age_hours)
        if hours < 1:
            return _("less than an hour")
        if hours < 48:
            return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
        days = hours // 24
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}

    def lines(self) -> list[str]:
        if self.topics:
            names = ", ".join(name for name, _points in self.topics)
            topic_line = _("Topics: %(names)s") % {"names": names}
        else:
            topic_line = _("Topics: none matched")
        return [
            topic_line,
            _("Age: %(age)s") % {"age": self.age_text},
            ngettext("Engagement: %(n)d reaction", "Engagement: %(n)d reactions", self.engagement)
            % {"n": self.engagement},
            # Numbers in the language's own format, as the rank beside them (3,51 in Finnish).
            _("Source weight: %(w)s") % {"w": formats.number_format(round(self.weight, 2))},
            _("Score: %(s)s") % {"s": formats.number_format(self.score, decimal_pos=2)},
        ]

    @property
    def title(self) -> str:
        return "; ".join(self.lines())


@dataclass
class RankedItem:
    item: Item
    reasons: Reasons
    read: bool = False
    starred: bool = False
    sources: list[Source] = field(default_factory=list)


@dataclass
class DigestPage:
    items: list[RankedItem]
    page: int
    has_next: bool
    page_size: int = PAGE_SIZE

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.page_size + 1

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def search_items(
    organisation: Organisation, query: str, newest: int | None = None
) -> QuerySet[Item]:
    """Items with every word of ``query``, as written or in base form ("hyvinvointialueilla"
    finds items about "hyvinvointialue"), through the full-text index (features.search);
    with ``newest``, only the most recently stored that many."""
    return search.matching(organisation, query, newest).order_by("-published_at", "-id")


def filtered(organisation: Organisation, filters: Filters, user: Any = None) -> QuerySet[Item]:
    # With no other filter, the index gives the search's pool (below) itself.
    alone = not (filters.topic or filters.source or filters.platform or filters.language)
    alone = alone and not (user is not None and filters.state)
    items = (
        search_items(organisation, filters.query, SEARCH_POOL if alone else None)
        if filters.query.strip()
        else Item.objects.filter(organisation=organisation)
    )
    if filters.topic is not None:
        items = items.filter(topic_links__topic=filters.topic)
    if filters.source is not None:
        items = items.filter(seen_in__source=filters.source)
    if filters.platform:
        items = items.filter(platform=filters.platform)
    if filters.language:
        items = items.filter(language=filters.language)
    if user is not None and filters.state == "starred":
        items = items.filter(states__user=user, states__starred=True)
    elif user is not None and filters.state == "unread":
        items = items.exclude(pk__in=ItemState.objects.filter(user=user, read=True).values("item"))
    if filters.query.strip():
        # Ranking every match of a common word would read each of them; the full-text index
        # gives them in storage order, so a search ranks its SEARCH_POOL most recently stored
        # matches.
        newest = items.order_by("-id").values("pk")[:SEARCH_POOL]
        items = Item.objects.filter(pk__in=Subquery(newest))
    return items


def ranked(items: QuerySet[Item]) -> QuerySet[Item]:
    """``items`` ordered by score, best first."""
    return items.order_by("-rank_key", "-id")


def _reasons(item: Item, topic_links: Iterable[ItemTopic], now: datetime) -> Reasons:
    points = item.topic_points
    weight = item.source_weight
    when = rank_time(item.published_at, item.fetched_at)
    age = max((now - when).total_seconds() / 3600, 0.0)
    topics = [(link.topic.name, link.score) for link in topic_links if link.topic.enabled]
    return Reasons(
        topics=topics,
        age_hours=age,
        engagement=item.engagement_total,
        weight=weight,
        score=score(points, age, item.engagement_total, weight),
    )


# Nobody reads the ten-thousandth page; past it an offset stops fitting the database's integer.
MAX_PAGE = 10_000


def digest_page(
    organisation: Organisation,
    filters: Filters,
    *,
    user: Any = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> DigestPage:
    """One page of the ranked digest with each item's reasons and the reader's marks."""
    now = now or timezone.now()
    page = min(max(page, 1), MAX_PAGE)
    start = (page - 1) * page_size
    rows = list(
        ranked(filtered(organisation, filters, user)).prefetch_related(
            Prefetch(
                "topic_links",
                queryset=ItemTopic.objects.select_related("topic").order_by("-score"),
            ),
            Prefetch("sources", queryset=Source.objects.only("id", "title", "url", "identifier")),
        )[start : start + page_size + 1]
    )
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    states: dict[int, ItemState] = {}
    if user is not None and rows:
        states = {
            s.item_id: s
            for s in ItemState.objects.filter(user=user, item_id__in=[r.pk for r in rows])
        }
    out = []
    for item in rows:
        state = states.get(item.pk)
        out.append(
            RankedItem(
                item=item,
                reasons=_reasons(item, item.topic_links.all(), now),
                read=bool(state and state.read),
                starred=bool(state and state.starred),
                sources=list(item.sources.all()),
            )
        )
    return DigestPage(out, page, has_next, page_size)


# --- the e-mail digest -------------------------------------------------------------------------

FREQUENCIES = ("none", "daily", "weekly")
# Proposed Membership fields (see the report); read through getattr until they exist.
PREFERENCE_FIELD = "watch_digest"
SENT_FIELD = "watch_digest_sent_at"
PERIOD = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
SEND_HOUR = 7  # local time (Europe/Helsinki unless the user chose another zone)


def preference(membership: Membership) -> str:
    """The member's e-mail digest choice. Read with getattr: the field is proposed, see README."""
    value = str(getattr(membership, "watch_digest", "none") or "none")
    return value if value in FREQUENCIES else "none"


def can_store_preference() -> bool:
    return any(f.name == "watch_digest" for f in Membership._meta.get_fields())


def set_preference(membership: Membership, value: str) -> bool:
    """Store the choice; False when the field does not exist yet."""
    if value not in FREQUENCIES or not can_store_preference():
        return False
    Membership.objects.filter(pk=membership.pk).update(**{PREFERENCE_FIELD: value})
    return True


def _local_now(user: Any, now: datetime) -> datetime:
    try:
        tz = ZoneInfo(str(getattr(user, "time_zone", "") or "Europe/Helsinki"))
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("Europe/Helsinki")
    return now.astimezone(tz)


def is_due(membership: Membership, frequency: str, now: datetime) -> bool:
    """Due once a day (daily) or on Mondays (weekly), at the first run after SEND_HOUR."""
    if frequency not in PERIOD:
        return False
    local = _local_now(membership.user, now)
    if frequency == "weekly" and local.weekday() != 0:
        return False
    if local.hour < SEND_HOUR:
        return False
    slot = local.replace(hour=SEND_HOUR, minute=0, second=0, microsecond=0)
    sent_at = getattr(membership, "watch_digest_sent_at", None)
    if sent_at is None and not hasattr(membership, "watch_digest_sent_at"):
        # Without a record of the last send, only the run in the send hour sends.
        return local.hour == SEND_HOUR
    return sent_at is None or sent_at < slot


# How many of the best-ranked items top_new_items reads before it ranks every new item.
NEW_POOL = 300


def top_new_items(
    organisation: Organisation, since: datetime, *, limit: int = EMAIL_TOP_N
) -> list[RankedItem]:
    """The best ``limit`` items fetched since ``since``, best first.

    Read from the organisation's best-ranked items (watch_item_rank_idx, in its order): the
    rank falls with age, so the best new items are nearly always among the first few
    hundred, and the first ``limit`` new ones among them are exactly the best new ones.
    Only when fewer are found there are all the new items ranked (the dashboard read and
    sorted a week's 11,000 whole rows every time: 16-20 ms on SQLite)."""
    items = Item.objects.filter(organisation=organisation)
    pool = list(ranked(items).values_list("pk", "fetched_at")[:NEW_POOL])
    best = [pk for pk, fetched_at in pool if fetched_at >= since][:limit]
    if len(best) < limit and len(pool) == NEW_POOL:
        new = items.filter(fetched_at__gte=since)
        best = list(ranked(new).values_list("pk", flat=True)[:limit])
    rows = list(
        ranked(Item.objects.filter(pk__in=best)).prefetch_related(
            Prefetch("topic_links", queryset=ItemTopic.objects.select_related("topic"))
        )
    )
    now = timezone.now()
    return [RankedItem(item=i, reasons=_reasons(i, i.topic_links.all(), now)) for i in rows]


def digest_email(membership: Membership, frequency: str, now: datetime) -> tuple[str, str] | None:
    """Subject and text body in the member's language, or None when nothing is new."""
    since = getattr(membership, "watch_digest_sent_at", None) or now - PERIOD[frequency]
    items = top_new_items(membership.organisation, since)
    if not items:
        return None
    language = str(getattr(membership.user, "language", "") or "fi")
    with translation.override(language):
        subject = (
            _("Kaiku daily digest: %(org)s")
            if frequency == "daily"
            else _("Kaiku weekly digest: %(org)s")
        ) % {"org": membership.organisation.name}
        base = str(getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")
        body = render_to_string(
            "watch/digest_email.txt",
            {
                "membership": membership,
                "items": items,
                "digest_url": f"{base}/o/{membership.organisation.slug}/watch/",
                "frequency": frequency,
            },
        )
    return subject, body


def send_due_digests(now: datetime | None = None) -> int:
    """E-mail every member whose digest is due. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    members = Membership.objects.select_related("organisation", "user").filter(user__is_active=True)
    if can_store_preference():
        members = members.exclude(**{PREFERENCE_FIELD: "none"})
    for membership in members:
        frequency = preference(membership)
        if not membership.user.email or not is_due(membership, frequency, now):
            continue
        message = digest_email(membership, frequency, now)
        if message is None:
            continue
        send_mail(message[0], message[1], None, [membership.user.email])
        if hasattr(membership, "watch_digest_sent_at"):
            Membership.objects.filter(pk=membership.pk).update(**{SENT_FIELD: now})
        sent += 1
    return sent
