"""The digest's rank key stored on each item, and every writer that keeps it current."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kaiku.watch import services
from kaiku.watch.features.topics import rescore
from kaiku.watch.ingest import rank
from kaiku.watch.ingest.matcher import matcher_for
from kaiku.watch.ingest.parse import Entry
from kaiku.watch.ingest.prepare import prepare
from kaiku.watch.ingest.store import store
from kaiku.watch.models import Item, ItemSource, Topic
from tests.watch.test_views import link_topic, make_item, make_source

pytestmark = pytest.mark.django_db


def test_the_difference_of_two_keys_is_the_log_of_their_score_ratio_at_any_time() -> None:
    now = timezone.now()
    a = (3.0, 40, 2.0, now - timedelta(hours=5), now - timedelta(hours=4))
    b = (0.0, 0, 0.5, now - timedelta(hours=50), now - timedelta(hours=49))
    for later in (0, 10, 1000):
        at = now + timedelta(hours=later)
        ratio = _score_at(at, *a) / _score_at(at, *b)
        assert rank.key(*a) - rank.key(*b) == pytest.approx(math.log(ratio), abs=1e-9)


def _score_at(at: Any, points: float, total: int, weight: float, published: Any, _f: Any) -> float:
    return rank.score(points, (at - published).total_seconds() / 3600, total, weight)


def test_a_date_in_the_future_counts_as_the_time_of_the_first_fetch() -> None:
    now = timezone.now()
    future = now + timedelta(days=365)
    assert rank.rank_time(future, now) == now
    assert rank.key(0, 0, 1.0, future, now) == rank.key(0, 0, 1.0, now, now)
    assert rank.key(0, 0, 1.0, None, now) == rank.key(0, 0, 1.0, now, now)


def test_a_source_weighted_zero_sorts_its_items_last() -> None:
    now = timezone.now()
    assert rank.key(6, 10**6, 0.0, now, now) < rank.key(0, 0, 0.01, now - timedelta(days=60), now)


def test_saving_an_item_keeps_its_key_in_step_with_its_own_columns(org: Any) -> None:
    item = make_item(org, make_source(org), 1)
    before = item.rank_key
    item.engagement_total = 99
    item.save(update_fields=["engagement_total"])
    item.refresh_from_db()
    assert item.rank_key == pytest.approx(before + math.log(3.0))


def _entry(n: int, title: str = "Uutinen", **kw: Any) -> Entry:
    return Entry(guid=f"https://m.example/{n}", url=f"https://m.example/{n}", title=title, **kw)


def test_the_ingest_stores_the_key_that_a_refresh_computes(org: Any) -> None:
    topic = Topic.objects.create(
        organisation=org, name="Päihteet", slug="p", keywords=["päihdepalvelu"]
    )
    source = make_source(org, weight=2.5)
    entries = [
        _entry(1, "Päihdepalvelujen leikkaukset huolettavat", engagement={"likes": 7}),
        _entry(2, "Kevätjuhla", published=timezone.now() + timedelta(days=30)),
    ]
    matcher = matcher_for(org.pk)
    prepared = prepare(entries, source_id=source.pk, platform="mastodon", matcher=matcher)
    assert store(org.pk, source.pk, prepared, timezone.now()).new == 2
    stored = {i.pk: (i.topic_points, i.source_weight, i.rank_key) for i in Item.objects.all()}
    assert rank.refresh(stored) == 2
    again = {i.pk: (i.topic_points, i.source_weight, i.rank_key) for i in Item.objects.all()}
    for pk, (points, weight, key) in stored.items():
        assert again[pk][0] == points and again[pk][1] == weight == 2.5
        assert again[pk][2] == pytest.approx(key, abs=1e-9)
    on_topic = Item.objects.get(url="https://m.example/1")
    assert on_topic.topic_points > 0
    assert on_topic.topic_links.get().topic == topic


def test_an_item_seen_by_a_heavier_source_is_reranked_by_it(org: Any) -> None:
    light, heavy = make_source(org, "kevyt", weight=0.5), make_source(org, "painava", weight=4.0)
    first = prepare([_entry(1)], source_id=light.pk, platform="mastodon", matcher=None)
    store(org.pk, light.pk, first, timezone.now())
    before = Item.objects.get().rank_key
    second = prepare([_entry(1)], source_id=heavy.pk, platform="mastodon", matcher=None)
    assert store(org.pk, heavy.pk, second, timezone.now()).merged == 1
    item = Item.objects.get()
    assert item.source_weight == 4.0
    assert item.rank_key == pytest.approx(before + math.log(4.0 / 0.5))


def _prepared(source: Any, *entries: Entry) -> Any:
    return prepare(entries, source_id=source.pk, platform="mastodon", matcher=None)


def test_new_engagement_counts_from_the_platform_rerank_the_item(org: Any) -> None:
    source = make_source(org)
    post = _entry(1, engagement={"likes": 0})
    store(org.pk, source.pk, _prepared(source, post), timezone.now())
    before = Item.objects.get().rank_key
    post.engagement = {"likes": 999}
    store(org.pk, source.pk, _prepared(source, post), timezone.now())
    assert Item.objects.get().rank_key == pytest.approx(before + math.log(4.0))


def test_changing_a_sources_weight_reranks_its_items(org: Any) -> None:
    source = make_source(org)
    other = make_source(org, "muu")
    mine, theirs = make_item(org, source, 1), make_item(org, other, 2)
    services.edit_source(source, weight=3.0, poll_interval=3600, enabled=True)
    mine.refresh_from_db()
    assert mine.source_weight == 3.0
    assert Item.objects.get(pk=theirs.pk).rank_key == theirs.rank_key


def test_removing_a_source_ranks_its_items_by_the_sources_left(org: Any) -> None:
    heavy, light = make_source(org, "painava", weight=5.0), make_source(org, "kevyt", weight=0.5)
    both = make_item(org, heavy, 1)
    ItemSource.objects.create(item=both, source=light)
    alone = make_item(org, heavy, 2)
    services.remove_source(heavy)
    both.refresh_from_db()
    alone.refresh_from_db()
    assert both.source_weight == 0.5
    assert alone.source_weight == 1.0  # no source left: the neutral weight


def test_rematching_topics_refreshes_the_topic_points(org: Any) -> None:
    topic = Topic.objects.create(organisation=org, name="Sote", slug="sote", keywords=["sote"])
    item = make_item(org, make_source(org), 1, title="Uutinen", lemmas=" sote uudistus ")
    rescore(org)
    item.refresh_from_db()
    assert item.topic_points > 0
    Topic.objects.filter(pk=topic.pk).update(enabled=False)
    rescore(org)
    item.refresh_from_db()
    assert item.topic_points == 0
    assert item.rank_key == pytest.approx(
        rank.key(0, 0, 1.0, item.published_at, item.fetched_at), abs=1e-9
    )


def test_a_disabled_topic_stops_counting_at_the_next_refresh(org: Any) -> None:
    topic = Topic.objects.create(organisation=org, name="T", slug="t")
    item = make_item(org, make_source(org), 1)
    link_topic(item, topic, 2.0)
    item.refresh_from_db()
    assert item.topic_points == 2.0
    Topic.objects.filter(pk=topic.pk).update(enabled=False)
    rank.refresh_organisation(org.pk)
    item.refresh_from_db()
    assert item.topic_points == 0.0
