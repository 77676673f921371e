"""From parsed entries to stored items: sanitise, analyse, merge duplicates, bulk insert.

``prepare`` is pure (no database) and runs in the fetch threads; ``store`` writes one source's
batch in one transaction from the thread that owns the database connection.

Duplicates are merged within an organisation only when they are the same item: the same merge
guid (see Item.guid: a source's own guid, or a global one such as a URL) or the same canonical
URL (tracking parameters stripped). Two items with different links are two items, however
alike their title and text: a feed of three notices with the same wording keeps three. (The
content hash is still stored, for finding near-duplicates, but never merges.) A merged item
gains an ItemSource row for the new source; nothing else changes but its engagement, which is
refreshed when the platform reports new counts. New items get their digest rank key as they
are inserted; merged items whose sources or counts changed have theirs refreshed
(kaiku.watch.ingest.rank).

New items go in with one INSERT of many rows (kaiku.rows.insert), not one statement per row:
on SQLite the search index's trigger (watch_item_search, FTS5) writes a new index segment at
every statement, which cost about 100 µs per item in merging segments. Measured with
bench/watch_ingest.py (1,000 feeds x 50 items, SQLite, interleaved twice with main e740d5d,
load average 5.6-8.9): store 219/235 -> 125/141 µs of CPU per item, total 561/600 -> 461/508.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction

from kaiku.rows import insert as rows_insert
from kaiku.watch.ingest import rank
from kaiku.watch.ingest.prepare import PreparedItem, prepare
from kaiku.watch.models import Item, ItemSource, ItemTopic, Source

__all__ = ["PreparedItem", "StoreResult", "prepare", "store"]

BATCH = 500
_LOOKUP_CHUNK = 300


@dataclass(frozen=True, slots=True)
class StoreResult:
    new: int = 0
    merged: int = 0  # known items now also linked to this source
    unchanged: int = 0  # already linked to this source (a feed repeating its items)


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), _LOOKUP_CHUNK):
        yield values[start : start + _LOOKUP_CHUNK]


def _existing(
    organisation_id: int, items: Sequence[PreparedItem]
) -> tuple[dict[str, int], dict[str, int], dict[int, dict[str, int]]]:
    """Known items by merge key. One query per key, so each can use its index; where several
    items share a key, the most recently published wins (the model's default ordering).

    Plain SQL: building these small queries through the ORM cost more than running them.
    Without ORDER BY: with one, SQLite's planner walked the organisation's items in
    publishing order (watch_item_when_idx) instead of looking the keys up, which made every
    source's lookup cost as much as all the organisation's items (``_newest_first`` sorts the
    few rows found the way ``ORDER BY published_at DESC, id DESC`` would)."""
    keys = {
        "guid": [i.guid for i in items],
        "url_hash": [i.url_hash for i in items if i.url_hash],
    }
    found: dict[str, dict[str, int]] = {name: {} for name in keys}
    engagement: dict[int, dict[str, int]] = {}
    ops = connection.ops
    table = ops.quote_name(Item._meta.db_table)
    nulls_first = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for name, values in keys.items():
            column = ops.quote_name(name)
            for chunk in _chunks(values):
                cursor.execute(
                    f"SELECT id, {column}, engagement, published_at FROM {table} "
                    f"WHERE organisation_id = %s AND {column} IN ({_marks(len(chunk))})",
                    [organisation_id, *chunk],
                )
                for pk, value, raw, _when in _newest_first(
                    cursor.fetchall(), nulls_first=nulls_first
                ):
                    found[name].setdefault(value, pk)
                    engagement[pk] = _json_dict(raw)
    return found["guid"], found["url_hash"], engagement


Row = tuple[int, str, object, object]


def _newest_first(rows: list[Row], *, nulls_first: bool) -> list[Row]:
    """Rows ``(id, key, engagement, published_at)`` in the order of ``ORDER BY published_at
    DESC, id DESC``: an unknown time sorts as the largest on PostgreSQL (``nulls_first``)
    and as the smallest on SQLite. Times are compared as the database returned them (all
    datetimes, or all text in one format)."""
    if len(rows) < 2:
        return rows
    dated = [row for row in rows if row[3] is not None]
    undated = [row for row in rows if row[3] is None]
    dated.sort(key=lambda row: (row[3], row[0]), reverse=True)
    undated.sort(key=lambda row: row[0], reverse=True)
    return undated + dated if nulls_first else dated + undated


def _json(value: dict[str, int] | list[str]) -> str:
    """``json.dumps``, without its call chain for the usual empty value."""
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value)


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def _json_dict(raw: object) -> dict[str, int]:
    """A JSON column as read by a plain query: text on SQLite, decoded on PostgreSQL."""
    value = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return value if isinstance(value, dict) else {}


def _ids_by_guid(organisation_id: int, guids: list[str]) -> dict[str, int]:
    ops = connection.ops
    table = ops.quote_name(Item._meta.db_table)
    ids: dict[str, int] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(guids):
            cursor.execute(
                f"SELECT guid, id FROM {table} "
                f"WHERE organisation_id = %s AND guid IN ({_marks(len(chunk))})",
                [organisation_id, *chunk],
            )
            ids.update(cursor.fetchall())
    return ids


def _dedupe(items: Sequence[PreparedItem]) -> list[PreparedItem]:
    seen_guid: set[str] = set()
    seen_url: set[str] = set()
    out = []
    for item in items:
        if item.guid in seen_guid or (item.canonical_url and item.canonical_url in seen_url):
            continue
        seen_guid.add(item.guid)
        if item.canonical_url:
            seen_url.add(item.canonical_url)
        out.append(item)
    return out


_ITEM_COLUMNS = (
    "organisation_id", "guid", "url", "canonical_url", "url_hash", "content_hash", "title",
    "summary_html",
    "text", "author_name", "author_handle", "platform", "language", "published_at",
    "fetched_at", "engagement", "engagement_total", "lemmas", "stigma_findings_count",
    "mentioned_accounts", "links", "topic_points", "source_weight", "rank_key",
)  # fmt: skip
_JSON_COLUMNS = frozenset({"engagement", "mentioned_accounts", "links"})


def _insert_items(
    organisation_id: int, items: list[PreparedItem], fetched_at: datetime, weight: float
) -> list[int]:
    """Insert new items with one prepared statement (executemany), and return their ids in
    order. The ORM's bulk_create spends most of its time compiling SQL per field and row."""
    if not items:
        return []
    ops = connection.ops
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        created = Item.objects.bulk_create(
            [_item(organisation_id, p, fetched_at, weight) for p in items], batch_size=BATCH
        )
        return [i.pk for i in created]
    fetched = ops.adapt_datetimefield_value(fetched_at)
    rows = []
    for p in items:
        published = ops.adapt_datetimefield_value(p.published_at) if p.published_at else None
        points = sum(p.topic_scores.values())
        key = rank.key(points, p.engagement_total, weight, p.published_at, fetched_at)
        rows.append(
            (
                organisation_id, p.guid, p.url, p.canonical_url, p.url_hash, p.content_hash,
                p.title, p.summary_html, p.text, p.author_name, p.author_handle, p.platform,
                p.language, published, fetched, _json(p.engagement), p.engagement_total,
                p.lemmas, p.stigma_findings_count, _json(p.mentioned_accounts), _json(p.links),
                points, weight, key,
            )
        )  # fmt: skip
    rows_insert(Item, _ITEM_COLUMNS, rows, json_columns=_JSON_COLUMNS, direct=True)
    ids = _ids_by_guid(organisation_id, [p.guid for p in items])
    return [ids[p.guid] for p in items]


def _item(organisation_id: int, p: PreparedItem, fetched_at: datetime, weight: float) -> Item:
    points = sum(p.topic_scores.values())
    return Item(
        organisation_id=organisation_id,
        guid=p.guid,
        url=p.url,
        canonical_url=p.canonical_url,
        url_hash=p.url_hash,
        content_hash=p.content_hash,
        title=p.title,
        summary_html=p.summary_html,
        text=p.text,
        author_name=p.author_name,
        author_handle=p.author_handle,
        platform=p.platform,
        language=p.language,
        published_at=p.published_at,
        fetched_at=fetched_at,
        engagement=p.engagement,
        engagement_total=p.engagement_total,
        lemmas=p.lemmas,
        stigma_findings_count=p.stigma_findings_count,
        mentioned_accounts=p.mentioned_accounts,
        links=p.links,
        topic_points=points,
        source_weight=weight,
        rank_key=rank.key(points, p.engagement_total, weight, p.published_at, fetched_at),
    )


def store(
    organisation_id: int,
    source_id: int,
    items: Sequence[PreparedItem],
    fetched_at: datetime,
    weight: float | None = None,
) -> StoreResult:
    """Write one source's prepared items. Safe against a concurrent writer (one retry).

    ``weight``: the source's weight when the caller has the row already (else it is read)."""
    unique = _dedupe(items)
    if not unique:
        return StoreResult()
    if weight is None:
        weight = Source.objects.filter(pk=source_id).values_list("weight", flat=True).first()
    for attempt in range(2):
        try:
            return _store(organisation_id, source_id, unique, fetched_at, weight)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _store(
    organisation_id: int,
    source_id: int,
    items: list[PreparedItem],
    fetched_at: datetime,
    weight: float | None,
) -> StoreResult:
    by_guid, by_url, counts = _existing(organisation_id, items)
    new: list[PreparedItem] = []
    known: dict[int, PreparedItem] = {}
    for p in items:
        pk = by_guid.get(p.guid) or by_url.get(p.url_hash)
        if pk is None:
            new.append(p)
        else:
            known.setdefault(pk, p)
    with transaction.atomic():
        created = _insert_items(organisation_id, new, fetched_at, 1.0 if weight is None else weight)
        linked = (
            set(
                ItemSource.objects.filter(source_id=source_id, item_id__in=list(known))
                .order_by()
                .values_list("item_id", flat=True)
            )
            if known
            else set()
        )
        seen_at = connection.ops.adapt_datetimefield_value(fetched_at)
        rows_insert(
            ItemSource,
            ("item_id", "source_id", "first_seen_at"),
            [(pk, source_id, seen_at) for pk in [*created, *(k for k in known if k not in linked)]],
            ignore_conflicts=True,
            direct=True,
        )
        rows_insert(
            ItemTopic,
            ("item_id", "topic_id", "score"),
            [
                (pk, topic_id, score)
                for pk, p in zip(created, new, strict=True)
                for topic_id, score in p.topic_scores.items()
            ],
            ignore_conflicts=True,
            direct=True,
        )
        changed = [
            Item(id=pk, engagement=p.engagement, engagement_total=p.engagement_total)
            for pk, p in known.items()
            if p.engagement and p.engagement != counts.get(pk)
        ]
        if changed:
            Item.objects.bulk_update(changed, ["engagement", "engagement_total"], batch_size=BATCH)
        # A new source may weigh more, and new counts change the engagement term.
        rank.refresh([*(k for k in known if k not in linked), *(i.id for i in changed)])
    merged = sum(1 for pk in known if pk not in linked)
    return StoreResult(new=len(created), merged=merged, unchanged=len(known) - merged)
