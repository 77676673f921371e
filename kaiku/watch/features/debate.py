"""Debate watch: posts and news on the organisation's topics that are gaining attention, and
items with stigmatising language that may be worth answering, from every kind of source (feeds
and YouTube as well as Mastodon, Bluesky and X).

"Rising" is attention per hour since the item was published (divided by its age plus two
hours, so a minute-old post with one like does not top the list). Attention is the reactions a
platform reports plus, for each of the organisation's sources beyond the first that carries the
same item, SOURCE_POINTS: a feed reports no reactions, and a news story or opinion piece that
several outlets pick up is how a debate rises there. The watch stores one engagement snapshot
per item (refreshed in place when a source re-reads the post), so a true rate of growth between
two fetches is not available; a young item with much attention is the best proxy the stored
data allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaiku.organisations.models import Organisation
from kaiku.watch.features.digest import Epoch
from kaiku.watch.models import Item, ItemSource, ItemTopic, Source, Topic

# A second source carrying the same item counts as this many reactions.
SOURCE_POINTS = 10
# What the page says it covers, by the first part of a source's kind.
KIND_NAMES: dict[str, Promise] = {
    "feed": _("news and blog feeds (RSS, Atom, JSON Feed)"),
    "youtube": _("YouTube"),
    "mastodon": _("Mastodon"),
    "bluesky": _("Bluesky"),
    "x": _("X"),
}
RISING_WINDOW = timedelta(hours=72)
STIGMA_WINDOW = timedelta(days=14)
LIMIT = 20
QUOTE_CHARS = 280


@dataclass
class DebateItem:
    item: Item
    per_hour: float
    reply_url: str
    quote_url: str
    sources: int = 1  # how many of the organisation's sources carry the item


def _on_topic(organisation: Organisation, topic: Topic | None) -> QuerySet[Item]:
    items = Item.objects.filter(organisation=organisation)
    if topic is not None:
        return items.filter(topic_links__topic=topic)
    # EXISTS, not a join and DISTINCT: the join made the database read every topic link of
    # the organisation first and sort them for the DISTINCT (165 ms at 100,000 items).
    enabled = ItemTopic.objects.filter(item=OuterRef("pk"), topic__enabled=True)
    return items.filter(Exists(enabled))


def _carried_by() -> Subquery:
    return Subquery(
        ItemSource.objects.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(n=Count("*"))
        .values("n"),
        output_field=IntegerField(),
    )


def rising(
    organisation: Organisation, *, topic: Topic | None = None, now: datetime | None = None
) -> QuerySet[Item]:
    now = now or timezone.now()
    since = now - RISING_WINDOW
    published = Coalesce(F("published_at"), F("fetched_at"))
    age_hours = (Value(now.timestamp()) - Epoch(published)) / Value(3600.0)
    attention = F("engagement_total") + Value(SOURCE_POINTS) * (F("carried_by") - Value(1))
    return (
        _on_topic(organisation, topic)
        # The same window as published (publishing time, else fetching time) in [since, now],
        # written so that the (organisation, published_at) index reads only those hours.
        .filter(
            Q(published_at__gte=since, published_at__lte=now)
            | Q(published_at__isnull=True, fetched_at__gte=since, fetched_at__lte=now)
        )
        .annotate(published=published, carried_by=Coalesce(_carried_by(), Value(1)))
        .annotate(attention=attention)
        .filter(attention__gt=0)
        .annotate(per_hour=F("attention") / (age_hours + Value(2.0)))
        .annotate(per_hour_f=Coalesce(F("per_hour"), Value(0.0), output_field=FloatField()))
        .order_by("-per_hour_f", "-id")
    )


def stigma(
    organisation: Organisation, *, topic: Topic | None = None, now: datetime | None = None
) -> QuerySet[Item]:
    now = now or timezone.now()
    items = Item.objects.filter(
        organisation=organisation,
        stigma_findings_count__gt=0,
        fetched_at__gte=now - STIGMA_WINDOW,
    )
    if topic is not None:
        items = items.filter(topic_links__topic=topic)
    return items.order_by("-published_at", "-id")


def quote_text(item: Item) -> str:
    text = " ".join((item.text or item.title).split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1].rstrip() + "…"
    return text


def compose_links(organisation: Organisation, item: Item) -> tuple[str, str]:
    """The compose page, prefilled to reply to the post or to quote it."""
    base = f"/o/{organisation.slug}/posts/new/?"
    quote = quote_text(item)
    who = item.author_handle or item.author_name
    reply = base + urlencode({"reply_to": item.url, "text": quote})
    quoted = f"”{quote}” — {who}" if who else f"”{quote}”"
    quote_link = base + urlencode({"link": item.url, "text": quoted})
    return reply, quote_link


def debate_items(organisation: Organisation, items: QuerySet[Item]) -> list[DebateItem]:
    out = []
    for item in items[:LIMIT]:
        reply, quote = compose_links(organisation, item)
        per_hour = float(getattr(item, "per_hour_f", 0.0) or 0.0)
        carried = int(getattr(item, "carried_by", 1) or 1)
        out.append(DebateItem(item, per_hour, reply, quote, carried))
    return out


def covered_kinds(organisation: Organisation) -> list[str]:
    """The kinds of source the view draws on (all of the organisation's enabled sources), as
    words for the page, in a fixed order."""
    kinds = set(
        Source.objects.filter(organisation=organisation, enabled=True)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )
    prefixes = {kind.split("_")[0] for kind in kinds}
    return [str(name) for prefix, name in KIND_NAMES.items() if prefix in prefixes]
