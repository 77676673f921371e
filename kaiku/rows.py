"""Many rows into one table with one prepared statement (executemany).

The ORM's ``bulk_create`` spends most of its time compiling SQL per field and row; the paths
that write many rows at once (the publishing engine's ledger, the watch's items) use this
instead. Callers pass values as the database takes them: datetimes through
``connection.ops.adapt_datetimefield_value``, JSON as text (``json_columns`` are cast to jsonb
on PostgreSQL). SQLite and PostgreSQL only, like Kaiku.
"""

from __future__ import annotations

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
) -> None:
    values = list(rows)
    if not values:
        return
    ops = connection.ops
    postgres = connection.vendor == "postgresql"
    names = ", ".join(ops.quote_name(c) for c in columns)
    marks = ", ".join("%s::jsonb" if postgres and c in json_columns else "%s" for c in columns)
    sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({names}) VALUES ({marks})"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    # In one transaction: in autocommit mode SQLite would commit every row on its own.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, values)
