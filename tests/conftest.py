"""Shared fixtures: one organisation with a member of each role, and an outsider.

Network guard: any outgoing connection to a non-loopback address fails the test.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("KAIKU_TESTING", "1")
os.environ.setdefault("KAIKU_ALLOWED_PRIVATE_HOSTS", "127.0.0.1,localhost,[::1]")

pytest_plugins = ["tests.bluesky_local.fixtures"]

PASSWORD = "kaiku-test-password-1"
ROLES = ("admin", "editor", "reviewer", "viewer")

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is not None and not ip.is_loopback:
            raise RuntimeError(f"tests may not reach the network: {host}")
    return _real_connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


_DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


_BLUESKY_FIXTURES = {"bluesky_pds", "bluesky_full"}


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """The test files that need the local Bluesky network run last, whole and in their order:
    scripts/test.sh installs the network in the background (about 2 minutes in a fresh clone)
    while the others run.

    With KAIKU_DATABASE_TESTS_ONLY=1 (the PostgreSQL pass of scripts/test.sh), run only the
    tests that touch the database: the others have just run, unchanged, on SQLite."""
    late = {
        item.path for item in items if _BLUESKY_FIXTURES & set(getattr(item, "fixturenames", ()))
    }
    items.sort(key=lambda item: item.path in late)  # stable: the order within stays
    # Under pytest-xdist (`--dist loadgroup`, scripts/test.sh) those files go to one worker
    # together, so that one worker, not every worker, starts the local Bluesky network.
    for item in items:
        if item.path in late:
            item.add_marker(pytest.mark.xdist_group("bluesky-local"))
    if os.environ.get("KAIKU_DATABASE_TESTS_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") is not None or bool(
            _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db: Any) -> Any:
    from kaiku.organisations.models import Organisation

    return Organisation.objects.create(name="Toivon Polku ry", slug="toivon-polku")


@pytest.fixture
def other_org(db: Any) -> Any:
    from kaiku.organisations.models import Organisation

    return Organisation.objects.create(name="Muu Yhdistys ry", slug="muu")


def make_user(username: str, **extra: Any) -> Any:
    from kaiku.accounts.models import User

    return User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.test", **extra
    )


@pytest.fixture
def members(org: Any) -> dict[str, Any]:
    """A user per role in ``org``, plus ``outsider`` who belongs to another organisation."""
    from kaiku.organisations.models import Membership, Organisation

    users = {}
    for role in ROLES:
        user = make_user(role)
        Membership.objects.create(organisation=org, user=user, role=role)
        users[role] = user
    other = Organisation.objects.create(name="Muu Yhdistys ry", slug="muu-yhdistys")
    outsider = make_user("outsider")
    Membership.objects.create(organisation=other, user=outsider, role="admin")
    users["outsider"] = outsider
    return users


@pytest.fixture
def admin_user(members: dict[str, Any]) -> Any:
    return members["admin"]


@pytest.fixture
def client_for(client: Any, members: dict[str, Any]) -> Iterator[Any]:
    """``client_for("editor")`` gives a test client logged in as that member."""
    from django.test import Client

    def make(who: str) -> Client:
        c = Client()
        c.force_login(members[who])
        return c

    yield make
