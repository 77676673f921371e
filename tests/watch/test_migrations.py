"""The watch's data migrations keep what is stored usable by the code that follows them."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kaiku.watch.sanitize import content_hash, merge_key


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
