"""The one list of platforms. A new platform adds one line here."""

from __future__ import annotations

from importlib import import_module

from kaiku.channels.base import AccountFollowing, Connector, EntryStore
from kaiku.channels.reading import AccountReads, SourceReader

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
_entry_stores: dict[str, EntryStore] = {}


def provide_entry_store(platform: str, store: EntryStore) -> None:
    """The app that owns a platform's rows in Kaiku's database gives their store (at start)."""
    _entry_stores[platform] = store


def entry_store(platform: str) -> EntryStore | None:
    return _entry_stores.get(platform)


def connector_class(platform: str) -> type[Connector]:
    if platform not in _loaded:
        module_name, _, attr = CONNECTOR_PATHS[platform].partition(":")
        _loaded[platform] = getattr(import_module(module_name), attr)
    return _loaded[platform]


def readers() -> dict[str, SourceReader]:
    """Every platform's readers for the field watch, by source kind, in the registry's order."""
    return {r.kind: r for p in available_platforms() for r in connector_class(p).readers}


def reading_platforms() -> list[str]:
    """Platforms whose watch readers read with the organisation's connected account."""
    return [p for p in available_platforms() if issubclass(connector_class(p), AccountReads)]


def read_error_texts() -> dict[str, str]:
    """The platform packages' own ReadError codes and their English texts."""
    out: dict[str, str] = {}
    for platform in available_platforms():
        out.update(connector_class(platform).read_error_texts)
    return out


def followings() -> dict[str, AccountFollowing]:
    """Every platform's way of showing and following accounts, by platform."""
    out = {}
    for platform in available_platforms():
        found = connector_class(platform).following
        if found is not None:
            out[platform] = found
    return out


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
