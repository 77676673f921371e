"""Registers the publishing engine's job handlers with the worker (found by autodiscovery)."""

from kaiku.posts import engine, tokens  # noqa: F401
