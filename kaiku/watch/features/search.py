"""Full-text search of watch items: SQLite FTS5 or PostgreSQL text search, over base forms.

Both databases index the same words per item (migration 0007): the item's lemmas (Finnish base
forms with their compound parts, Swedish and English stems; kaiku.watch.ingest.analysis), then
its title and text as written, so that a name, a number or a word in another language matches
as typed. A query word matches an item when the item has the word itself or its base form in
any of the three languages: "mielenterveyspalveluiden" and "mielenterveyspalvelut" both give
"mielenterveyspalvelu". Every query word must match (AND).

The index also carries one token per organisation ("kaiku_org_<id>" on SQLite, which no text can
make: migration 0011; "kaikuorg<id>" on PostgreSQL), ANDed into every query, so
that the database intersects with the organisation's items inside the index instead of reading
every other organisation's matches. Isolation itself does not rest on that token: the queryset
filters on the organisation's column as every other list does.

The user's text never reaches the query language: it is cut into words by a regular expression
(letters and digits only), and each word goes in as quoted tokens (FTS5) or a bound parameter
(PostgreSQL), so quotes, NEAR, ``*``, ``^`` and column filters are only characters.

SQLite's table keeps only which items have each token (``detail=none``, migration 0011), the
least an insert can write: a query form goes in as the AND of the tokens SQLite's tokenizer
makes of it (kaiku.textsearch.fts5_words_expression), never as a phrase, which such a table
refuses. So on SQLite a hyphenated form ("covid-19") finds an item having its parts anywhere;
PostgreSQL's phrase wants them side by side.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from kaiku.organisations.models import Organisation
from kaiku.textsearch import (
    MAX_QUERY_CHARS,
    MAX_WORDS,
    Query,
    fts5_expression,
    fts5_words_expression,
    org_token,
    parse,
    postgres_tsquery,
)
from kaiku.watch.models import Item

# The query side is shared with the posts' search (kaiku.textsearch); re-exported here.
__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_WORDS",
    "PG_COLUMN",
    "SQLITE_TABLE",
    "Query",
    "fts5_expression",
    "fts5_words_expression",
    "matching",
    "matching_ids",
    "org_token",
    "parse",
    "postgres_tsquery",
]

SQLITE_TABLE = "watch_item_search"
PG_COLUMN = "search_vector"


def matching_ids(organisation: Organisation, query: Query, newest: int | None = None) -> RawSQL:
    """SQL for the ids of the organisation's items that match ``query``; with ``newest``,
    only that many of the most recently stored (both indexes give the ids in that order, so
    a common word costs a bounded read, not a read of all its matches).

    On SQLite the index holds no columns to filter on, so the caller keeps only the
    organisation's items (``matching``); on PostgreSQL the organisation's column is in the
    subquery itself."""
    limit = "" if newest is None else f" ORDER BY 1 DESC LIMIT {int(newest)}"
    if connection.vendor == "sqlite":
        return RawSQL(
            f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s{limit}",
            [fts5_words_expression(query, organisation.pk)],
        )
    if connection.vendor == "postgresql":
        tsquery, params = postgres_tsquery(query, organisation.pk)
        return RawSQL(
            f"SELECT id FROM watch_item WHERE organisation_id = %s AND {PG_COLUMN} @@ "
            f"({tsquery}){limit}",
            [organisation.pk, *params],
        )
    raise NotImplementedError(f"watch search on {connection.vendor}")


def matching(organisation: Organisation, text: str, newest: int | None = None) -> QuerySet[Item]:
    """The organisation's items that match every word of ``text`` (none when it has none);
    with ``newest``, the most recently stored ``newest`` of them."""
    query = parse(text)
    if not query:
        return Item.objects.none()
    # A subquery of ids rather than a condition on the outer row: the outer query may alias
    # the item table (a digest search is itself a subquery), and ids are what both indexes
    # give.
    found = Item.objects.filter(pk__in=matching_ids(organisation, query, newest))
    if connection.vendor == "postgresql":
        # The subquery already keeps to the organisation; the same condition out here made
        # PostgreSQL read all of a large organisation's ids to join them with the matches
        # (30 ms at 100,000 items) instead of looking the matches up.
        return found
    return found.filter(organisation=organisation)
