"""Fixtures for the language library: plain pytest, no Django."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kaiku.language import morph


@pytest.fixture(autouse=True)
def _data_dir() -> None:
    """Overrides the project-wide fixture of the same name, which needs Django settings."""


@pytest.fixture
def no_voikko() -> Iterator[None]:
    """Run a test on the stem fallback, as on a machine without libvoikko."""
    morph.set_fallback(enabled=True)
    try:
        yield
    finally:
        morph.set_fallback(enabled=None)


@pytest.fixture(scope="session")
def voikko() -> None:
    if not morph.voikko_available():
        pytest.fail("libvoikko and voikko-fi must be installed for these tests")
