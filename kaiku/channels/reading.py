"""What a platform package gives the field watch: readers of its accounts, searches and lists.

A platform's ``reading.py`` turns what a person typed into a stored source (``normalise``) and
reads a stored source's new posts (``read``) into ``Entry`` objects, parsing the platform's JSON
at this edge. It knows nothing of the watch's models: it gets the stored source as plain data
and a ``ReadContext`` whose ``fetcher`` is the watch's hardened HTTP client (address policy,
deadline, size cap), and raises ``ReadError`` for the watch to store and show. The connector
lists its readers (``Connector.readers``), and ``kaiku.channels.registry.readers`` collects them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlencode

T = TypeVar("T")


@dataclass(slots=True)
class Entry:
    """One item as a source gives it, before sanitising and analysis.

    ``html`` is raw, untrusted markup (never shown before sanitising); ``text`` is plain text
    for platforms that give text rather than HTML. ``mentions`` are ``platform:handle``.
    """

    guid: str
    url: str = ""
    title: str = ""
    html: str = ""
    text: str = ""
    author_name: str = ""
    author_handle: str = ""
    published: datetime | None = None
    engagement: dict[str, int] = field(default_factory=dict)
    mentions: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    language: str = ""
    global_guid: bool = False  # the guid is unique beyond this source (a URI, at://, tag:)


class ReadError(Exception):
    """A source could not be read or added. ``code`` picks the watch's message (one of
    ``kaiku.watch.errors``), ``params`` fill it. The watch's own ``WatchError`` is one."""

    def __init__(
        self,
        code: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        **params: Any,
    ) -> None:
        self.code = code
        self.params = {k: v for k, v in params.items() if v is not None}
        self.retry_after = retry_after
        self.permanent = permanent
        super().__init__(f"{code}: {self.params}" if self.params else code)


class ReadRefused(ReadError):
    """The source cannot be added at all (a plan that does not allow it, a bad address)."""


@dataclass(frozen=True, slots=True)
class NewSource:
    kind: str
    url: str
    identifier: str = ""
    title: str = ""


@dataclass(slots=True)
class ReadBatch:
    """What one read gives back: the new entries and the source's next ``state``."""

    entries: list[Entry] = field(default_factory=list)
    state: dict[str, Any] | None = None


class JsonFetcher(Protocol):
    """The part of the watch's fetcher (``kaiku.watch.fetch.Fetcher``) that readers use."""

    def get_json(
        self,
        url: str,
        *,
        params: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any: ...


class StoredSource(Protocol):
    """A stored source as a reader sees it (the watch's ``SourceSnapshot``)."""

    @property
    def url(self) -> str: ...
    @property
    def identifier(self) -> str: ...
    @property
    def state(self) -> dict[str, Any]: ...


@runtime_checkable
class AccountReads(Protocol):
    """An organisation's connected account on a platform that reads with it (X): ``op`` gets
    the platform's client holding the account's token, renewed as publishing renews it, so
    the platform's credentials live in one place (the channel account)."""

    def read_as_account(self, op: Callable[[Any], T]) -> T: ...


class ReadContext(Protocol):
    """The organisation's reading settings (the watch's ``PollContext``)."""

    @property
    def fetcher(self) -> JsonFetcher: ...
    @property
    def bluesky_appview_url(self) -> str: ...
    @property
    def x_plan(self) -> str: ...

    def account(self, platform: str) -> AccountReads | None:
        """The organisation's connected account on ``platform``, if it has one that reads."""
        ...


class SourceReader(Protocol):
    """One kind of source on a platform (an account, a hashtag, a search, a list)."""

    kind: str
    platform: str
    label: str  # English source text, translated where it is shown ("Mastodon account")
    # What a person types for this kind, recognised when no kind is chosen: a prefix
    # ("mastodon:") or an address (the profile page).
    prefixes: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]

    def normalise(self, value: str, check_url: UrlCheck) -> NewSource:
        """Stored url and identifier for what a person typed. Raises ReadRefused."""
        ...

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        """The source's new entries since the last read. Raises ReadError."""
        ...

    def feed_url(self, url: str, identifier: str) -> str:
        """An RSS/Atom address with the same content, for OPML export ("" when none)."""
        ...


class UrlCheck(Protocol):
    """The watch's address policy (``kaiku.watch.fetch.check_url``): raises a ReadError for an
    address the watch may not reach."""

    def __call__(self, url: str) -> object: ...


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when the platform sent a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def as_count(value: Any) -> int:
    """A non-negative count, 0 for anything else."""
    return value if isinstance(value, int) and value >= 0 else 0


def entries_from(items: Iterable[Any], build: Callable[[Any], Entry | None]) -> list[Entry]:
    """The entries ``build`` makes of a platform's items, leaving out what it could not read."""
    return [entry for entry in map(build, items) if entry is not None]


# --- what every platform's reader shares --------------------------------------------------------


def refused(value: str) -> ReadRefused:
    """What a person typed is not a source of this kind."""
    return ReadRefused("bad_url", url=value[:200], permanent=True)


def matched(value: str, *patterns: re.Pattern[str]) -> re.Match[str]:
    """The first of ``patterns`` that matches what a person typed; refused when none does."""
    for pattern in patterns:
        found = pattern.match(value)
        if found is not None:
            return found
    raise refused(value)


def text_html(text: str) -> str:
    """A platform's plain post text as markup: escaped (text is never markup), line breaks
    kept."""
    return html.escape(text).replace("\n", "<br>")


def engagement(likes: Any, reposts: Any, replies: Any, quotes: Any = 0) -> dict[str, int]:
    """The counts the digest ranks by, from a platform's numbers (quotes count as reposts);
    anything that is not a count is 0."""
    return {
        "likes": as_count(likes),
        "reposts": as_count(reposts) + as_count(quotes),
        "replies": as_count(replies),
    }


def with_since(params: dict[str, str | int], state: dict[str, Any]) -> dict[str, str | int]:
    """``params`` asking only for what is newer than the stored ``since_id`` cursor."""
    since = as_str(state.get("since_id"))
    return {**params, "since_id": since} if since else params


class SearchKind:
    """A platform's search as a source kind: what a person types after one of ``prefixes`` is
    the query, stored as the identifier and shown as the platform's search page (``page``).
    A subclass sets the kind, label, platform, prefixes, page and longest query, and reads."""

    kind: str
    label: str
    platform: str
    prefixes: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()
    page: str
    max_query: int

    def normalise(self, value: str, check_url: UrlCheck) -> NewSource:
        query = value.strip()
        for prefix in self.prefixes:
            query = query.removeprefix(prefix)
        query = query.strip()
        if not query or len(query) > self.max_query:
            raise refused(value)
        return NewSource(self.kind, f"{self.page}?{urlencode({'q': query})}", identifier=query)

    def feed_url(self, url: str, identifier: str) -> str:
        return ""  # no platform offers a search as a feed
