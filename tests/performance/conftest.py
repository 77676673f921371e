"""Module-scoped organisations for the page-cost tests: built once per test file inside a
transaction that is rolled back at its end (each test then runs in a savepoint of it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.performance import bigorg


@dataclass
class Cost:
    status: int
    queries: int
    size: int
    html: str


def cost(client: Client, url: str) -> Cost:
    client.get(url)  # the first visit may make rows (the calendar feed) and warm caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return Cost(
        response.status_code,
        len(captured.captured_queries),
        len(response.content),
        response.content.decode(),
    )


@dataclass
class Orgs:
    big: bigorg.Built
    small: bigorg.Built
    client: Client


def _orgs(django_db_blocker: Any, **amounts: int) -> Iterator[Orgs]:
    from kaiku.accounts.models import User

    with django_db_blocker.unblock(), transaction.atomic():
        user = User.objects.create_user("mittaaja", password="kaiku-test-password-1")
        big = bigorg.build_big(user, **amounts)
        small = bigorg.build_small(user)
        if connection.vendor == "postgresql":
            # As autovacuum would soon after such a load: the planner then sees these rows
            # (ANALYZE in this transaction reads them; its statistics roll back with it),
            # not whatever an earlier test's few committed rows left in pg_statistic.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client = Client()
        client.force_login(user)
        yield Orgs(big, small, client)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def post_orgs(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Orgs]:
    """The big organisation's 10,000 posts and 25,000 deliveries; no watch items."""
    yield from _orgs(django_db_blocker, items=0)


@pytest.fixture(scope="module")
def watch_orgs(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Orgs]:
    """The big organisation's 100,000 watch items on 60 sources; no posts."""
    yield from _orgs(django_db_blocker, posts=0, deliveries=0)
