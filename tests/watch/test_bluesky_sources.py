"""Bluesky sources against the real local network (PDS + AppView on loopback)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kaiku.watch import services
from kaiku.watch.ingest.pipeline import run_once
from kaiku.watch.models import Item, WatchSettings
from tests.bluesky_local.fixtures import LocalAccount, LocalNetwork

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _session(net: LocalNetwork, account: LocalAccount) -> str:
    response = httpx.post(
        f"{net.pds_url}/xrpc/com.atproto.server.createSession",
        json={"identifier": account.handle, "password": account.password},
    )
    response.raise_for_status()
    return str(response.json()["accessJwt"])


def _create(
    net: LocalNetwork, token: str, did: str, collection: str, record: dict[str, Any]
) -> str:
    record = {"$type": collection, "createdAt": datetime.now(UTC).isoformat(), **record}
    response = httpx.post(
        f"{net.pds_url}/xrpc/com.atproto.repo.createRecord",
        headers={"Authorization": f"Bearer {token}"},
        json={"repo": did, "collection": collection, "record": record},
    )
    response.raise_for_status()
    return str(response.json()["uri"])


def _until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    """The AppView indexes with a lag: poll, don't sleep a fixed time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("the AppView did not index in time")


def _appview_has(net: LocalNetwork, method: str, **params: str) -> Callable[[], bool]:
    def check() -> bool:
        response = httpx.get(f"{net.appview_url}/xrpc/{method}", params=params)
        if not response.is_success:
            return False
        data = response.json()
        return bool(data.get("feed") or data.get("posts") or data.get("items"))

    return check


def test_bluesky_account_list_and_starter_pack_sources(
    org: Any, bluesky_full: LocalNetwork
) -> None:
    net = bluesky_full
    assert net.appview_url
    WatchSettings.objects.create(organisation=org, bluesky_appview_url=net.appview_url)
    author = net.create_account("toivon")
    member = net.create_account("mieli")
    token = _session(net, author)
    _create(
        net, token, author.did, "app.bsky.feed.post",
        {"text": "Hyvinvointialueiden päihdepalvelut puhuttavat", "langs": ["fi"]},
    )  # fmt: skip
    member_token = _session(net, member)
    _create(
        net, member_token, member.did, "app.bsky.feed.post",
        {"text": "Mielenterveyspalvelut kuuluvat kaikille", "langs": ["fi"]},
    )  # fmt: skip
    list_uri = _create(
        net, token, author.did, "app.bsky.graph.list",
        {"purpose": "app.bsky.graph.defs#curatelist", "name": "Järjestöt"},
    )  # fmt: skip
    _create(
        net, token, author.did, "app.bsky.graph.listitem", {"subject": member.did, "list": list_uri}
    )
    pack_uri = _create(
        net,
        token,
        author.did,
        "app.bsky.graph.starterpack",
        {"name": "Sote-väki", "list": list_uri},
    )
    _until(_appview_has(net, "app.bsky.feed.getAuthorFeed", actor=author.did))
    _until(_appview_has(net, "app.bsky.graph.getList", list=list_uri))

    services.seed_topics(org)
    account = services.add_source(org, f"https://bsky.app/profile/{author.handle}").source
    rkey = list_uri.rsplit("/", 1)[-1]
    listed = services.add_source(org, f"https://bsky.app/profile/{author.handle}/lists/{rkey}")
    assert (account.kind, listed.source.kind) == ("bluesky_account", "bluesky_list")
    _until(_appview_has(net, "app.bsky.feed.getListFeed", list=list_uri))
    summary = run_once()
    assert not summary.errors, [r.error for r in summary.errors]
    item = Item.objects.get(text__contains="päihdepalvelut")
    assert item.platform == "bluesky" and item.author_handle == f"@{author.handle}"
    assert item.url.startswith(f"https://bsky.app/profile/{author.handle}/post/")
    assert Item.objects.filter(text__contains="Mielenterveyspalvelut").exists()  # via the list

    # A starter pack (its list) becomes one account source per member.
    pack_rkey = pack_uri.rsplit("/", 1)[-1]
    added = services.import_bluesky_list(
        org, f"https://bsky.app/starter-pack/{author.handle}/{pack_rkey}"
    )
    assert [a.source.identifier for a in added] == [member.handle]


def test_bluesky_search_source_polls_the_appviews_search(
    org: Any, bluesky_full: LocalNetwork
) -> None:
    # The local AppView answers searchPosts without a search backend (no hits), so this checks
    # the call and its handling; parsing of hits is covered offline with documented JSON.
    net = bluesky_full
    assert net.appview_url
    WatchSettings.objects.create(organisation=org, bluesky_appview_url=net.appview_url)
    source = services.add_source(org, "bluesky-search:asunnottomuus").source
    summary = run_once()
    assert not summary.errors, [r.error for r in summary.errors]
    source.refresh_from_db()
    assert source.last_success_at is not None and source.last_error == ""
