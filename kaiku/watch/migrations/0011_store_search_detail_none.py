"""SQLite's full-text table of watch items rebuilt with ``detail=none, columnsize=0``.

Every query word is looked up as its tokens (kaiku.textsearch.fts5_words_expression), never as
a phrase or within a column, so the index need not keep where in a row a token stands, nor
each row's length: it keeps only which rows have it. That is less to write per item and less
for FTS5 to merge (issue 16 item 7). The table is filled again from the stored items, so
nothing is lost, and the triggers are those of 0007. PostgreSQL's generated tsvector is not
changed.
"""

from django.db import migrations

FTS = "watch_item_search"
ORG = "'kaikuorg' || {row}.organisation_id"
BODY = "{row}.lemmas || ' ' || {row}.title || ' ' || {row}.text"
TOKENIZE = "tokenize='unicode61 remove_diacritics 0'"


def _values(row: str) -> str:
    return f"{ORG.format(row=row)}, {BODY.format(row=row)}"


def _statements(options: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {FTS}_update",
        f"DROP TRIGGER IF EXISTS {FTS}_delete",
        f"DROP TRIGGER IF EXISTS {FTS}_insert",
        f"DROP TABLE IF EXISTS {FTS}",
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(org, body, content=''{options}, {TOKENIZE})",
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


def _run(options: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "sqlite":
            for sql in _statements(options):
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("watch", "0010_pages_debate_indexes"),
    ]

    operations = [
        migrations.RunPython(
            _run(", detail=none, columnsize=0"),
            # Back to 0007's table, which the old query (phrases, column filters) needs.
            _run(""),
        ),
    ]
