"""Set up and read back the crash test's posts in the database the workers use.

    python -m tests.posts.crashctl setup MASTODON_URL TOKEN COUNT
    python -m tests.posts.crashctl setup-feed COUNT PARTS    # weekly posts to the own feed
    python -m tests.posts.crashctl report
    python -m tests.posts.crashctl setup-bluesky PDS_URL HANDLE APP_PASSWORD COUNT GROUPS GAP
    python -m tests.posts.crashctl report-bluesky
    python -m tests.posts.crashctl posts                     # each post, its deliveries, its next
    python -m tests.posts.crashctl times                     # each delivery's state and times

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
    from kaiku.connections.models import ChannelAccount
    from kaiku.organisations.models import Membership, Organisation
    from kaiku.posts import services

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


def _setup_feed(count: int, parts: int) -> dict[str, Any]:
    """``count`` weekly posts to the own feed, due now; each a thread of ``parts`` parts."""
    from datetime import timedelta

    from django.test import RequestFactory
    from django.utils import timezone

    from kaiku.accounts.models import User
    from kaiku.connections.models import ChannelAccount
    from kaiku.organisations.models import Membership, Organisation
    from kaiku.posts import services
    from kaiku.posts.models import Post
    from kaiku.publishing.models import Delivery

    org = Organisation.objects.create(name="Toistuvat ry", slug="toistuvat")
    user = User.objects.create_user("kirjoittaja", password="kaatumistesti-salasana")
    Membership.objects.create(organisation=org, user=user, role="editor")
    feed = ChannelAccount.objects.create(
        organisation=org, platform="feed", handle=org.slug, settings={"organisation": org.slug}
    )
    request = RequestFactory().post("/")
    request.user = user
    when = timezone.now() + timedelta(minutes=5)
    for n in range(count):
        draft = services.Draft(
            text=f"Viikoittainen vertaisryhmä numero {n} kokoontuu tiistaina.",
            accounts=[feed],
            scheduled_at=when,
            repeat=Post.Repeat.WEEKLY,
        )
        services.submit(services.save_draft(org, user, draft), request)
    # Due now (a time in the past is refused when composing); a thread when asked.
    now = timezone.now()
    Post.objects.update(scheduled_at=now)
    Delivery.objects.update(due_at=now)
    if parts > 1:
        from kaiku.posts import gate
        from kaiku.publishing import engine

        for delivery in Delivery.objects.select_related("post", "account"):
            delivery.parts = [f"{delivery.post.text} Osa {i + 1}." for i in range(parts)]
            # Threads written here stand for threads the safety gate checked (as the
            # services stamp them when they schedule).
            delivery.gate_stamp = gate.stamp(engine.outgoing_for(delivery))
            delivery.save(update_fields=["parts", "gate_stamp"])
    from kaiku.jobs.models import Job

    Job.objects.filter(unique_key__startswith="publish:").update(run_at=now)
    return {"posts": count}


def _posts() -> dict[str, Any]:
    from kaiku.posts.models import Post

    posts = []
    for post in Post.objects.order_by("pk").prefetch_related("deliveries", "repeats"):
        posts.append(
            {
                "id": post.pk,
                "state": post.state,
                "repeat_of": post.repeat_of_id,
                "deliveries": sorted(d.state for d in post.deliveries.all()),
                "next": [p.pk for p in post.repeats.all()],
            }
        )
    return {"posts": posts}


def _times() -> dict[str, Any]:
    from kaiku.publishing.models import Delivery

    return {
        "deliveries": [
            {
                "id": d.pk,
                "state": d.state,
                "attempts": d.attempts,
                "code": d.last_error_code,
                "published_at": d.published_at.timestamp() if d.published_at else None,
            }
            for d in Delivery.objects.order_by("pk")
        ]
    }


def _report() -> dict[str, Any]:
    from kaiku.publishing.models import Delivery, PublishedPart
    from kaiku.site.models import FeedEntry

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


def bluesky_text(n: int) -> str:
    """Every fifth post is long enough to go out as a thread; every part's text is unique, so
    a duplicate anywhere shows as a repeated text."""
    if n % 5 == 0:
        return " ".join(
            f"Ketjun {n} kohta {k}: ryhmä kokoontuu tiistaisin ja torstaisin kello kymmenen. "
            f"Keitämme kahvia ja suunnittelemme viikon {n} ruokia yhdessä."
            for k in range(5)
        )
    return f"Kaatumistestin julkaisu {n} Blueskyhin ja omaan syötteeseen."


def _setup_bluesky(
    pds: str, handle: str, password: str, count: int, groups: int, gap: float
) -> dict[str, Any]:
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.test import RequestFactory
    from django.utils import timezone

    from kaiku.accounts.models import User
    from kaiku.channels.bluesky.connector import BlueskyConnector
    from kaiku.connections.models import ChannelAccount
    from kaiku.organisations.models import Membership, Organisation
    from kaiku.posts import services
    from kaiku.posts.models import PostImage
    from tests.channels.bluesky.test_bluesky_live import png

    org = Organisation.objects.create(name="Kaatumistesti ry", slug="kaatumistesti")
    user = User.objects.create_user("kirjoittaja", password="kaatumistesti-salasana")
    Membership.objects.create(organisation=org, user=user, role="editor")
    setup = BlueskyConnector.start_connect(
        {"handle": handle, "app_password": password, "pds_url": pds}, ""
    )
    bluesky = ChannelAccount(
        organisation=org, platform="bluesky", handle=setup.handle, base_url=setup.base_url
    )
    bluesky.set_credentials(setup.credentials)
    bluesky.save()
    feed = ChannelAccount.objects.create(
        organisation=org, platform="feed", handle=org.slug, settings={"organisation": org.slug}
    )
    request = RequestFactory().post("/")
    request.user = user
    image = png(3, 2)
    # The posts fall due in groups, each group at one instant: a batch claim takes a group
    # together (the case that lost posts), and the kills keep landing while posts go out.
    start = timezone.now() + timedelta(seconds=gap)
    for n in range(count):
        when = start + timedelta(seconds=gap * (n % groups))
        draft = services.Draft(
            text=bluesky_text(n), accounts=[bluesky, feed], scheduled_at=when, language="fi"
        )
        post = services.save_draft(org, user, draft)
        if n % 7 == 0:
            PostImage.objects.create(
                post=post,
                file=ContentFile(image, name=f"kuva{n}.png"),
                mime="image/png",
                size_bytes=len(image),
                width=3,
                height=2,
                alt_text=f"Kuva {n}",
            )
        services.submit(post, request)
    return {"posts": count, "did": setup.credentials["did"]}


def _report_bluesky() -> dict[str, Any]:
    from kaiku.publishing.models import Delivery, PublishedPart
    from kaiku.site.models import FeedEntry

    states: dict[str, int] = {}
    for d in Delivery.objects.all():
        states[d.state] = states.get(d.state, 0) + 1
    deliveries = []
    for d in Delivery.objects.filter(account__platform="bluesky").order_by("pk"):
        ledger = list(PublishedPart.objects.filter(delivery=d).order_by("index"))
        deliveries.append(
            {
                "state": d.state,
                "parts": d.parts,
                "keys": d.part_keys,
                "ledger": [[p.index, p.remote_id] for p in ledger],
                "remote_id": d.remote_id,
            }
        )
    feed_parts = sum(
        len(d.parts) for d in Delivery.objects.filter(account__platform="feed", state="published")
    )
    return {
        "states": states,
        "interrupted": Delivery.objects.filter(attempts__gt=1).count(),
        "bluesky": deliveries,
        "feed_parts": feed_parts,
        "feed_entries": FeedEntry.objects.count(),
        "feed_keys": FeedEntry.objects.values("key").distinct().count(),
    }


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaiku.settings")
    import django

    django.setup()
    command = sys.argv[1]
    if command == "setup":
        result = _setup(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif command == "setup-bluesky":
        pds, handle, password, count, groups, gap = sys.argv[2:8]
        result = _setup_bluesky(pds, handle, password, int(count), int(groups), float(gap))
    elif command == "report-bluesky":
        result = _report_bluesky()
    elif command == "setup-feed":
        result = _setup_feed(int(sys.argv[2]), int(sys.argv[3]))
    elif command == "posts":
        result = _posts()
    elif command == "times":
        result = _times()
    else:
        result = _report()
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
