"""The one small interface every platform implements.

A connector knows one platform's HTTP API and nothing of Django's models: the publishing engine
(kaiku.publishing.engine) hands it plain data and gets plain data or a ``ChannelError`` back. Adding
a platform is a new package under kaiku/channels/ and one line in kaiku/channels/registry.py.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

import httpx

from kaiku.channels.reading import SourceReader


class Failure(enum.StrEnum):
    """What kind of failure a ``ChannelError`` is; the engine decides what to do from this."""

    AUTH = "auth"  # credentials expired or revoked: refresh once, then ask for reconnection
    RATE_LIMITED = "rate_limited"  # try again after ``retry_after``; not the post's fault
    TRANSIENT = "transient"  # 5xx, connection refused before sending: retry with backoff
    PERMANENT = (
        "permanent"  # the platform refuses this post (too long, bad image): a person must act
    )
    UNKNOWN_OUTCOME = "unknown_outcome"  # sent, but no answer: reconcile before any retry


class ChannelError(Exception):
    """A failure talking to a platform, with what the engine needs to decide the next step.

    ``message`` is for a person (the engine shows it translated through its ``code``);
    ``detail`` is the platform's own words, kept for support.
    """

    def __init__(
        self,
        failure: Failure,
        code: str,
        detail: str = "",
        *,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(f"{failure}: {code}: {detail}")
        self.failure = failure
        self.code = code
        self.detail = detail[:500]
        self.retry_after = retry_after
        self.status = status

    @property
    def permanent(self) -> bool:
        return self.failure is Failure.PERMANENT


def found_elsewhere(detail: str, remote_id: str = "") -> ChannelError:
    """The platform refuses this post as a duplicate of ``remote_id``, which is not this
    delivery's post (another delivery's, or older than this delivery's first attempt): a person
    must change the text or remove the other post. Never recorded as this delivery's."""
    where = f" (the platform's post {remote_id})" if remote_id else ""
    return ChannelError(Failure.PERMANENT, "duplicate_elsewhere", f"{detail}{where}")


@dataclass(frozen=True)
class Limits:
    """What one account on a platform accepts; the compose page and the checks read these."""

    max_chars: int
    counter: str  # the kaiku.language channel name that counts like the platform does
    max_images: int = 4
    image_max_bytes: int = 5_000_000
    image_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/gif", "image/webp")
    alt_text_max: int = 1500
    threads: bool = False  # splits long text into a numbered thread
    max_thread_parts: int = 1
    client_link_card: bool = False  # the client must build the link preview itself
    characters_reserved_per_url: int | None = None


@dataclass(frozen=True)
class OutgoingImage:
    path: Path
    mime: str
    alt_text: str
    width: int | None = None
    height: int | None = None
    name: str = ""  # the file's name in Kaiku's media storage
    # A signed address of the file on this Kaiku, valid for a few hours, for platforms that
    # fetch images themselves (Instagram, Threads). Empty when Kaiku has no public address.
    public_url: str = ""


@dataclass(frozen=True)
class LinkCard:
    url: str
    title: str
    description: str = ""
    image: OutgoingImage | None = None


@dataclass(frozen=True)
class OutgoingPost:
    """One delivery as the platform will see it. ``key`` is stable across retries."""

    key: str  # the delivery's idempotency key (a UUID hex)
    parts: tuple[str, ...]  # one text per post; several make a thread
    images: tuple[OutgoingImage, ...] = ()  # attached to the first part
    link: str | None = None
    link_card: LinkCard | None = None
    reply_to: str | None = None  # remote id of a post to reply to
    created_at: datetime | None = None  # when the first attempt began
    # One key per part, unique by construction (kaiku.channels.tid), minted when the delivery
    # is first claimed and stored before any request: the same on every retry and reconcile.
    # Bluesky's record keys; other platforms may send them as idempotency keys.
    part_keys: tuple[str, ...] = ()
    language: str = ""  # the post's language (BCP 47, e.g. "fi"), empty when unknown


@dataclass(frozen=True)
class PublishedPart:
    index: int
    remote_id: str
    url: str = ""


@dataclass(frozen=True)
class AccountSetup:
    """What a finished connect flow gives back, to be stored on the channel account."""

    handle: str
    display_name: str
    base_url: str
    credentials: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class ConnectField:
    name: str
    label: str  # English source text; the view translates it
    kind: str = "text"  # text, url, password
    help: str = ""
    required: bool = True
    initial: str = ""


@dataclass(frozen=True)
class Redirect:
    """A connect flow that continues at the platform (OAuth): go there, come back to callback."""

    url: str
    state: dict[str, Any]


@dataclass(frozen=True)
class EntryData:
    """One part as the own feed stores it (``EntryStore.add_many``)."""

    key: str
    text: str
    link: str = ""
    image: str = ""
    image_alt: str = ""


class EntryStore(Protocol):
    """Where a platform that lives in Kaiku's own database (the own feed) keeps its posts. The
    app that owns those rows provides it through the registry, so the platform package imports
    no domain app and hands it plain data."""

    def add(
        self, organisation: str, key: str, text: str, link: str, image: str, image_alt: str
    ) -> int:
        """Store the part under ``key`` (once: an existing key's entry is returned)."""
        ...

    def add_many(self, organisation: str, entries: list[EntryData]) -> list[int]:
        """Store several parts in one transaction (each once), their ids in order."""
        ...

    def find(self, key: str) -> int | None: ...

    def hide(self, entry_id: int) -> bool:
        """Take the entry off the public pages; False when there is no such entry."""
        ...


@dataclass
class Account:
    """The connector's view of a connected account. Credentials are already decrypted."""

    handle: str
    base_url: str
    credentials: dict[str, Any]
    settings: dict[str, Any]
    # Called with new credentials whenever the connector refreshes or rotates them, so that a
    # rotated refresh token is saved at once and never lost.
    save_credentials: Callable[[dict[str, Any]], None] = lambda _creds: None
    # Called with new settings when the connector re-reads what the platform accepts (a
    # Mastodon instance's limits), so that the compose page counts by today's rules.
    save_settings: Callable[[dict[str, Any]], None] = lambda _settings: None
    # The key of the delivery whose ledger entry holds ``remote_id`` on this account, or None.
    # A platform post that a reconcile finds, or that a "duplicate" answer names, may be
    # another delivery's with the same text (two posts of one organisation saying the same
    # thing, a weekly repeat): the ledger is the only witness that tells them apart, since
    # X, LinkedIn and the Meta APIs carry no key of ours on the post.
    recorded_for: Callable[[str], str | None] = lambda _remote_id: None
    # Where a part is made in two steps (Instagram's and Threads' media container, published
    # by a second request), the first step's handle is kept per delivery key and part index
    # before the second step is sent, and read back after a lost answer: then the part is
    # looked up by that handle (the container's status) instead of guessed by its text.
    save_pending: Callable[[str, int, str], None] = lambda _key, _index, _handle: None
    pending: Callable[[str, int], str] = lambda _key, _index: ""
    # The own rows of a platform that lives in Kaiku's database (the own feed), or None.
    entries: EntryStore | None = None


class FollowRefused(Exception):
    """Following on the platform was not possible; the message is for people (translated)."""


class AccountFollowing:
    """One platform's accounts as the watch's suggested accounts see them: how an account is
    shown, opened, followed as a watch source, and followed on the platform itself.

    Accounts are ``platform:handle`` strings (what the readers put in ``Entry.mentions``); the
    methods get the handle part. Each platform's ``following.py`` subclasses this class and
    its connector names it (``Connector.following``)."""

    platform: str = ""
    name: str = ""  # the platform's own name, not translated
    source_kind: str = ""  # the watch's source kind that follows one account
    followable: bool = False  # True when Kaiku can follow through a connected account
    case_sensitive: bool = False  # handles that differ only in case are different accounts

    def display(self, handle: str) -> str:
        return handle if handle.startswith("did:") else f"@{handle}"

    def profile_url(self, handle: str) -> str:
        return ""

    def source_value(self, handle: str) -> str:
        """What ``add_source`` gets to follow the account as a watch source."""
        return handle

    def followed_keys(self, url: str, identifier: str, state: Mapping[str, Any]) -> list[str]:
        """The handles a stored source of ``source_kind`` follows (to leave them out of the
        suggestions): its identifier, and the DID a reader stored in its state."""
        keys = [identifier.lower().lstrip("@")]
        did = state.get("did")
        if isinstance(did, str) and did:
            keys.append(did)
        return keys

    def follow(
        self, connector: Connector, handle: str, *, transport: httpx.BaseTransport | None = None
    ) -> str:
        """Follow ``handle`` with the connected account. Returns the platform's id of the
        follow. Raises FollowRefused."""
        raise FollowRefused(handle)


class Connector:
    """Base class of every platform connector. Subclasses set the class attributes."""

    platform: ClassVar[str]
    label: ClassVar[str]  # the platform's own name, not translated
    needs_credentials: ClassVar[bool] = True
    connect_fields: ClassVar[tuple[ConnectField, ...]] = ()
    default_limits: ClassVar[Limits]
    # A setup guide for admins (Finnish), shown in the connect flow: "x.md" is the guide.md of
    # the package kaiku/channels/x/ (the Meta platforms share kaiku/channels/meta/guide.md).
    setup_guide: ClassVar[str] = ""
    # Renew credentials this long before they expire (long-lived tokens that can be renewed).
    renew_before_days: ClassVar[int] = 7
    # True when ``publish_part`` only talks to the platform (no database, no credentials
    # saved), so the engine may run several deliveries' requests at once in threads.
    parallel_publish: ClassVar[bool] = False
    # True when ``publish_firsts`` stores many one-part posts at once (the own feed, in
    # Kaiku's own database): the engine then hands it a whole wave of the account's posts.
    batch_publish: ClassVar[bool] = False
    # True when the platform lets the account reply to a post that ``reply_target`` resolves.
    # False (the own feed, Facebook Pages, Instagram, LinkedIn): a post with ``reply_to`` is
    # refused, never published as a post of its own by mistake.
    replies: ClassVar[bool] = False
    # What the field watch can follow on this platform (accounts, hashtags, searches, lists):
    # one reader per kind of source, in the platform package's reading.py.
    readers: ClassVar[tuple[SourceReader, ...]] = ()
    # How the watch's suggested accounts of this platform are shown and followed, or None.
    following: ClassVar[AccountFollowing | None] = None
    # The words for the codes of ReadError that only this platform's readers raise (English
    # msgids, gettext_noop; the watch translates them where it shows them).
    read_error_texts: ClassVar[Mapping[str, str]] = {}

    def __init__(self, account: Account) -> None:
        self.account = account

    def close(self) -> None:
        """Let go of kept-alive connections, if the connector keeps any (the engine calls this
        when it is done with a connector)."""

    # --- connecting -------------------------------------------------------------------
    @classmethod
    def start_connect(cls, data: Mapping[str, str], callback_url: str) -> AccountSetup | Redirect:
        """Begin connecting from the form's data: finish at once, or redirect to the platform."""
        raise NotImplementedError

    @classmethod
    def finish_connect(
        cls, state: Mapping[str, Any], query: Mapping[str, str], callback_url: str
    ) -> AccountSetup:
        """Finish an OAuth connect flow when the platform redirects back."""
        raise NotImplementedError

    # --- what is sent ----------------------------------------------------------------
    # The compose preview, the length check and the thread splitter all measure what these
    # return, and ``publish_part`` sends exactly this, so the three cannot disagree.
    def part_text(self, post: OutgoingPost, index: int) -> str:
        """The exact text of part ``index`` as ``publish_part`` sends it (with the link, when
        the platform gets the link in the text)."""
        return post.parts[index]

    def outgoing_texts(self, post: OutgoingPost) -> tuple[str, ...]:
        return tuple(self.part_text(post, i) for i in range(len(post.parts)))

    def refusals(self, post: OutgoingPost) -> list[ChannelError]:
        """What the platform would refuse in ``post`` by its published rules, found before
        sending (too many links, hashtags or mentions). ``publish_part`` raises the first."""
        return []

    def refuse_if_needed(self, post: OutgoingPost) -> None:
        problems = self.refusals(post)
        if problems:
            raise problems[0]

    # --- replies ------------------------------------------------------------------------
    @classmethod
    def reply_refusal(cls, url: str) -> ChannelError | None:
        """Why a reply to the post at ``url`` cannot go out on this platform, judged from the
        address alone (no network), or None. The compose form shows it; ``reply_target``
        raises it at publish time."""
        if not cls.replies:
            return ChannelError(
                Failure.PERMANENT,
                "reply_not_supported",
                f"{cls.label} cannot publish a reply to another post through its API",
            )
        return None

    def reply_target(self, post: OutgoingPost) -> str | None:
        """The platform's own id of the post that the first part replies to (None when the
        post is not a reply). Raises ChannelError(PERMANENT) when it cannot be resolved: a
        reply is published where it is meant to go, or not at all."""
        if not post.reply_to:
            return None
        if self.replies and not post.reply_to.startswith(("https://", "http://")):
            return post.reply_to  # already the platform's own id, not a post's address
        refusal = self.reply_refusal(post.reply_to)
        if refusal is not None:
            raise refusal
        return self.resolve_reply(post.reply_to)

    def resolve_reply(self, url: str) -> str:
        raise ChannelError(Failure.PERMANENT, "reply_not_supported", url)

    # --- using an account --------------------------------------------------------------
    def limits(self) -> Limits:
        return self.default_limits

    def refresh_limits(self) -> bool:
        """Read again what the platform accepts and save it; True when anything changed."""
        return False

    def verify(self) -> None:
        """Check that the credentials still work; raise ChannelError(AUTH) when they do not."""

    def refresh_credentials(self) -> bool:
        """Renew the credentials if the platform allows; True when they were renewed."""
        return False

    def recorded_elsewhere(self, post: OutgoingPost, remote_id: str) -> bool:
        """True when Kaiku's ledger gives ``remote_id`` to another delivery than ``post``'s:
        then it is that delivery's post, never this one's, whatever its text."""
        owner = self.account.recorded_for(remote_id)
        return owner is not None and owner != post.key

    def publish_part(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart]
    ) -> PublishedPart:
        """Publish part ``index`` of the post (a reply to ``earlier[-1]`` in a thread).

        The engine records each part in its ledger before asking for the next, so a thread
        interrupted halfway goes on from where it stopped. Raises ChannelError on failure.
        """
        raise NotImplementedError

    def publish_firsts(self, posts: list[OutgoingPost]) -> list[PublishedPart | ChannelError]:
        """Publish the first (only) part of each of several one-part posts of this account
        at once (only where ``batch_publish``); for each, in order, its part or the error
        ``publish_part`` would have raised. Any other exception: what went out is unknown."""
        raise NotImplementedError

    def reconcile(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart] | None = None
    ) -> PublishedPart | None:
        """After an unknown outcome: was part ``index`` published? Never publishes anything.

        ``earlier`` are the parts before it that the ledger holds (for matching a reply)."""
        raise NotImplementedError

    def delete(self, remote_id: str) -> None:
        raise NotImplementedError
