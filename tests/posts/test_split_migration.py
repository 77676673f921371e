"""Splitting kaiku.posts into apps loses no row: a database with today's schema and data comes
through the move with every row, every value and every table name as it was.

The models only change owner in Django's state (SeparateDatabaseAndState); their tables keep the
old names, so the foreign keys between apps keep pointing at the same rows, and the secrets of
the connected accounts still decrypt (their associated data names the old model)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kaiku import crypto

# The last migrations before the split: the schema every database has today.
BEFORE = [("posts", "0005_input_secrets_bound_to_rows")]

# Each model that moved: (new app, its table, which stays).
MOVED = {
    "CalendarFeed": ("calendar", "posts_calendarfeed"),
    "FeedEntry": ("site", "posts_feedentry"),
    "ChannelAccount": ("connections", "posts_channelaccount"),
    "PostingSlot": ("connections", "posts_postingslot"),
    "Delivery": ("publishing", "posts_delivery"),
    "PublishedPart": ("publishing", "posts_publishedpart"),
    "DeliveryMetric": ("publishing", "posts_deliverymetric"),
}
# What the tables that stayed in kaiku.posts hold must not change either.
STAYED = ["posts_post", "posts_postimage", "posts_post_editors"]
SECRET = {"access_token": "synteettinen-avain-123", "expires_at": "2027-01-01T00:00:00+00:00"}
WHEN = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


def _columns(name: str) -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, name)]


def _table(name: str, columns: list[str] | None = None) -> list[tuple[Any, ...]]:
    """The table's rows, in ``columns`` only when given (a later migration may add one)."""
    quote = connection.ops.quote_name
    wanted = ", ".join(quote(c) for c in columns) if columns else "*"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {wanted} FROM {quote(name)} ORDER BY 1")
        return list(cursor.fetchall())


def _fill(old: Any, org: Any, other_org: Any, author: Any) -> dict[str, Any]:
    feed = old.get_model("posts", "CalendarFeed")
    feed.objects.create(organisation_id=org.pk, token="salainen-osoite-1")
    feed.objects.create(organisation_id=other_org.pk, token="salainen-osoite-2")
    for n in range(3):
        old.get_model("posts", "FeedEntry").objects.create(
            organisation_id=org.pk,
            key=f"avain{n}-0",
            text=f"Avoimet ovet torstaina, osa {n}.",
            link="https://example.org/ovet" if n else "",
            image=f"posts/{org.pk}/kuva{n}.png" if n == 1 else "",
            image_alt="Kahvikuppi pöydällä." if n == 1 else "",
            published_at=WHEN,
            deleted_at=WHEN if n == 2 else None,
        )
    account_model = old.get_model("posts", "ChannelAccount")
    accounts = []
    for platform, handle in [("feed", org.slug), ("mastodon", "@toivo@example.org")]:
        account = account_model.objects.create(
            organisation_id=org.pk,
            platform=platform,
            handle=handle,
            base_url="https://example.org" if platform == "mastodon" else "",
            settings={"organisation": org.slug},
            status="needs_reconnect" if platform == "mastodon" else "active",
            expires_at=WHEN,
            created_by_id=author.pk,
        )
        accounts.append(account)
    # A secret sealed as today's code seals it: bound to the row, under the old model's name.
    sealed = crypto.encrypt_for_row(
        json.dumps(SECRET),
        "posts.channelaccount.credentials_json",
        accounts[1].public_id,
    )
    account_model.objects.filter(pk=accounts[1].pk).update(credentials_json=crypto.Sealed(sealed))
    slot = old.get_model("posts", "PostingSlot")
    slot.objects.create(account_id=accounts[0].pk, weekday=0, time=time(9, 0))
    slot.objects.create(account_id=accounts[1].pk, weekday=3, time=time(14, 30))
    post = old.get_model("posts", "Post").objects.create(
        organisation_id=org.pk, author_id=author.pk, text="Avoimet ovet torstaina.", state="done"
    )
    delivery_model = old.get_model("posts", "Delivery")
    deliveries = []
    for n, account in enumerate(accounts):
        deliveries.append(
            delivery_model.objects.create(
                post_id=post.pk,
                account_id=account.pk,
                text_override="Tervetuloa!" if n else "",
                parts=["Avoimet ovet torstaina.", "Osa 2"],
                pending={"0": "kontti-1"} if n else {},
                gate_stamp="a" * 64,
                state="published" if n == 0 else "failed",
                due_at=WHEN,
                attempts=n + 1,
                part_keys=["3kabc", "3kabd"],
                held=bool(n),
                remote_id=f"etä-{n}",
                last_error_code="auth" if n else "",
            )
        )
    part = old.get_model("posts", "PublishedPart")
    for index in range(2):
        part.objects.create(
            delivery_id=deliveries[0].pk,
            index=index,
            remote_id=f"etä-0-{index}",
            url=f"https://example.org/@toivo/{index}",
        )
    old.get_model("posts", "DeliveryMetric").objects.create(
        delivery_id=deliveries[0].pk, fetched_at=WHEN, values={"views": 12, "likes": 3}
    )
    return {"post": post.pk, "secret_account": accounts[1].pk, "delivery": deliveries[0].pk}


@pytest.mark.slow  # 5 s or more on the shared machine: `make test` runs it, `make unit` not
@pytest.mark.django_db(transaction=True)
def test_every_row_of_the_moved_models_survives_the_split(
    org: Any, other_org: Any, members: Any
) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    # A content type under the old label, as every database made before the split holds one.
    content_type = old.get_model("contenttypes", "ContentType")
    old_types = {}
    for name, (new_app, _table_name) in MOVED.items():
        content_type.objects.filter(app_label=new_app, model=name.lower()).delete()
        row, _new = content_type.objects.get_or_create(app_label="posts", model=name.lower())
        old_types[name] = row.pk
    made = _fill(old, org, other_org, members["editor"])
    before = {table: _table(table) for _app, table in MOVED.values()}
    before.update({table: _table(table) for table in STAYED})
    columns = {table: _columns(table) for table in before}
    assert all(before[table] for _app, table in MOVED.values())

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    tables = set(connection.introspection.table_names())
    for table, rows in before.items():
        assert _table(table, columns[table]) == rows, table
    for name, (new_app, table) in MOVED.items():
        model = current_apps.get_model(new_app, name)
        assert model._meta.db_table == table
        assert f"{new_app}_{name.lower()}" not in tables
        pks = [row[0] for row in before[table]]
        assert list(model._default_manager.order_by("pk").values_list("pk", flat=True)) == pks
        assert content_type.objects.get(pk=old_types[name]).app_label == new_app

    # Read through the moved models: the secret decrypts, and the relations across the new
    # apps still reach the same rows.
    account = current_apps.get_model("connections", "ChannelAccount").objects.get(
        pk=made["secret_account"]
    )
    assert account.credentials == SECRET
    delivery = current_apps.get_model("publishing", "Delivery").objects.get(pk=made["delivery"])
    assert delivery.post.pk == made["post"]
    assert delivery.account.platform == "feed"
    assert [p.remote_id for p in delivery.published.all()] == ["etä-0-0", "etä-0-1"]
    assert delivery.metrics.get().values == {"views": 12, "likes": 3}
    assert sorted(
        s.weekday for s in account.organisation.channel_accounts.get(platform="feed").slots.all()
    ) == [0]
