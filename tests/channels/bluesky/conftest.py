"""Bluesky connector tests use the real local network (fixtures registered in tests/conftest.py)."""
