"""Full-text search of watch items (kaiku.watch.features.search).

SQLite: a contentless FTS5 table, rowid = the item's id, kept in step by triggers (so every way
of writing items, the ingest's bulk insert included, updates it in the same transaction).
Contentless, because what it indexes is computed (the organisation's token; the lemmas, title
and text as one body) and the item row already stores the text once. PostgreSQL: a stored
generated tsvector column ('simple': the base forms are made by Kaiku, not by the database)
with a GIN index. Both are filled from the items already stored as they are created.
"""

from django.db import migrations

FTS = "watch_item_search"
ORG = "'kaikuorg' || {row}.organisation_id"
BODY = "{row}.lemmas || ' ' || {row}.title || ' ' || {row}.text"


def _values(row: str) -> str:
    return f"{ORG.format(row=row)}, {BODY.format(row=row)}"


SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5("
    "org, body, content='', tokenize='unicode61 remove_diacritics 0')",
    f"INSERT INTO {FTS}(rowid, org, body) SELECT id, {_values('watch_item')} FROM watch_item",
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON watch_item BEGIN "
    f"INSERT INTO {FTS}(rowid, org, body) VALUES (new.id, {_values('new')}); END",
    # A contentless table forgets a row by being told the words it indexed for it.
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON watch_item BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, org, body) VALUES ('delete', old.id, {_values('old')}); "
    "END",
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF organisation_id, lemmas, title, text "
    f"ON watch_item BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, org, body) VALUES ('delete', old.id, {_values('old')}); "
    f"INSERT INTO {FTS}(rowid, org, body) VALUES (new.id, {_values('new')}); END",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TABLE IF EXISTS {FTS}",
]
PG_FORWARD = [
    "ALTER TABLE watch_item ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, 'kaikuorg' || organisation_id::text || ' ' || "
    "lemmas || ' ' || title || ' ' || text)) STORED",
    "CREATE INDEX watch_item_search_idx ON watch_item USING gin (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS watch_item_search_idx",
    "ALTER TABLE watch_item DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("watch", "0006_platforms_source_kind"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        ),
    ]
