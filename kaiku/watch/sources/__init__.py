"""Source types: one per kind of source, all with the same small interface.

A source type turns what a person typed (a URL, ``@user@instance``, a query) into the stored
``url`` + ``identifier`` (``normalise``), and reads new entries (``poll``). Polling runs in
worker threads: it gets a ``SourceSnapshot`` (plain data, no database) and a ``PollContext``
and returns a ``PollResult``; the caller writes the outcome.

Only feeds (``feed.py``, ``youtube.py``) live here. A platform's accounts, hashtags, searches
and lists are read by its own package (``kaiku/channels/<platform>/reading.py``), which the
channel registry lists (``kaiku.channels.registry.readers``): adding a platform to the watch
touches nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from django.utils.translation import gettext as _

from kaiku.channels import registry
from kaiku.channels.reading import AccountReads, SourceReader
from kaiku.channels.reading import NewSource as NewSource  # the watch's services use it
from kaiku.watch.errors import SourceRefused, watch_errors
from kaiku.watch.fetch import Fetcher, check_url

# Defined with the parsing, so that a parse worker process need not import this package.
from kaiku.watch.ingest.body import FeedBody as FeedBody
from kaiku.watch.ingest.body import PollResult as PollResult
from kaiku.watch.ingest.body import read_body as read_body

if TYPE_CHECKING:
    from kaiku.watch.models import Source


# Kinds whose reading depends on the address alone (no organisation's credentials, plan or
# settings): a poll fetches and parses each such address once for every source that follows
# it (kaiku.watch.ingest.pipeline). Platform readers use per-organisation settings, so their
# sources are read one by one.
SHARED_KINDS = frozenset({"feed", "youtube"})


@dataclass(frozen=True, slots=True)
class SourceSnapshot:
    id: int
    organisation_id: int
    kind: str
    url: str
    identifier: str
    etag: str = ""
    last_modified: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    title: str = ""

    @classmethod
    def of(cls, source: Source) -> SourceSnapshot:
        return cls(
            id=source.pk,
            organisation_id=source.organisation_id,
            kind=source.kind,
            url=source.url,
            identifier=source.identifier,
            etag=source.etag,
            last_modified=source.last_modified,
            state=dict(source.state or {}),
            title=source.title,
        )

    @property
    def fetch_key(self) -> tuple[str, str, str] | None:
        """What one fetch serves: the kind, the address as it is requested (scheme and host
        lowercased, default port and fragment dropped) and the identifier; ``None`` for a
        kind that is read per source."""
        if self.kind not in SHARED_KINDS:
            return None
        try:
            url = str(httpx.URL(self.url).copy_with(fragment=None))
        except (httpx.InvalidURL, TypeError, ValueError):
            url = self.url  # refused by the fetch, the same way for every spelling
        return (self.kind, url, self.identifier)


@dataclass(frozen=True, slots=True)
class PollContext:
    fetcher: Fetcher
    bluesky_appview_url: str = "https://public.api.bsky.app"
    x_plan: str = "none"
    # The organisation's connected accounts that readers read with (platform: account), as
    # ``kaiku.watch.ingest.pipeline.context_for`` finds them.
    accounts: Mapping[str, AccountReads] = field(default_factory=dict)

    def account(self, platform: str) -> AccountReads | None:
        return self.accounts.get(platform)


class SourceType(Protocol):
    kind: str
    platform: str
    label: str  # English source text, translated where it is shown
    prefixes: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]

    def normalise(self, value: str) -> NewSource:
        """Stored url and identifier for what a person typed. Raises SourceRefused."""
        ...

    def poll(self, source: SourceSnapshot, ctx: PollContext) -> PollResult:
        """New entries since the last poll, or a feed body that ``read_body`` reads into
        entries. Raises WatchError."""
        ...

    def feed_url(self, url: str, identifier: str) -> str:
        """An RSS/Atom address with the same content, for OPML export ("" when none)."""
        ...


class PlatformSource:
    """A platform package's reader as a source type: the same kinds, the watch's errors."""

    def __init__(self, reader: SourceReader) -> None:
        self.reader = reader
        self.kind = reader.kind
        self.platform = reader.platform
        self.label = reader.label
        self.prefixes = reader.prefixes
        self.patterns = reader.patterns

    def normalise(self, value: str) -> NewSource:
        with watch_errors():
            return self.reader.normalise(value, check_url)

    def poll(self, source: SourceSnapshot, ctx: PollContext) -> PollResult:
        with watch_errors():
            batch = self.reader.read(source, ctx)
        return PollResult(entries=batch.entries, state=batch.state)

    def feed_url(self, url: str, identifier: str) -> str:
        return self.reader.feed_url(url, identifier)


def _registry() -> dict[str, SourceType]:
    # Inside the function: the feed readers import this package (its interface), so the
    # package can only load them once it is itself loaded.
    from kaiku.watch.sources import feed, youtube

    types: list[SourceType] = [feed.FeedSource(), youtube.YouTubeSource()]
    types += [PlatformSource(reader) for reader in registry.readers().values()]
    return {t.kind: t for t in types}


_REGISTRY: dict[str, SourceType] = {}


def source_type(kind: str) -> SourceType:
    if not _REGISTRY:
        _REGISTRY.update(_registry())
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise SourceRefused("unsupported", kind=kind, permanent=True) from None


def all_kinds() -> list[str]:
    if not _REGISTRY:
        _REGISTRY.update(_registry())
    return list(_REGISTRY)


def guess_kind(value: str) -> str:
    """The source kind a typed value names; "feed" for any other web address. A longer prefix
    wins ("mastodon:#" is a hashtag, "mastodon:" an account)."""
    value = value.strip()
    types = [source_type(kind) for kind in all_kinds()]
    prefixes = sorted(((p, t.kind) for t in types for p in t.prefixes), key=lambda p: -len(p[0]))
    for prefix, kind in prefixes:
        if value.startswith(prefix):
            return kind
    for found in types:
        if any(pattern.match(value) for pattern in found.patterns):
            return found.kind
    return "feed"


def kind_choices() -> list[tuple[str, str]]:
    """Every kind of source with its name in the active language, for forms and commands."""
    return [(kind, _(source_type(kind).label)) for kind in all_kinds()]


def platform_names() -> dict[str, str]:
    """Every platform the watch reads, with its name: feeds and YouTube here, the others by
    their platform package's own name (the connector's label)."""
    names = {"feed": _("Feeds and websites"), "youtube": "YouTube"}
    out: dict[str, str] = {}
    for kind in all_kinds():
        platform = source_type(kind).platform
        out[platform] = names.get(platform) or str(registry.connector_class(platform).label)
    return out


def kind_label(kind: str) -> str:
    """The kind's name in the active language (the kind itself when no reader knows it)."""
    if not _REGISTRY:
        _REGISTRY.update(_registry())
    found = _REGISTRY.get(kind)
    return _(found.label) if found is not None else kind
