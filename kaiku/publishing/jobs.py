"""Registers the publishing engine's job handlers with the worker (found by autodiscovery)."""

from kaiku.publishing import engine  # noqa: F401
