"""Fixtures for the security tests: live ``kaiku serve`` processes on the test's database."""

from __future__ import annotations

from tests.jobs.conftest import procs, sqlite_procs, sqlite_template

__all__ = ["procs", "sqlite_procs", "sqlite_template"]
