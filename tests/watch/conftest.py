"""Fixtures for the field watch: a local feed server and a fetcher with short limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.watch.server import FeedServer


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer.start()
    yield server
    server.stop()


@pytest.fixture
def policy_on(settings: Any) -> None:
    """The address policy as in production: private and loopback addresses refused."""
    settings.KAIKU_ALLOWED_PRIVATE_HOSTS = ()


@pytest.fixture
def short_deadline(settings: Any) -> None:
    settings.KAIKU_WATCH_DEADLINE_SECONDS = 2.0
