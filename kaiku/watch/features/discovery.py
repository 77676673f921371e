"""Suggested accounts: who the organisation's sources mention, boost or link to most, among
the accounts it does not follow yet; and following them (as a watch source, or on the platform
through a connected account).

Counted over the newest SCAN_ITEMS items that name any account, so the page costs the same
however many items are stored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kaiku import http
from kaiku.channels.base import ChannelError
from kaiku.organisations.models import Organisation
from kaiku.posts.models import ChannelAccount
from kaiku.watch.models import Item, ItemSource, Source
from kaiku.watch.services import AddedSource, add_source

SCAN_ITEMS = 5000
PER_PLATFORM = 15
PLATFORM_NAMES = {"mastodon": "Mastodon", "bluesky": "Bluesky", "x": "X", "youtube": "YouTube"}
SOURCE_KIND = {
    "mastodon": "mastodon_account",
    "bluesky": "bluesky_account",
    "x": "x_account",
    "youtube": "youtube",
}
# Platforms where Kaiku can follow through a connected account.
FOLLOWABLE = ("mastodon", "bluesky")


class FollowRefused(Exception):
    """Following on the platform was not possible; the message is for people."""


@dataclass
class Suggestion:
    account: str  # "platform:handle"
    platform: str
    handle: str
    source_count: int
    item_count: int

    @property
    def reason(self) -> str:
        return ngettext(
            "Mentioned by %(n)d of your sources",
            "Mentioned by %(n)d of your sources",
            self.source_count,
        ) % {"n": self.source_count}

    @property
    def display(self) -> str:
        return display_handle(self.account)

    @property
    def profile_url(self) -> str:
        return profile_url(self.account)


@dataclass
class PlatformGroup:
    platform: str
    name: str
    suggestions: list[Suggestion] = field(default_factory=list)
    channels: list[ChannelAccount] = field(default_factory=list)


def split_account(account: str) -> tuple[str, str]:
    platform, _sep, handle = account.partition(":")
    return platform, handle


def display_handle(account: str) -> str:
    platform, handle = split_account(account)
    if platform in ("mastodon", "bluesky", "x") and not handle.startswith("did:"):
        return f"@{handle}"
    return handle


def profile_url(account: str) -> str:
    platform, handle = split_account(account)
    if platform == "mastodon" and "@" in handle:
        user, host = handle.split("@", 1)
        return f"https://{host}/@{user}"
    if platform == "bluesky":
        return f"https://bsky.app/profile/{quote(handle)}"
    if platform == "x":
        return f"https://x.com/{quote(handle)}"
    if platform == "youtube":
        return f"https://www.youtube.com/channel/{quote(handle)}"
    return ""


def followed_accounts(organisation: Organisation) -> set[str]:
    """``platform:handle`` of every account the organisation already follows as a source."""
    out: set[str] = set()
    rows = Source.objects.filter(organisation=organisation).values_list(
        "kind", "url", "identifier", "state"
    )
    for kind, url, identifier, state in rows:
        platform = next((p for p, k in SOURCE_KIND.items() if k == kind), "")
        if not platform:
            continue
        if platform == "youtube":
            channel = url.rsplit("channel_id=", 1)[-1] if "channel_id=" in url else identifier
            out.add(f"youtube:{channel}")
            continue
        out.add(f"{platform}:{identifier.lower().lstrip('@')}")
        did = (state or {}).get("did") if isinstance(state, dict) else None
        if isinstance(did, str) and did:
            out.add(f"{platform}:{did}")
    return out


def suggestions(organisation: Organisation) -> list[Suggestion]:
    """Accounts named by the organisation's items, most sources first, followed ones left out."""
    rows = list(
        Item.objects.filter(organisation=organisation)
        .exclude(mentioned_accounts=[])
        .order_by("-fetched_at")
        .values_list("id", "mentioned_accounts")[:SCAN_ITEMS]
    )
    if not rows:
        return []
    item_ids = [pk for pk, _accounts in rows]
    sources_of: dict[int, set[int]] = defaultdict(set)
    for chunk in range(0, len(item_ids), 900):
        for item_id, source_id in ItemSource.objects.filter(
            item_id__in=item_ids[chunk : chunk + 900]
        ).values_list("item_id", "source_id"):
            sources_of[item_id].add(source_id)
    followed = followed_accounts(organisation)
    by_sources: dict[str, set[int]] = defaultdict(set)
    by_items: dict[str, int] = defaultdict(int)
    for item_id, accounts in rows:
        for account in accounts if isinstance(accounts, list) else []:
            if not isinstance(account, str) or ":" not in account:
                continue
            key = account.lower() if not account.startswith("youtube:") else account
            if key in followed:
                continue
            by_sources[key] |= sources_of.get(item_id, set())
            by_items[key] += 1
    out = []
    for account, srcs in by_sources.items():
        platform, handle = split_account(account)
        if platform in SOURCE_KIND and handle:
            out.append(Suggestion(account, platform, handle, len(srcs), by_items[account]))
    out.sort(key=lambda s: (-s.source_count, -s.item_count, s.account))
    return out


def follow_accounts(organisation: Organisation) -> dict[str, list[ChannelAccount]]:
    """Connected accounts that can follow, by platform."""
    out: dict[str, list[ChannelAccount]] = defaultdict(list)
    for account in ChannelAccount.objects.filter(
        organisation=organisation, platform__in=FOLLOWABLE, status=ChannelAccount.Status.ACTIVE
    ):
        out[account.platform].append(account)
    return dict(out)


def suggestions_by_platform(organisation: Organisation) -> list[PlatformGroup]:
    channels = follow_accounts(organisation)
    groups: dict[str, PlatformGroup] = {}
    for suggestion in suggestions(organisation):
        group = groups.setdefault(
            suggestion.platform,
            PlatformGroup(
                suggestion.platform,
                PLATFORM_NAMES.get(suggestion.platform, suggestion.platform),
                channels=channels.get(suggestion.platform, []),
            ),
        )
        if len(group.suggestions) < PER_PLATFORM:
            group.suggestions.append(suggestion)
    return sorted(groups.values(), key=lambda g: g.name)


# --- following --------------------------------------------------------------------------------


def _source_value(account: str) -> tuple[str, str]:
    platform, handle = split_account(account)
    kind = SOURCE_KIND.get(platform)
    if kind is None or not handle:
        raise FollowRefused(_("This account cannot be followed."))
    if platform == "mastodon":
        return kind, f"@{handle}"
    if platform == "youtube":
        return kind, f"https://www.youtube.com/feeds/videos.xml?channel_id={handle}"
    return kind, handle


def follow_as_source(organisation: Organisation, account: str) -> AddedSource:
    """Add the account as a watch source. Raises SourceRefused (e.g. X without a plan)."""
    kind, value = _source_value(account)
    return add_source(organisation, value, kind=kind, discover_feeds=False)


def follow_on_platform(
    organisation: Organisation,
    account: str,
    channel_id: int,
    *,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """Follow ``account`` with the organisation's connected account. Returns the remote id."""
    platform, handle = split_account(account)
    channel = ChannelAccount.objects.filter(
        organisation=organisation, pk=channel_id, platform=platform
    ).first()
    if channel is None or platform not in FOLLOWABLE:
        raise FollowRefused(_("Choose a connected account on the same platform."))
    if platform == "mastodon":
        return mastodon_follow(channel, handle, transport=transport)
    return bluesky_follow(channel, handle)


def mastodon_follow(
    channel: ChannelAccount, acct: str, *, transport: httpx.BaseTransport | None = None
) -> str:
    """Resolve the account on our instance, then follow it.

    https://docs.joinmastodon.org/methods/accounts/#lookup and
    https://docs.joinmastodon.org/methods/accounts/#follow
    """
    token = channel.credentials.get("access_token")
    if not isinstance(token, str) or not token:
        raise FollowRefused(_("The connected account needs reconnecting."))
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with http.client(base_url=channel.base_url.rstrip("/"), transport=transport) as client:
        try:
            found = client.get(
                "/api/v1/accounts/lookup", params={"acct": acct.lstrip("@")}, headers=headers
            )
            if found.status_code == 404:
                raise FollowRefused(_("The account was not found on your instance."))
            found.raise_for_status()
            account_id = str(found.json()["id"])
            answer = client.post(f"/api/v1/accounts/{account_id}/follow", headers=headers)
            answer.raise_for_status()
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            detail = {"detail": str(exc)[:200]}
            raise FollowRefused(_("Following failed: %(detail)s") % detail) from exc
    return account_id


def bluesky_follow(channel: ChannelAccount, handle: str) -> str:
    """Write an app.bsky.graph.follow record in the account's repository.

    https://docs.bsky.app/docs/api/com-atproto-repo-create-record and
    https://docs.bsky.app/docs/tutorials/viewing-feeds (graph.follow lexicon)
    """
    from kaiku.channels.bluesky import client as bsky

    connector: Any = channel.connector()
    client = connector._client()
    try:
        did = handle if handle.startswith("did:") else client.resolve_handle(handle)
        if not did:
            raise FollowRefused(_("The account was not found on Bluesky."))
        record = {
            "$type": "app.bsky.graph.follow",
            "subject": did,
            "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        ref = connector._call(
            client, lambda session: client.create_record(session, "app.bsky.graph.follow", record)
        )
    except (bsky.BlueskyError, ChannelError) as exc:
        raise FollowRefused(_("Following failed: %(detail)s") % {"detail": str(exc)[:200]}) from exc
    finally:
        client.close()
    return str(ref.uri)
