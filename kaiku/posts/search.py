"""Full-text search of an organisation's posts: SQLite FTS5 or PostgreSQL text search, over
base forms (migration 0008).

A post's index holds its ``lemmas`` (the base forms of every text that can be published: the
post's, each channel's own text, the images' alt texts; and those other texts' words as
written), then the post's text as written. ``store_words`` fills ``lemmas`` whenever the texts
are saved (``services.save_checked``, the one save of the web form and the REST API; a
recurring post's next copy copies them). The query side, shared with the watch's search, is
``kaiku.textsearch``: every query word must match, as written or by its base form.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from kaiku.organisations.models import Organisation
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery
from kaiku.textsearch import Query, fts5_expression, index_words, parse, postgres_tsquery

SQLITE_TABLE = "posts_post_search"
PG_COLUMN = "search_vector"


def words_of(post: Post) -> str:
    """The words ``lemmas`` holds for the post's texts as saved (two queries)."""
    others = list(
        post.deliveries.exclude(state=Delivery.State.CANCELLED)
        .exclude(text_override="")
        .order_by("pk")
        .values_list("text_override", flat=True)
    )
    others += post.images.exclude(alt_text="").values_list("alt_text", flat=True)
    return index_words(post.text, others, post.language or None)


def store_words(post: Post) -> None:
    """Bring the post's ``lemmas`` up to its texts (the index follows by trigger or as a
    generated column, in the same transaction)."""
    words = words_of(post)
    if words != post.lemmas:
        post.lemmas = words
        Post.objects.filter(pk=post.pk).update(lemmas=words)


def matching_ids(organisation: Organisation, query: Query) -> RawSQL:
    """SQL for the ids of the organisation's posts that match ``query``.

    On SQLite the index holds no columns to filter on, so the caller keeps only the
    organisation's posts (``matching``); on PostgreSQL the organisation's column is in the
    subquery itself."""
    if connection.vendor == "sqlite":
        return RawSQL(
            f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s",
            [fts5_expression(query, organisation.pk)],
        )
    if connection.vendor == "postgresql":
        tsquery, params = postgres_tsquery(query, organisation.pk)
        return RawSQL(
            f"SELECT id FROM posts_post WHERE organisation_id = %s AND {PG_COLUMN} @@ ({tsquery})",
            [organisation.pk, *params],
        )
    raise NotImplementedError(f"post search on {connection.vendor}")


def matching(organisation: Organisation, text: str) -> QuerySet[Post]:
    """The organisation's posts (not deleted, every state) that match every word of ``text``;
    none when it has no word."""
    query = parse(text)
    if not query:
        return Post.objects.none()
    found = Post.objects.filter(pk__in=matching_ids(organisation, query), deleted_at=None)
    if connection.vendor == "postgresql":
        # The subquery already keeps to the organisation; the same condition out here can make
        # PostgreSQL read all of a large organisation's ids to join them with the matches (as
        # the watch's search measured) instead of looking the matches up.
        return found
    return found.filter(organisation=organisation)
