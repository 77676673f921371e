"""Registers the publishing engine's job handlers with the worker (found by autodiscovery)."""

from kaiku.publishing import accounts, engine, operator, sweeper  # noqa: F401
