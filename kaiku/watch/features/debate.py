"""Debate watch: public posts on the organisation's topics that are gaining attention, and
posts with stigmatising language that may be worth answering.

"Rising" is engagement per hour since the post was published (the reactions it gathered
divided by its age plus two hours, so a minute-old post with one like does not top the list).
The watch stores one engagement snapshot per item (refreshed in place when a source re-reads
the post), so a true rate of growth between two fetches is not available; a young post with
many reactions is the best proxy the stored data allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kaiku.organisations.models import Organisation
from kaiku.watch.features.digest import Epoch
from kaiku.watch.models import Item, Topic

SOCIAL_PLATFORMS = ("mastodon", "bluesky", "x")
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


def _social(organisation: Organisation, topic: Topic | None) -> QuerySet[Item]:
    items = Item.objects.filter(organisation=organisation, platform__in=SOCIAL_PLATFORMS)
    if topic is not None:
        return items.filter(topic_links__topic=topic)
    return items.filter(topic_links__topic__enabled=True).distinct()


def rising(
    organisation: Organisation, *, topic: Topic | None = None, now: datetime | None = None
) -> QuerySet[Item]:
    now = now or timezone.now()
    since = now - RISING_WINDOW
    age_hours = (
        Value(now.timestamp()) - Epoch(Coalesce(F("published_at"), F("fetched_at")))
    ) / Value(3600.0)
    return (
        _social(organisation, topic)
        .filter(published_at__gte=since, engagement_total__gt=0)
        .annotate(per_hour=F("engagement_total") / (age_hours + Value(2.0)))
        .annotate(per_hour_f=Coalesce(F("per_hour"), Value(0.0), output_field=FloatField()))
        .order_by("-per_hour_f", "-id")
    )


def stigma(
    organisation: Organisation, *, topic: Topic | None = None, now: datetime | None = None
) -> QuerySet[Item]:
    now = now or timezone.now()
    items = Item.objects.filter(
        organisation=organisation,
        platform__in=SOCIAL_PLATFORMS,
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
        out.append(DebateItem(item, float(getattr(item, "per_hour_f", 0.0) or 0.0), reply, quote))
    return out
