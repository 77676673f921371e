"""The watch's data migrations keep what is stored usable by the code that follows them."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kaiku.watch.ingest.sanitize import content_hash, merge_key


@pytest.mark.django_db(transaction=True)
def test_full_length_merge_keys_are_shortened_so_stored_items_still_merge(org: Any) -> None:
    url = "https://news.example/a"
    title, text = "Sama juttu", "Aluevaltuusto päätti tänään leikata matalan kynnyksen palveluista."
    executor = MigrationExecutor(connection)
    executor.migrate([("watch", "0002_drop_redundant_item_indexes")])
    old = executor.loader.project_state([("watch", "0002_drop_redundant_item_indexes")]).apps
    basis = " ".join(f"{title} {text}".lower().split())
    old.get_model("watch", "Item").objects.create(
        organisation_id=org.pk,
        guid="vanha",
        url_hash=hashlib.sha256(url.encode()).hexdigest(),
        content_hash=hashlib.sha256(basis.encode()).hexdigest(),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from kaiku.watch.models import Item

    item = Item.objects.get(guid="vanha")
    assert item.url_hash == merge_key(url) and len(item.url_hash) == 16
    assert item.content_hash == content_hash(title, text)


@pytest.mark.django_db(transaction=True)
def test_items_stored_before_the_rank_key_get_theirs(org: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from kaiku.watch.ingest import rank

    before = ("watch", "0003_short_merge_keys")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    now = timezone.now()
    source = old.get_model("watch", "Source").objects.create(
        organisation_id=org.pk, kind="feed", url="https://a.example/", weight=2.0
    )
    topic = old.get_model("watch", "Topic").objects.create(
        organisation_id=org.pk, name="Sote", slug="sote"
    )
    item = old.get_model("watch", "Item").objects.create(
        organisation_id=org.pk,
        guid="vanha",
        engagement_total=12,
        published_at=now - timedelta(hours=7),
        fetched_at=now,
    )
    old.get_model("watch", "ItemSource").objects.create(item=item, source=source)
    old.get_model("watch", "ItemTopic").objects.create(item=item, topic=topic, score=3.0)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from kaiku.watch.models import Item

    migrated = Item.objects.get(guid="vanha")
    assert (migrated.topic_points, migrated.source_weight) == (3.0, 2.0)
    assert migrated.rank_key == pytest.approx(rank.key(3.0, 12, 2.0, item.published_at, now))
