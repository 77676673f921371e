"""The digest's rank, stored on each item so that a page is an index scan.

score = relevance × recency × engagement × source weight, where

- relevance = 0.3 for an item that matches no topic, else 0.8 + 0.5 per topic point (1 point per
  matched keyword, 2 in the title; capped at 6 points),
- recency = 0.5 ** (age in hours / 36),
- engagement = 1 + log10(1 + likes + boosts + replies...),
- weight = the highest weight among the sources that brought the item.

Because recency is an exponential, ln(score) = ln(relevance × engagement × weight)
+ λ·time - λ·now: the order does not depend on "now". ``Item.rank_key`` holds everything but
the last term, so the digest sorts by a stored, indexed column with no clock in it, over every
item rather than a pool of the newest.

The key's inputs change in few places, and each calls ``refresh``: the ingest (new items get
their key as they are inserted; a known item seen through one more source, or with new
engagement counts, is refreshed), re-matching topics, and a source's weight changing or the
source being removed. ``keep_key_in_step`` (a pre_save receiver, connected in
``WatchConfig.ready``) keeps the key in step with the item's own columns when an item is saved.

The time is the publication time, but never later than when Kaiku first fetched the item: a
feed that dates its entries in the future must not pin them to the top of the digest.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Max, Sum
from django.db.models.signals import pre_save

from kaiku.watch.models import Item, ItemSource, ItemTopic

HALF_LIFE_HOURS = 36.0
DECAY_PER_SECOND = math.log(2) / (HALF_LIFE_HOURS * 3600)
OFF_TOPIC = 0.3
ON_TOPIC_BASE = 0.8
PER_TOPIC_POINT = 0.5
MAX_TOPIC_POINTS = 6.0
MUTED = -1e9  # the key's weight term for a source weighted 0: such items sort last
CHUNK = 500


def relevance(points: float) -> float:
    if points <= 0:
        return OFF_TOPIC
    return ON_TOPIC_BASE + PER_TOPIC_POINT * min(points, MAX_TOPIC_POINTS)


def recency(age_hours: float) -> float:
    return float(0.5 ** (max(age_hours, 0.0) / HALF_LIFE_HOURS))


def engagement_factor(total: int) -> float:
    return 1.0 + math.log10(1 + max(total, 0))


def score(points: float, age_hours: float, total: int, weight: float) -> float:
    return relevance(points) * recency(age_hours) * engagement_factor(total) * max(weight, 0.0)


def rank_time(published_at: datetime | None, fetched_at: datetime) -> datetime:
    """When the item counts as published: its own date, unless that is after the first fetch."""
    if published_at is None or published_at > fetched_at:
        return fetched_at
    return published_at


def key(
    points: float,
    engagement_total: int,
    weight: float,
    published_at: datetime | None,
    fetched_at: datetime,
) -> float:
    """ln(score) + λ·now: larger is better, and comparable between any two items."""
    weight_term = math.log(weight) if weight > 0 else MUTED
    when = rank_time(published_at, fetched_at).timestamp()
    return (
        math.log(relevance(points))
        + math.log(engagement_factor(engagement_total))
        + weight_term
        + DECAY_PER_SECOND * when
    )


def _chunks(values: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def refresh(item_ids: Iterable[int]) -> int:
    """Recompute topic points, best source weight and rank key of these items from their topic
    links and sources. Returns how many items were updated."""
    return refresh_with(Item, ItemSource, ItemTopic, item_ids)


def refresh_with(item: Any, item_source: Any, item_topic: Any, item_ids: Iterable[int]) -> int:
    """``refresh`` with the models given (the migration that added the key passes its own)."""
    ids = sorted(set(item_ids))
    table = connection.ops.quote_name(item._meta.db_table)
    updated = 0
    for chunk in _chunks(ids):
        points = dict(
            item_topic.objects.filter(item_id__in=chunk, topic__enabled=True)
            .order_by()
            .values("item_id")
            .annotate(total=Sum("score"))
            .values_list("item_id", "total")
        )
        weights = dict(
            item_source.objects.filter(item_id__in=chunk)
            .order_by()
            .values("item_id")
            .annotate(best=Max("source__weight"))
            .values_list("item_id", "best")
        )
        rows = []
        for pk, total, published, fetched in (
            item.objects.filter(pk__in=chunk)
            .order_by()
            .values_list("id", "engagement_total", "published_at", "fetched_at")
        ):
            p = float(points.get(pk) or 0.0)
            w = weights.get(pk)
            w = 1.0 if w is None else float(w)
            rows.append((p, w, key(p, total, w, published, fetched), pk))
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET topic_points = %s, source_weight = %s, rank_key = %s "
                    "WHERE id = %s",
                    rows,
                )
            updated += len(rows)
    return updated


def refresh_organisation(organisation_id: int) -> int:
    ids = list(
        Item.objects.filter(organisation_id=organisation_id).order_by().values_list("id", flat=True)
    )
    return refresh(ids)


def items_of_source(source_id: int) -> list[int]:
    return list(
        ItemSource.objects.filter(source_id=source_id).order_by().values_list("item_id", flat=True)
    )


def keep_key_in_step(sender: type[Item], instance: Item, **kwargs: Any) -> None:
    """Before an item is saved: its key from its own columns (``Item.save`` writes the key on a
    partial save too)."""
    instance.rank_key = key(
        instance.topic_points,
        instance.engagement_total,
        instance.source_weight,
        instance.published_at,
        instance.fetched_at,
    )


def connect() -> None:
    pre_save.connect(keep_key_in_step, sender=Item, dispatch_uid="watch.rank.keep_key_in_step")
