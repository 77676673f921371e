"""SQLite's full-text table of watch items rebuilt with ``detail=none, columnsize=0``.

Every query word is looked up as its tokens (kaiku.textsearch.fts5_words_expression), never as
a phrase or within a column, so the index need not keep where in a row a token stands, nor
each row's length: it keeps only which rows have it. That is less to write per item and less
for FTS5 to merge (issue 16 item 7). The table is filled again from the stored items, so
nothing is lost. PostgreSQL's generated tsvector is not changed.

Without column filters the organisation's token is a word among the text's words, so it is
made one that no text can make: "kaiku_org_<id>", with the underscore a token character of
this table's tokenizer and every underscore of the indexed text turned into a space first.
Otherwise a feed could carry "kaikuorg7" in its items and crowd organisation 7's own items
out of its newest matches.
"""

from django.db import migrations

FTS = "watch_item_search"
ORG_0007 = "'kaikuorg' || {row}.organisation_id"
BODY_0007 = "{row}.lemmas || ' ' || {row}.title || ' ' || {row}.text"
TOKENIZE_0007 = "tokenize='unicode61 remove_diacritics 0'"
ORG = "'kaiku_org_' || {row}.organisation_id"
BODY = "replace({row}.lemmas || ' ' || {row}.title || ' ' || {row}.text, '_', ' ')"
TOKENIZE = "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\""
TABLE_NOW = (", detail=none, columnsize=0", ORG, BODY, TOKENIZE)
TABLE_0007 = ("", ORG_0007, BODY_0007, TOKENIZE_0007)


def _statements(table: tuple[str, str, str, str]) -> list[str]:
    options, org, body, tokenize = table

    def _values(row: str) -> str:
        return f"{org.format(row=row)}, {body.format(row=row)}"

    return [
        f"DROP TRIGGER IF EXISTS {FTS}_update",
        f"DROP TRIGGER IF EXISTS {FTS}_delete",
        f"DROP TRIGGER IF EXISTS {FTS}_insert",
        f"DROP TABLE IF EXISTS {FTS}",
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(org, body, content=''{options}, {tokenize})",
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


def _run(table):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "sqlite":
            for sql in _statements(table):
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("watch", "0010_pages_debate_indexes"),
    ]

    operations = [
        migrations.RunPython(
            _run(TABLE_NOW),
            # Back to 0007's table, which the old query (phrases, column filters) needs.
            _run(TABLE_0007),
        ),
    ]
