"""Many rows into one table with one prepared statement (executemany).

The ORM's ``bulk_create`` spends most of its time compiling SQL per field and row; the paths
that write many rows at once (the publishing engine's ledger, the watch's items) use this
instead. Callers pass values as the database takes them: datetimes through
``connection.ops.adapt_datetimefield_value``, JSON as text (``json_columns`` are cast to jsonb
on PostgreSQL). SQLite and PostgreSQL only, like Kaiku.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction


def insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    json_columns: frozenset[str] = frozenset(),
    ignore_conflicts: bool = False,
    direct: bool = False,
) -> None:
    """Insert ``rows`` of ``columns`` into ``model``'s table in one transaction.

    ``direct``: on SQLite, when nothing watches Django's cursor, run the statement on the
    DB-API cursor itself (for the ingest's many rows). Off by default, so that every other
    write stays visible to whatever wraps Django's cursor: the test suite's crash points
    (tests/posts/killpoint.py) find the publishing ledger's commit that way."""
    values = list(rows)
    if not values:
        return
    ops = connection.ops
    postgres = connection.vendor == "postgresql"
    names = ", ".join(ops.quote_name(c) for c in columns)
    marks = ", ".join("%s::jsonb" if postgres and c in json_columns else "%s" for c in columns)
    head = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({names}) VALUES "
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    # In one transaction: in autocommit mode SQLite would commit every row on its own.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # One statement of many rows, on both databases. PostgreSQL parses and plans every
        # statement of an executemany anew (Django binds on the client, so nothing is
        # prepared). SQLite opens a statement savepoint for every statement run, and a
        # full-text table filled by a trigger on this table (watch_item_search) flushes
        # its pending words into a new index segment at each one: row by row, that cost
        # the ingest about 100 µs per item in merging segments (issue 16 item 7).
        plain = _plain_sqlite_cursor(cursor) if direct else None
        for chunk in _chunks(values, len(columns), _max_parameters()):
            params = [value for row in chunk for value in row]
            if plain is None:
                cursor.execute(head + ", ".join([f"({marks})"] * len(chunk)) + tail, params)
                continue
            # The same statement with SQLite's own markers: Django's cursor would find
            # and replace every "%s" with a regular expression first (about 6 µs per
            # item of 24 columns).
            row = "(" + ", ".join(["?"] * len(columns)) + ")"
            with connection.wrap_database_errors:
                plain(head + ", ".join([row] * len(chunk)) + tail, params)


# PostgreSQL takes at most 65,535 parameters in one statement; SQLite as it was built
# (32,766 since 3.32), which its connection tells.
_MAX_PARAMETERS = 65_535


def _plain_sqlite_cursor(cursor: Any) -> Any:
    """The DB-API cursor's own ``execute`` on SQLite when nothing watches Django's (no query
    log, as in tests that count queries or with DEBUG; no execute wrappers), else None."""
    if connection.vendor != "sqlite" or connection.queries_logged or connection.execute_wrappers:
        return None
    raw = cursor.cursor
    return lambda sql, params: sqlite3.Cursor.execute(raw, sql, params)


def _max_parameters() -> int:
    if connection.vendor == "sqlite":
        limit: int = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return limit
    return _MAX_PARAMETERS


def _chunks(values: list[Sequence[Any]], width: int, limit: int) -> list[list[Sequence[Any]]]:
    size = max(limit // max(width, 1), 1)
    return [values[i : i + size] for i in range(0, len(values), size)]


def update(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Set ``columns[1:]`` of the rows whose ``columns[0]`` (their key) is each row's first
    value: one statement per row on SQLite (executemany), one for all of them on PostgreSQL.
    Values as the database takes them (see ``insert``)."""
    values = list(rows)
    if not values:
        return
    ops = connection.ops
    meta = model._meta
    table = ops.quote_name(meta.db_table)
    key, *rest = (meta.get_field(name) for name in columns)
    quoted = [ops.quote_name(_column(f)) for f in (key, *rest)]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{q} = %s" for q in quoted[1:])
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE {quoted[0]} = %s",
                [(*row[1:], row[0]) for row in values],
            )
            return
        # Each value is cast to its column's type: a VALUES list types its columns from its
        # literals, and a string literal would be text.
        sets = ", ".join(
            f"{q} = v.c{i}::{f.db_type(connection)}"
            for i, (q, f) in enumerate(zip(quoted[1:], rest, strict=True), start=1)
        )
        names = ", ".join(f"c{i}" for i in range(len(columns)))
        marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for chunk in _chunks(values, len(columns) + 1, _MAX_PARAMETERS):
            # The keys once more as a plain IN list: the rows are then found by their index
            # whatever the table's statistics say (with none, or "empty" ones taken inside
            # a long transaction, the join alone was planned as a scan of the whole table).
            keys = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([marks] * len(chunk))}) "
                f"AS v({names}) WHERE {table}.{quoted[0]} = v.c0::{key.db_type(connection)} "
                f"AND {table}.{quoted[0]} IN ({keys})",
                [value for row in chunk for value in row] + [row[0] for row in chunk],
            )


def _column(field: Any) -> str:
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise ValueError(f"{field} is not a concrete column")
    return column
