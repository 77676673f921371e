"""The store's merge lookups: found through their own index, and the same winner as the
database's ``ORDER BY published_at DESC, id DESC`` when several items share a key."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.watch.ingest import store as store_stage
from kaiku.watch.ingest.parse import Entry
from kaiku.watch.ingest.prepare import prepare
from kaiku.watch.models import Item, Source

pytestmark = pytest.mark.django_db

_BASE = datetime(2024, 3, 1, tzinfo=UTC)
_IN_LIST = re.compile(r"IN \([^)]*\)")


def _plan(sql: str, params: list[Any]) -> str:
    """The database's plan for one query, as text."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL plans from statistics (SQLite, without ANALYZE, from the indexes'
            # shapes alone): take them of the table as filled.
            cursor.execute("ANALYZE watch_item")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " ".join(str(part) for row in cursor.fetchall() for part in row)


def test_the_merge_lookups_use_the_index_of_their_key(org: Any) -> None:
    """Each lookup of known items seeks its key (guid, url_hash) in an index; it does not
    walk all of the organisation's items in publishing order, which made every source's
    store cost as much as all the items stored before it (the bench's store stage went from
    about 100 to 670 µs per item at 15,000 items)."""
    source = Source.objects.create(organisation=org, kind="feed", url="https://a.example/")
    # An organisation with some history: enough items that walking them all costs.
    Item.objects.bulk_create(
        Item(organisation=org, guid=f"old-{n}", url_hash=f"{n:016x}", published_at=_BASE)
        for n in range(2000)
    )
    items = prepare(
        [Entry(guid=f"g{n}", url=f"https://a.example/{n}") for n in range(3)],
        source_id=source.pk,
        platform="feed",
        matcher=None,
    )
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        store_stage._existing(org.pk, items)
    lookups = [q["sql"] for q in queries.captured_queries if "FROM" in q["sql"]]
    assert len(lookups) == 2
    with transaction.atomic():
        for sql, key in zip(lookups, ("guid", "url_hash"), strict=True):
            assert key in sql
            # The captured SQL has its values inlined: the plan of the same query with
            # parameters (ORDER BY and all).
            shape = _IN_LIST.sub("IN (%s, %s)", sql, count=1).replace(
                f"organisation_id = {org.pk}", "organisation_id = %s"
            )
            plan = _plan(shape, [org.pk, "a", "b"])
            assert f"{key}=?" in plan or f"{key})::text" in plan or f"{key} =" in plan, plan
            assert "watch_item_when_idx" not in plan, plan


_WHEN = st.one_of(st.none(), st.integers(0, 3).map(lambda h: _BASE + timedelta(hours=h)))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(times=st.lists(_WHEN, min_size=1, max_size=6))
def test_a_shared_link_goes_to_the_item_the_database_orders_first(
    org: Any, times: list[datetime | None]
) -> None:
    """Items sharing a link's merge key, with equal, different and unknown publishing times:
    the lookup's winner is the first row of the reference query, the database's own
    ``ORDER BY published_at DESC, id DESC`` (NULLs last on SQLite, first on PostgreSQL).
    Each example is rolled back."""
    with transaction.atomic():
        key = "f" * 16
        for n, when in enumerate(times):
            Item.objects.create(
                organisation=org, guid=f"item-{n}", url_hash=key, published_at=when, title="Sama"
            )
        item = prepare(
            [Entry(guid="new", url="https://h.example/x")],
            source_id=1,
            platform="feed",
            matcher=None,
        )[0]
        item.url_hash = key
        by_guid, by_url, _counts = store_stage._existing(org.pk, [item])
        expected = (
            Item.objects.filter(organisation=org, url_hash=key)
            .order_by("-published_at", "-id")
            .values_list("id", flat=True)
            .first()
        )
        assert by_url == {key: expected}
        assert by_guid == {}
        transaction.set_rollback(True)


def test_newest_first_matches_a_sorted_reference() -> None:
    """``_newest_first`` on rows the database returned unordered, against the reference
    order written out: dated rows newest first (ties: highest id), unknown times last on
    SQLite and first on PostgreSQL."""

    @settings(max_examples=300, deadline=None)
    @given(
        whens=st.lists(st.one_of(st.none(), st.integers(0, 4)), max_size=8),
        nulls_first=st.booleans(),
    )
    def check(whens: list[int | None], nulls_first: bool) -> None:
        rows = [(pk, "k", "{}", when) for pk, when in enumerate(whens, start=1)]
        shuffled = rows[::-1][1:] + rows[-1:] if rows else rows
        got = store_stage._newest_first(list(shuffled), nulls_first=nulls_first)

        def rank(row: store_stage.Row) -> tuple[int, int, int]:
            when = row[3]
            null_rank = (0 if nulls_first else 2) if when is None else 1
            return (null_rank, -(when if isinstance(when, int) else 0), -row[0])

        assert got == sorted(rows, key=rank)

    check()
