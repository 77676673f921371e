"""Loaded into worker processes by ``KAIKU_EXTRA_JOB_MODULES``: with
``KAIKU_TEST_KILL_AFTER_LEDGER_COMMIT=N`` the process kills itself with SIGKILL right after the
Nth commit of a transaction that wrote the publishing ledger (PublishedPart), as a power cut
or the kernel's OOM killer may. What the engine writes after that commit is never written.

It watches the database connection, not the engine's functions, so it lands at the same
place whatever the engine's code looks like."""

from __future__ import annotations

import os
import signal
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

AFTER = int(os.environ.get("KAIKU_TEST_KILL_AFTER_LEDGER_COMMIT", "0") or 0)
_seen = {"ledger_written": False, "commits": 0}


def _note(sql: str) -> None:
    text = sql.lstrip().lower()
    if text.startswith("insert") and "publishedpart" in text.split("(", 1)[0]:
        _seen["ledger_written"] = True


if AFTER:
    _execute = CursorWrapper.execute
    _executemany = CursorWrapper.executemany
    _commit = BaseDatabaseWrapper.commit

    def execute(self: CursorWrapper, sql: str, params: Any = None) -> Any:
        _note(sql)
        return _execute(self, sql, params)

    def executemany(self: CursorWrapper, sql: str, param_list: Any) -> Any:
        _note(sql)
        return _executemany(self, sql, param_list)

    def commit(self: BaseDatabaseWrapper) -> None:
        _commit(self)
        if _seen["ledger_written"]:
            _seen["ledger_written"] = False
            _seen["commits"] += 1
            if _seen["commits"] >= AFTER:
                os.kill(os.getpid(), signal.SIGKILL)

    CursorWrapper.execute = execute  # type: ignore[method-assign]
    CursorWrapper.executemany = executemany  # type: ignore[method-assign]
    BaseDatabaseWrapper.commit = commit  # type: ignore[method-assign]
