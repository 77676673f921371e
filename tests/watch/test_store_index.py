"""The search index's upkeep when the ingest stores a source's items (issue 16 item 7).

SQLite's full-text table is filled by a trigger on the item table. FTS5 writes the words it
holds in memory out as a new index segment at every statement savepoint, and SQLite opens one
for every statement it runs: items inserted one statement each (an executemany) left one
segment per item, which FTS5 then spent about 100 µs per item merging. The FTS5 structure
record counts the leaf pages it ever wrote (its "write counter"), which shows the difference
without timing anything.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from kaiku import rows
from kaiku.watch.features.search import matching
from kaiku.watch.ingest.parse import Entry
from kaiku.watch.ingest.prepare import prepare
from kaiku.watch.ingest.store import store
from kaiku.watch.models import Item, ItemSource, Source

pytestmark = pytest.mark.django_db

ITEMS = 50


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's varint (big-endian groups of 7 bits, the ninth byte whole) at ``at``: the
    value and where the next one starts."""
    value = 0
    for n in range(9):
        byte = data[at + n]
        if n == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at + n + 1
    raise AssertionError("unreachable")


def _leaves_written(table: str) -> int:
    """The write counter of an FTS5 table's structure record (the %_data row with id 10):
    after the 4-byte cookie, the number of levels, of segments, then the counter."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT block FROM {table}_data WHERE id = 10")
        (block,) = cursor.fetchone()
    at = 4
    if block[4:8] == b"\xff\x00\x00\x01":  # the structure's version-2 marker (SQLite 3.45+)
        at = 8
    _levels, at = _varint(block, at)
    _segments, at = _varint(block, at)
    counter, _ = _varint(block, at)
    return counter


def test_a_sources_items_reach_the_search_index_in_one_write_not_one_per_item(
    org: Any,
) -> None:
    """Every item is found; on SQLite, FTS5 wrote the batch out once (PostgreSQL's index is
    a generated column, with no such flush)."""
    source = Source.objects.create(organisation=org, kind="feed", url="https://a.example/")
    entries = [
        Entry(
            guid=f"https://a.example/{n}",
            title=f"Vertaistuki auttaa toipumaan {n}",
            text="Kokemusasiantuntijat tuovat arvokasta tietoa palvelujen kehittämiseen. " * 3,
        )
        for n in range(ITEMS)
    ]
    items = prepare(entries, source_id=source.pk, platform="feed", matcher=None)
    sqlite = connection.vendor == "sqlite"
    before = _leaves_written("watch_item_search") if sqlite else 0
    assert store(org.pk, source.pk, items, timezone.now()).new == ITEMS
    assert matching(org, "vertaistuki kokemusasiantuntija").count() == ITEMS
    for n in (0, ITEMS - 1):
        found = [i.title for i in matching(org, f"toipumaan {n}")]
        assert found == [f"Vertaistuki auttaa toipumaan {n}"]
    if sqlite:
        written = _leaves_written("watch_item_search") - before
        # One flush of 50 short items fills a few leaves; one flush per item wrote at least
        # one leaf for each of them.
        assert 0 < written < ITEMS // 5, written


def test_publishing_time_is_indexed_only_within_an_organisation() -> None:
    """Migration 0012: the item table keeps (organisation, published_at) for the debate's
    queries and no index on published_at alone, whose upkeep every stored item paid."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "watch_item")
    indexed = [c["columns"] for c in constraints.values() if c["index"]]
    assert ["organisation_id", "published_at"] in indexed
    assert ["published_at"] not in indexed


@pytest.mark.parametrize("logged", [False, True], ids=["plain", "query-log"])
def test_rows_insert_writes_the_same_rows_and_raises_djangos_errors_either_way(
    org: Any, logged: bool
) -> None:
    """rows.insert runs SQLite's own cursor when nothing watches Django's, and Django's
    when queries are logged (DEBUG, tests that count queries): the same rows either way,
    and a broken constraint is Django's IntegrityError, which the store's retry catches."""
    source = Source.objects.create(organisation=org, kind="feed", url="https://a.example/")
    items = prepare(
        [Entry(guid=f"https://a.example/{n}", title=f"Juttu {n}") for n in range(3)],
        source_id=source.pk,
        platform="feed",
        matcher=None,
    )
    connection.force_debug_cursor = logged
    try:
        assert store(org.pk, source.pk, items, timezone.now()).new == 3
        row = (Item.objects.get(title="Juttu 0").pk, source.pk, timezone.now())
        with pytest.raises(IntegrityError), transaction.atomic():
            rows.insert(ItemSource, ("item_id", "source_id", "first_seen_at"), [row], direct=True)
    finally:
        connection.force_debug_cursor = False
    assert sorted(Item.objects.values_list("title", flat=True)) == ["Juttu 0", "Juttu 1", "Juttu 2"]
    assert ItemSource.objects.count() == 3


def test_rows_insert_goes_through_djangos_cursor_unless_asked_to_go_direct(
    org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the ingest writes past Django's cursor: every other caller (the publishing
    ledger, the audit log) stays visible to what wraps Django's cursor class, as the
    crash-point tests' kill switch does (tests/posts/killpoint.py)."""
    source = Source.objects.create(organisation=org, kind="feed", url="https://a.example/")
    items = [
        Item.objects.create(organisation=org, guid=f"g{n}", title="Juttu", platform="feed")
        for n in range(2)
    ]
    seen: list[str] = []
    real = CursorWrapper.execute

    def execute(self: CursorWrapper, sql: str, params: Any = None) -> Any:
        seen.append(sql)
        return real(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", execute)
    columns = ("item_id", "source_id", "first_seen_at")
    rows.insert(ItemSource, columns, [(items[0].pk, source.pk, timezone.now())])
    assert any("watch_itemsource" in sql for sql in seen)
    seen.clear()
    rows.insert(ItemSource, columns, [(items[1].pk, source.pk, timezone.now())], direct=True)
    if connection.vendor == "sqlite":
        assert not any("watch_itemsource" in sql for sql in seen)
    assert ItemSource.objects.count() == 2
