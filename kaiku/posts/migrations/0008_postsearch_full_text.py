"""Full-text search of posts (kaiku.posts.search): the ``lemmas`` field, filled for the posts
already stored, and the index.

SQLite: a contentless FTS5 table, rowid = the post's id, kept in step by triggers, so that
every way of writing a post updates it in the same transaction. PostgreSQL: a stored generated
tsvector column ('simple': the base forms are made by Kaiku, not by the database) with a GIN
index. Both index the organisation's token, then the lemmas, then the post's text as written
(the same shape as the watch's index, watch 0007, so the query side is shared:
kaiku.textsearch).
"""

from django.db import migrations, models

from kaiku.textsearch import index_words

FTS = "posts_post_search"
ORG = "'kaikuorg' || {row}.organisation_id"
BODY = "{row}.lemmas || ' ' || {row}.text"
BATCH = 500


def _values(row: str) -> str:
    return f"{ORG.format(row=row)}, {BODY.format(row=row)}"


SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5("
    "org, body, content='', tokenize='unicode61 remove_diacritics 0')",
    f"INSERT INTO {FTS}(rowid, org, body) SELECT id, {_values('posts_post')} FROM posts_post",
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON posts_post BEGIN "
    f"INSERT INTO {FTS}(rowid, org, body) VALUES (new.id, {_values('new')}); END",
    # A contentless table forgets a row by being told the words it indexed for it.
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON posts_post BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, org, body) VALUES ('delete', old.id, {_values('old')}); "
    "END",
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF organisation_id, lemmas, text "
    f"ON posts_post BEGIN "
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
    "ALTER TABLE posts_post ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, 'kaikuorg' || organisation_id::text || ' ' || "
    "lemmas || ' ' || text)) STORED",
    "CREATE INDEX posts_post_search_idx ON posts_post USING gin (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS posts_post_search_idx",
    "ALTER TABLE posts_post DROP COLUMN IF EXISTS search_vector",
]


def fill_lemmas(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The stored posts' words, a batch of posts at a time (keyset on id: memory stays
    bounded however many posts an organisation has)."""
    Post = apps.get_model("posts", "Post")
    Delivery = apps.get_model("publishing", "Delivery")
    PostImage = apps.get_model("posts", "PostImage")
    last = 0
    while True:
        batch = list(
            Post.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "text", "language")[
                :BATCH
            ]
        )
        if not batch:
            return
        ids = [pk for pk, _, _ in batch]
        others: dict[int, list[str]] = {pk: [] for pk in ids}
        # The variants that still go out (a cancelled delivery's text is not the post's).
        for post_id, text in (
            Delivery.objects.filter(post_id__in=ids)
            .exclude(state="cancelled")
            .exclude(text_override="")
            .order_by("pk")
            .values_list("post_id", "text_override")
        ):
            others[post_id].append(text)
        for post_id, alt in (
            PostImage.objects.filter(post_id__in=ids)
            .exclude(alt_text="")
            .order_by("position", "pk")
            .values_list("post_id", "alt_text")
        ):
            others[post_id].append(alt)
        for pk, text, lang in batch:
            words = index_words(text, others[pk], lang)
            if words:
                Post.objects.filter(pk=pk).update(lemmas=words)
        last = ids[-1]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("posts", "0007_split_connections_publishing_out"),
        ("publishing", "0001_split_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="lemmas",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(fill_lemmas, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        ),
    ]
