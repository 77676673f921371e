"""Writing prepared items: merge lookups, refreshed engagement, and one transaction per source."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import DatabaseError
from django.utils import timezone

from kaiku.watch import services
from kaiku.watch.fetch import Fetcher
from kaiku.watch.ingest import pipeline
from kaiku.watch.ingest import store as store_stage
from kaiku.watch.ingest.parse import Entry
from kaiku.watch.ingest.pipeline import context_for, poll_and_prepare, run_once
from kaiku.watch.ingest.prepare import PreparedItem, prepare
from kaiku.watch.ingest.store import store
from kaiku.watch.models import Item, ItemSource, Source
from kaiku.watch.sources import SourceSnapshot
from tests.watch.server import CORPUS, FeedServer

pytestmark = pytest.mark.django_db

FEEDS = ("rss_fi.xml", "atom_en.atom", "feed.json")


def _prepared(source: Source, *entries: Entry) -> list[PreparedItem]:
    return prepare(entries, source_id=source.pk, platform="mastodon", matcher=None)


def _source(org: Any, name: str = "a") -> Source:
    return Source.objects.create(organisation=org, kind="feed", url=f"https://{name}.example/")


def test_a_known_item_gets_the_new_engagement_counts(org: Any) -> None:
    source = _source(org)
    post = Entry(guid="https://m.example/1", title="Vertaistuki auttaa", engagement={"likes": 1})
    assert store(org.pk, source.pk, _prepared(source, post), timezone.now()).new == 1
    post.engagement = {"likes": 5, "boosts": 2}
    again = store(org.pk, source.pk, _prepared(source, post), timezone.now())
    assert (again.new, again.merged, again.unchanged) == (0, 0, 1)
    item = Item.objects.get()
    assert (item.engagement, item.engagement_total) == ({"likes": 5, "boosts": 2}, 7)


def test_an_item_seen_by_a_second_source_is_linked_to_it(org: Any) -> None:
    first, second = _source(org, "a"), _source(org, "b")
    post = Entry(guid="https://m.example/2", url="https://news.example/x?utm_source=m")
    store(org.pk, first.pk, _prepared(first, post), timezone.now())
    other = Entry(guid="https://elsewhere.example/9", url="https://news.example/x")
    result = store(org.pk, second.pk, _prepared(second, other), timezone.now())
    assert (result.new, result.merged) == (0, 1)
    assert set(ItemSource.objects.values_list("source_id", flat=True)) == {first.pk, second.pk}


def test_a_merge_key_shared_by_two_items_goes_to_the_latest_published(org: Any) -> None:
    source = _source(org)
    shared = {"organisation": org, "url_hash": "f" * 16, "title": "Sama osoite"}
    Item.objects.create(guid="old", published_at=datetime(2024, 1, 1, tzinfo=UTC), **shared)
    newer = Item.objects.create(guid="new", published_at=datetime(2024, 3, 1, tzinfo=UTC), **shared)
    item = _prepared(source, Entry(guid="https://m.example/3", url="https://x.example/"))[0]
    item.url_hash = "f" * 16
    assert store(org.pk, source.pk, [item], timezone.now()).merged == 1
    assert list(ItemSource.objects.values_list("item_id", flat=True)) == [newer.pk]


def test_a_failed_write_leaves_no_items_and_is_recorded_on_its_source(
    org: Any, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = services.add_source(org, feeds.add("/a.xml", (CORPUS / "rss_fi.xml").read_bytes()))
    real = store_stage.rows_insert

    def failing(model: Any, *args: Any, **kw: Any) -> None:
        real(model, *args, **kw)
        if model is ItemSource:  # the items are written, their links fail
            raise DatabaseError("disk I/O error")

    monkeypatch.setattr(store_stage, "rows_insert", failing)
    summary = run_once()
    assert len(summary.errors) == 1
    assert Item.objects.count() == 0 and ItemSource.objects.count() == 0
    polled = Source.objects.get(pk=source.source.pk)
    assert polled.last_error_code == "internal" and polled.error_count == 1


def test_sources_recorded_together_keep_their_failures_apart(
    org: Any, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = [services.add_source(org, feeds.url(f"/corpus/{n}")).source for n in FEEDS]
    with Fetcher() as fetcher:
        ctx = context_for(org.pk, fetcher)
        outcomes = [poll_and_prepare(SourceSnapshot.of(s), ctx, None) for s in sources]

    def failing_for_the_second(organisation_id: int, source_id: int, *rest: Any) -> Any:
        stored = store(organisation_id, source_id, *rest)
        if source_id == sources[1].pk:
            raise DatabaseError("disk I/O error")
        return stored

    monkeypatch.setattr(pipeline, "store", failing_for_the_second)
    reports = pipeline.record_many(outcomes)
    assert [bool(r.error) for r in reports] == [False, True, False]
    linked = set(ItemSource.objects.values_list("source_id", flat=True))
    assert linked == {sources[0].pk, sources[2].pk}
    assert Item.objects.count() == reports[0].new + reports[2].new > 0
    assert Source.objects.get(pk=sources[1].pk).last_error_code == "internal"
    assert Source.objects.get(pk=sources[0].pk).last_success_at is not None


def test_a_source_deleted_while_it_was_read_is_reported_and_the_rest_recorded(
    org: Any, feeds: FeedServer
) -> None:
    sources = [services.add_source(org, feeds.url(f"/corpus/{n}")).source for n in FEEDS[:2]]
    with Fetcher() as fetcher:
        ctx = context_for(org.pk, fetcher)
        outcomes = [poll_and_prepare(SourceSnapshot.of(s), ctx, None) for s in sources]
    sources[0].delete()
    reports = pipeline.record_many(outcomes)
    assert [r.error for r in reports] == ["deleted", ""]
    assert reports[1].new > 0
    assert set(ItemSource.objects.values_list("source_id", flat=True)) == {sources[1].pk}
