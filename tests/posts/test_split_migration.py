"""Splitting kaiku.posts into apps loses no row: a database with today's schema and data comes
through the move with every row, every value and every table name as it was.

The models only change owner in Django's state (SeparateDatabaseAndState); their tables keep the
old names, so the foreign keys between apps keep pointing at the same rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The last migrations before the split: the schema every database has today.
BEFORE = [("posts", "0005_input_secrets_bound_to_rows")]

# Each model that moved: (old app, new app, its table, which stays).
MOVED = {
    "CalendarFeed": ("posts", "calendar", "posts_calendarfeed"),
    "FeedEntry": ("posts", "site", "posts_feedentry"),
}


def _rows(model: Any) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values())


def _fill(old: Any, org: Any, other_org: Any) -> None:
    feed = old.get_model("posts", "CalendarFeed")
    feed.objects.create(organisation_id=org.pk, token="salainen-osoite-1")
    feed.objects.create(organisation_id=other_org.pk, token="salainen-osoite-2")
    entry = old.get_model("posts", "FeedEntry")
    when = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    for n in range(3):
        entry.objects.create(
            organisation_id=org.pk,
            key=f"avain{n}-0",
            text=f"Avoimet ovet torstaina, osa {n}.",
            link="https://example.org/ovet" if n else "",
            image=f"posts/{org.pk}/kuva{n}.png" if n == 1 else "",
            image_alt="Kahvikuppi pöydällä." if n == 1 else "",
            published_at=when,
            deleted_at=when if n == 2 else None,
        )


@pytest.mark.django_db(transaction=True)
def test_every_row_of_the_moved_models_survives_the_split(org: Any, members: Any) -> None:
    from kaiku.organisations.models import Organisation

    other_org = Organisation.objects.create(name="Toinen yhdistys", slug="toinen")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    # A content type under the old label, as every database made before the split holds one.
    content_type = old.get_model("contenttypes", "ContentType")
    old_types = {}
    for name, (old_app, new_app, _table) in MOVED.items():
        content_type.objects.filter(app_label=new_app, model=name.lower()).delete()
        row, _new = content_type.objects.get_or_create(app_label=old_app, model=name.lower())
        old_types[name] = row.pk
    _fill(old, org, other_org)
    before = {name: _rows(old.get_model(app, name)) for name, (app, _new, _t) in MOVED.items()}
    assert all(before.values())

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    tables = set(connection.introspection.table_names())
    for name, (_old_app, new_app, table) in MOVED.items():
        model = current_apps.get_model(new_app, name)
        assert model._meta.db_table == table
        assert table in tables
        assert f"{new_app}_{name.lower()}" not in tables
        assert _rows(model) == before[name], name
        assert content_type.objects.get(pk=old_types[name]).app_label == new_app
