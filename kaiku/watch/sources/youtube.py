"""A YouTube channel through its public Atom feed (no API key, no quota).

https://www.youtube.com/feeds/videos.xml?channel_id=UC… lists the channel's latest videos
with media:group descriptions and view/like counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from django.utils.translation import gettext_noop

from kaiku.channels.base import AccountFollowing
from kaiku.watch.errors import SourceRefused
from kaiku.watch.sources import NewSource, PollContext, PollResult, SourceSnapshot
from kaiku.watch.sources.feed import fetch_feed_url

FEED = "https://www.youtube.com/feeds/videos.xml?channel_id={}"
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_CHANNEL_URL = re.compile(r"^https?://(?:www\.|m\.)?youtube\.com/channel/(UC[A-Za-z0-9_-]{22})")


def channel_id(value: str) -> str | None:
    value = value.strip().removeprefix("youtube:")
    if _CHANNEL_ID.match(value):
        return value
    match = _CHANNEL_URL.match(value)
    if match:
        return match.group(1)
    parts = urlsplit(value)
    if parts.path.endswith("/feeds/videos.xml"):
        found = parse_qs(parts.query).get("channel_id", [""])[0]
        if _CHANNEL_ID.match(found):
            return found
    return None


class YouTubeSource:
    kind = "youtube"
    label = gettext_noop("YouTube channel")
    # What add_source recognises as this kind when no kind is chosen.
    prefixes: tuple[str, ...] = ("youtube:",)
    patterns: tuple[re.Pattern[str], ...] = (
        re.compile(r"^https?://(?:www\.|m\.)?youtube\.com/channel/UC"),
        re.compile(r"^https?://(?:www\.)?youtube\.com/feeds/videos\.xml\?"),
    )
    platform = "youtube"

    def normalise(self, value: str) -> NewSource:
        found = channel_id(value)
        if found is None:
            raise SourceRefused("bad_url", url=value[:200], permanent=True)
        return NewSource(self.kind, FEED.format(found), identifier=found)

    def poll(self, source: SourceSnapshot, ctx: PollContext) -> PollResult:
        return fetch_feed_url(source, ctx, author_handle=source.identifier)

    def feed_url(self, url: str, identifier: str) -> str:
        return url


class YouTubeFollowing(AccountFollowing):
    """YouTube channels among the suggested accounts (``youtube:UC…``), followed by feed."""

    platform = "youtube"
    name = "YouTube"
    source_kind = "youtube"
    case_sensitive = True  # channel ids (UC…) are

    def display(self, handle: str) -> str:
        return handle

    def profile_url(self, handle: str) -> str:
        return f"https://www.youtube.com/channel/{quote(handle)}"

    def source_value(self, handle: str) -> str:
        return FEED.format(handle)

    def followed_keys(self, url: str, identifier: str, state: Mapping[str, Any]) -> list[str]:
        return [url.rsplit("channel_id=", 1)[-1] if "channel_id=" in url else identifier]


YOUTUBE = YouTubeFollowing()
