"""Fixtures for the security tests: live ``kaiku serve`` processes on the test's database."""

from __future__ import annotations

import pytest

from tests.jobs.conftest import on_postgres, procs, sqlite_procs, sqlite_template

__all__ = ["procs", "sqlite_procs", "sqlite_template"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres_only") and not on_postgres():
        pytest.skip(
            "needs PostgreSQL: DATABASE_URL is not a postgres:// URL "
            "(run the suite through scripts/with-postgres.sh)"
        )
