"""Fixtures for the job tests: test handlers, and processes sharing a database with the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.jobs import handlers  # noqa: F401  (registers the test handlers)
from tests.jobs.procs import ROOT, Procs, base_env, database_url


def on_postgres() -> bool:
    return "postgresql" in str(settings.DATABASES["default"]["ENGINE"])


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres_only") and not on_postgres():
        pytest.skip(
            "needs PostgreSQL: DATABASE_URL is not a postgres:// URL "
            "(run the suite through scripts/with-postgres.sh)"
        )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite data folder, made once and copied for each process test."""
    data_dir = tmp_path_factory.mktemp("sqlite-template")
    done = subprocess.run(
        [sys.executable, "-m", "kaiku", "migrate", "-v0"],
        cwd=ROOT,
        env=base_env(data_dir, None),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return data_dir


def _sqlite_procs(tmp_path: Path, template: Path, **extra_env: str) -> Procs:
    procs = Procs(tmp_path, None, **extra_env)
    for file in template.glob("kaiku.sqlite3*"):
        shutil.copy(file, procs.data_dir / file.name)
    return procs


@pytest.fixture
def sqlite_procs(tmp_path: Path, sqlite_template: Path) -> Iterator[Procs]:
    """Processes on a SQLite file database, whatever database the test run uses."""
    procs = _sqlite_procs(tmp_path, sqlite_template)
    yield procs
    procs.stop_all()


@pytest.fixture
def procs(transactional_db: None, tmp_path: Path, sqlite_template: Path) -> Iterator[Procs]:
    """Processes on the database of this test run: PostgreSQL's test database, or SQLite.

    Transactional, so that what the test and the processes write is committed and visible to
    the others (and flushed afterwards).
    """
    if on_postgres():
        from django.db import connection

        procs = Procs(tmp_path, database_url(connection.settings_dict))
    else:
        procs = _sqlite_procs(tmp_path, sqlite_template)
    yield procs
    procs.stop_all()


@pytest.fixture
def run_log(tmp_path: Path) -> Path:
    return tmp_path / "runs.log"


@pytest.fixture
def temporary_handler() -> Iterator[Any]:
    """``temporary_handler(kind, func)`` registers a handler for this test only."""
    from kaiku.jobs.services import HANDLERS

    added: list[str] = []

    def register(kind: str, func: Any) -> None:
        HANDLERS[kind] = func
        added.append(kind)

    yield register
    for kind in added:
        HANDLERS.pop(kind, None)
