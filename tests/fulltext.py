"""What the full-text search tests of posts (tests/posts/test_search.py) and of watch items
(tests/watch/test_search.py) share: the check that a search reads its index, the check that
the index's triggers outlive the migrations, the step back to before the index's migration,
and the Hypothesis scaffolding of queries written to break the query syntax.

``search`` is the searched app's module (kaiku.posts.search, kaiku.watch.features.search):
both have ``matching``, ``matching_ids``, ``SQLITE_TABLE`` and ``PG_COLUMN``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from kaiku.textsearch import parse, postgres_tsquery

T = TypeVar("T")

# The operators and keywords of FTS5's and PostgreSQL's query syntax, and characters that
# break SQL's LIKE or a C string: a query may hold any of them and must still be a search.
SYNTAX_TOKENS = (
    '"', "'", "*", "^", ":", "(", ")", "-", "+", "NEAR", "AND", "OR", "NOT", "body", "org",
    "{body org}", "NEAR(a b, 2)", "\\", "%", "_", "\x00", "&", "|", "!", "<->", ":*",
)  # fmt: skip


def syntax(*extra: str) -> st.SearchStrategy[str]:
    """One of the syntax tokens (and ``extra``)."""
    return st.sampled_from([*SYNTAX_TOKENS, *extra])


def queries(tokens: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Up to eight of ``tokens``, any text and real words, joined by spaces."""
    return st.lists(
        st.one_of(tokens, st.text(max_size=12), st.sampled_from(["päihde", "kevät"])),
        max_size=8,
    ).map(" ".join)


def any_input(max_examples: int) -> Callable[[T], T]:
    """Hypothesis settings for a test over a database fixture: no deadline (the database's
    speed varies with the machine's load), and the function-scoped fixtures are meant (each
    example adds to the same organisation, which is what a search sees)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


def assert_reads_index(search: Any, org: Any, text: str, table: str, expected: list[int]) -> None:
    """The search for ``text`` looks its words up in the index of ``table``, not in every row
    of the organisation, and the index's ids are ``expected``."""
    query = parse(text)
    ids = search.matching_ids(org, query)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            sql, params = search.matching(org, text).query.sql_with_params()
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan and search.SQLITE_TABLE in plan
        else:
            # With one row the planner rightly prefers other paths (the benches show the
            # index in use at 10,000 posts and 100,000 items): forbidding a full scan shows
            # the words' condition is one the index answers.
            tsquery, tparams = postgres_tsquery(query, org.pk)
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                f"EXPLAIN SELECT id FROM {table} WHERE {search.PG_COLUMN} @@ ({tsquery})",
                tparams,
            )
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert f"{table}_search_idx" in plan, plan
        cursor.execute(ids.sql, ids.params)
        assert [row[0] for row in cursor.fetchall()] == expected


def assert_index_triggers(search: Any, table: str) -> None:
    """On SQLite, the triggers that keep the index in step with ``table`` exist (a migration
    that rebuilds the table drops them with the old one). PostgreSQL's column is generated:
    nothing to lose."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
        )
        names = {row[0] for row in cursor.fetchall()}
    assert {f"{search.SQLITE_TABLE}_{op}" for op in ("insert", "update", "delete")} <= names


def migrated_back(before: tuple[str, str], *latest_apps: str) -> Apps:
    """Migrates the database back to ``before`` (with ``latest_apps`` left at their newest
    migration) and returns the models as they were then."""
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    leaves = [n for n in executor.loader.graph.leaf_nodes() if n[0] in latest_apps]
    return executor.loader.project_state([before, *leaves]).apps


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
