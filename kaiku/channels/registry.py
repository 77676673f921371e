"""The one list of platforms. A new platform adds one line here."""

from __future__ import annotations

from importlib import import_module

from kaiku.channels.base import Connector

CONNECTOR_PATHS = {
    "feed": "kaiku.channels.feed.connector:FeedConnector",
    "mastodon": "kaiku.channels.mastodon.connector:MastodonConnector",
    "bluesky": "kaiku.channels.bluesky.connector:BlueskyConnector",
    "facebook": "kaiku.channels.facebook.connector:FacebookConnector",
    "instagram": "kaiku.channels.instagram.connector:InstagramConnector",
    "threads": "kaiku.channels.threads.connector:ThreadsConnector",
    "x": "kaiku.channels.x.connector:XConnector",
    "linkedin": "kaiku.channels.linkedin.connector:LinkedInConnector",
}

_loaded: dict[str, type[Connector]] = {}


def connector_class(platform: str) -> type[Connector]:
    if platform not in _loaded:
        module_name, _, attr = CONNECTOR_PATHS[platform].partition(":")
        _loaded[platform] = getattr(import_module(module_name), attr)
    return _loaded[platform]


def platforms() -> list[str]:
    return list(CONNECTOR_PATHS)


def available_platforms() -> list[str]:
    """Platforms whose connector imports (one still being written is left out)."""
    found = []
    for platform in CONNECTOR_PATHS:
        try:
            connector_class(platform)
        except (ImportError, AttributeError):
            continue
        found.append(platform)
    return found
