"""Set up and read back the crash test's posts in the database the workers use.

    python -m tests.posts.crashctl setup MASTODON_URL TOKEN COUNT
    python -m tests.posts.crashctl report

Both print one JSON line. The environment picks the database, as for the workers.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _setup(url: str, token: str, count: int) -> dict[str, Any]:
    from django.test import RequestFactory

    from kaiku.accounts.models import User
    from kaiku.organisations.models import Membership, Organisation
    from kaiku.posts import services
    from kaiku.posts.models import ChannelAccount

    org = Organisation.objects.create(name="Kaatumistesti ry", slug="kaatumistesti")
    user = User.objects.create_user("kirjoittaja", password="kaatumistesti-salasana")
    Membership.objects.create(organisation=org, user=user, role="editor")
    mastodon = ChannelAccount(
        organisation=org,
        platform="mastodon",
        handle="@toivonpolku@127.0.0.1",
        base_url=url,
        settings={"account_id": "109302", "max_characters": 500},
    )
    mastodon.set_credentials({"access_token": token})
    mastodon.save()
    feed = ChannelAccount.objects.create(
        organisation=org, platform="feed", handle=org.slug, settings={"organisation": org.slug}
    )
    request = RequestFactory().post("/")
    request.user = user
    for n in range(count):
        draft = services.Draft(
            text=f"Kaatumistestin julkaisu numero {n}. Ryhmä kokoontuu tiistaina.",
            accounts=[mastodon, feed],
        )
        services.submit(services.save_draft(org, user, draft), request)
    return {"posts": count}


def _report() -> dict[str, Any]:
    from kaiku.posts.models import Delivery, FeedEntry, PublishedPart

    states: dict[str, int] = {}
    for d in Delivery.objects.all():
        states[d.state] = states.get(d.state, 0) + 1
    ledger_ids = list(
        PublishedPart.objects.filter(delivery__account__platform="mastodon").values_list(
            "remote_id", flat=True
        )
    )
    return {
        "states": states,
        # Deliveries that a killed worker had claimed: each was reconciled before going on.
        "interrupted": Delivery.objects.filter(attempts__gt=1).count(),
        "mastodon_ids": ledger_ids,
        "feed_entries": FeedEntry.objects.count(),
        "feed_keys": FeedEntry.objects.values("key").distinct().count(),
    }


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaiku.settings")
    import django

    django.setup()
    setup = sys.argv[1] == "setup"
    result = _setup(sys.argv[2], sys.argv[3], int(sys.argv[4])) if setup else _report()
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
