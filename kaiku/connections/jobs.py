"""Registers the token renewal's periodic jobs with the worker (found by autodiscovery)."""

from kaiku.connections import tokens  # noqa: F401
