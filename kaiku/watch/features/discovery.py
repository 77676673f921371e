"""Suggested accounts: who the organisation's sources mention, boost or link to most, among
the accounts it does not follow yet; and following them (as a watch source, or on the platform
through a connected account).

How a platform's accounts are shown and followed is the platform package's
(``kaiku/channels/<platform>/following.py``, through the channel registry); YouTube's, which the
watch reads through its feeds, is in ``sources/youtube.py``. Nothing here names a platform.

Counted over the newest SCAN_ITEMS items that name any account, so the page costs the same
however many items are stored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kaiku.channels import registry
from kaiku.channels.base import AccountFollowing
from kaiku.channels.base import FollowRefused as FollowRefused  # the views catch it here
from kaiku.organisations.models import Organisation
from kaiku.posts.models import ChannelAccount
from kaiku.watch.models import Item, ItemSource, Source
from kaiku.watch.services import AddedSource, add_source
from kaiku.watch.sources.youtube import YOUTUBE

SCAN_ITEMS = 5000
PER_PLATFORM = 15


def account_kinds() -> dict[str, AccountFollowing]:
    """How each platform's accounts are shown and followed: the platform packages' (from the
    channel registry) and YouTube's, which the watch reads through its feeds."""
    return {**registry.followings(), YOUTUBE.platform: YOUTUBE}


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
    kind = account_kinds().get(platform)
    return kind.display(handle) if kind is not None else handle


def profile_url(account: str) -> str:
    platform, handle = split_account(account)
    kind = account_kinds().get(platform)
    return kind.profile_url(handle) if kind is not None else ""


def followed_accounts(organisation: Organisation) -> set[str]:
    """``platform:handle`` of every account the organisation already follows as a source."""
    by_source_kind = {k.source_kind: k for k in account_kinds().values()}
    out: set[str] = set()
    rows = Source.objects.filter(organisation=organisation).values_list(
        "kind", "url", "identifier", "state"
    )
    for source_kind, url, identifier, state in rows:
        kind = by_source_kind.get(source_kind)
        if kind is None:
            continue
        stored = state if isinstance(state, dict) else {}
        out.update(f"{kind.platform}:{key}" for key in kind.followed_keys(url, identifier, stored))
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
    kinds = account_kinds()
    by_sources: dict[str, set[int]] = defaultdict(set)
    by_items: dict[str, int] = defaultdict(int)
    for item_id, accounts in rows:
        for account in accounts if isinstance(accounts, list) else []:
            if not isinstance(account, str) or ":" not in account:
                continue
            kind = kinds.get(account.partition(":")[0])
            key = account if kind is not None and kind.case_sensitive else account.lower()
            if key in followed:
                continue
            by_sources[key] |= sources_of.get(item_id, set())
            by_items[key] += 1
    out = []
    for account, srcs in by_sources.items():
        platform, handle = split_account(account)
        if platform in kinds and handle:
            out.append(Suggestion(account, platform, handle, len(srcs), by_items[account]))
    out.sort(key=lambda s: (-s.source_count, -s.item_count, s.account))
    return out


def follow_accounts(organisation: Organisation) -> dict[str, list[ChannelAccount]]:
    """Connected accounts that can follow, by platform."""
    out: dict[str, list[ChannelAccount]] = defaultdict(list)
    followable = [p for p, kind in account_kinds().items() if kind.followable]
    for account in ChannelAccount.objects.filter(
        organisation=organisation, platform__in=followable, status=ChannelAccount.Status.ACTIVE
    ):
        out[account.platform].append(account)
    return dict(out)


def suggestions_by_platform(organisation: Organisation) -> list[PlatformGroup]:
    channels = follow_accounts(organisation)
    kinds = account_kinds()
    groups: dict[str, PlatformGroup] = {}
    for suggestion in suggestions(organisation):
        group = groups.setdefault(
            suggestion.platform,
            PlatformGroup(
                suggestion.platform,
                kinds[suggestion.platform].name,
                channels=channels.get(suggestion.platform, []),
            ),
        )
        if len(group.suggestions) < PER_PLATFORM:
            group.suggestions.append(suggestion)
    return sorted(groups.values(), key=lambda g: g.name)


# --- following --------------------------------------------------------------------------------


def _source_value(account: str) -> tuple[str, str]:
    platform, handle = split_account(account)
    kind = account_kinds().get(platform)
    if kind is None or not handle:
        raise FollowRefused(_("This account cannot be followed."))
    return kind.source_kind, kind.source_value(handle)


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
    kind = account_kinds().get(platform)
    if channel is None or kind is None or not kind.followable:
        raise FollowRefused(_("Choose a connected account on the same platform."))
    connector = channel.connector()
    try:
        return kind.follow(connector, handle, transport=transport)
    finally:
        connector.close()
