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


def _raw_write(table: str, column: str, pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])


@pytest.mark.slow  # 5 s or more on the shared machine: `make test` runs it, `make unit` not
@pytest.mark.django_db(transaction=True)
def test_a_stored_x_bearer_token_moves_to_the_x_channel_account_and_still_reads(
    org: Any, other_org: Any
) -> None:
    import json
    import uuid

    import httpx

    from kaiku import crypto
    from kaiku.channels.x.reading import XSearch
    from kaiku.watch.fetch import Fetcher
    from kaiku.watch.sources import SourceSnapshot
    from tests.channels.x.server import start_server

    watch_context = "watch.watchsettings.x_bearer_token"
    account_context = "posts.channelaccount.credentials_json"
    before = [("watch", "0007_search_full_text"), ("connections", "0001_split_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    settings_model = old.get_model("watch", "WatchSettings")
    # What the old code stored: the bearer token sealed to its row (the organisation's id).
    for organisation, bearer in ((org, "APP-BEARER"), (other_org, "OTHER-BEARER")):
        row = settings_model.objects.create(organisation_id=organisation.pk, x_plan="basic")
        sealed = crypto.encrypt_for_row(bearer, watch_context, organisation.pk)
        _raw_write("watch_watchsettings", "x_bearer_token", row.pk, sealed)
    # The other organisation has connected X already.
    connected = old.get_model("connections", "ChannelAccount").objects.create(
        organisation_id=other_org.pk, platform="x", handle="@toinen", public_id=uuid.uuid4()
    )
    user_credentials = {"access_token": "USER-TOKEN", "refresh_token": "R"}
    sealed = crypto.encrypt_for_row(
        json.dumps(user_credentials), account_context, uuid.UUID(str(connected.public_id))
    )
    _raw_write("posts_channelaccount", "credentials_json", connected.pk, sealed)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from kaiku.connections.models import ChannelAccount
    from kaiku.watch.models import Source, WatchSettings

    made = ChannelAccount.objects.get(organisation=org, platform="x")
    assert made.credentials["access_token"] == "APP-BEARER"
    assert made.settings == {"app_only": True}
    assert made.status == ChannelAccount.Status.NEEDS_RECONNECT  # never offered for publishing
    kept = ChannelAccount.objects.get(organisation=other_org, platform="x")
    assert kept.credentials == {**user_credentials, "app_bearer_token": "OTHER-BEARER"}
    assert not hasattr(WatchSettings.objects.get(organisation=org), "x_bearer_token")

    # The moved token still reads: the local X takes it as an app-only token.
    server, base_url = start_server()
    try:
        server.app_tokens.add("APP-BEARER")
        server.add_tweet("thl", "Päihdetyö kuuluu kaikille")
        made.settings = {**made.settings, "api_url": base_url}
        made.save()
        source = Source.objects.create(
            organisation=org,
            kind="x_search",
            url="https://x.com/search?q=p",
            identifier="päihdetyö",
        )
        from kaiku.watch.ingest.pipeline import context_for

        with Fetcher() as fetcher:
            batch = XSearch().read(SourceSnapshot.of(source), context_for(org.pk, fetcher))
        assert len(batch.entries) == 1
        assert server.requests[-1].headers["authorization"] == "Bearer APP-BEARER"
        assert (
            httpx.post(
                f"{base_url}/2/tweets",
                json={"text": "x"},
                headers={"Authorization": "Bearer APP-BEARER"},
            ).status_code
            == 403
        )  # an app-only token cannot post, on X as here
    finally:
        server.stop()

    # And back: the tokens return to the watch settings, the made account goes.
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    with connection.cursor() as cursor:
        cursor.execute("SELECT organisation_id, x_bearer_token FROM watch_watchsettings")
        back = {
            org_id: crypto.decrypt_for_row(stored, watch_context, org_id)
            for org_id, stored in cursor.fetchall()
        }
        cursor.execute("SELECT organisation_id FROM posts_channelaccount WHERE platform = 'x'")
        x_accounts = [row[0] for row in cursor.fetchall()]
    assert back == {org.pk: "APP-BEARER", other_org.pk: "OTHER-BEARER"}
    assert x_accounts == [other_org.pk]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
