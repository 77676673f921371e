"""The load benches' data set (importable by other benches): the organisations, their members
and sign-in; each organisation's data comes from tests/performance/bigorg.py (``load_org``),
the one builder of the large organisation, built fast with ``bulk_create``.

A large organisation ("iso", 10,000 posts over the past 300 and the next 60 days with 25,000
deliveries over four channels, 100,000 watch items on 60 sources, 5 members) and 50 small
ones ("pieni-N", 20 posts, 200 items on 3 sources and one member each). Every member's
password is ``PASSWORD``; no organisation requires two-factor sign-in, so a login form is
all a client needs. Everything is synthetic.

    from bench.dataset import build, Scale
    build(Scale())          # after django.setup(), on an empty migrated database

or, as a script in the environment of the server to test (KAIKU_DATA_DIR / DATABASE_URL):

    .venv/bin/python -m bench.dataset [--small]   # prints a JSON summary
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from dataclasses import asdict, dataclass
from typing import Any

PASSWORD = "kuorma-testi-salasana-2026"
BIG_SLUG = "iso"
ROLES = ["admin", "editor", "editor", "reviewer", "viewer"]


@dataclass
class Scale:
    big_posts: int = 10_000
    big_deliveries: int = 25_000
    big_items: int = 100_000
    big_sources: int = 60
    big_members: int = 5
    small_orgs: int = 50
    small_posts: int = 20
    small_items: int = 200


def build(scale: Scale, seed: int = 7) -> dict[str, Any]:
    """Build the data set into the (migrated, empty) database; returns who signs in where."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from kaiku.accounts.models import ApiToken, User
    from kaiku.organisations.models import Membership, Organisation
    from kaiku.watch.ingest import rank
    from tests.performance import bigorg

    rng = random.Random(seed)
    started = time.perf_counter()
    hashed = make_password(PASSWORD)  # once: every member has the same password

    tokens: dict[str, str] = {}

    def member(org: Organisation, username: str, role: str) -> User:
        user = User.objects.create(username=username, password=hashed, language="fi")
        Membership.objects.create(organisation=org, user=user, role=role)
        tokens[username] = ApiToken.issue(user, "kuorma")[1]
        return user

    big = Organisation.objects.create(name="Iso Yhdistys ry", slug=BIG_SLUG)
    big_users = [member(big, f"iso{n}", ROLES[n % len(ROLES)]) for n in range(scale.big_members)]
    bigorg.load_org(
        big,
        big_users[1],
        posts=scale.big_posts,
        deliveries=scale.big_deliveries,
        items=scale.big_items,
        sources=scale.big_sources,
        rng=rng,
    )
    small: list[dict[str, str]] = []
    for n in range(scale.small_orgs):
        org = Organisation.objects.create(name=f"Pieni yhdistys {n}", slug=f"pieni-{n}")
        user = member(org, f"pieni{n}", "admin")
        bigorg.load_org(
            org,
            user,
            posts=scale.small_posts,
            deliveries=scale.small_posts * 2,
            items=scale.small_items,
            sources=3,
            rng=rng,
        )
        small.append(
            {
                "slug": org.slug,
                "username": user.username,
                "role": "admin",
                "token": tokens[user.username],
            }
        )
    for org in Organisation.objects.all():
        rank.refresh_organisation(org.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "password": PASSWORD,
        "big": [
            {
                "slug": BIG_SLUG,
                "username": u.username,
                "role": ROLES[i % len(ROLES)],
                "token": tokens[u.username],
            }
            for i, u in enumerate(big_users)
        ],
        "small": small,
        "scale": asdict(scale),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a tenth of the data (a quick try)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaiku.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    scale = Scale()
    if args.small:
        scale = Scale(1000, 2500, 10_000, 60, 5, 10, 20, 200)
    print(json.dumps(build(scale)))


if __name__ == "__main__":
    main()
