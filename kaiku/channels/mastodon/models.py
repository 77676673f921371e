"""Mastodon's JSON entities as the dataclasses Kaiku uses, parsed at the edge.

Entities: https://docs.joinmastodon.org/entities/ (Status, Account, MediaAttachment,
Application, Token, Instance). Parsing is lenient about extra and missing optional fields and
strict about the ones Kaiku relies on: a malformed answer becomes ChannelError("unexpected").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from kaiku.channels.base import ChannelError, Failure

# Documented defaults of a stock instance, used when the instance does not say.
# https://docs.joinmastodon.org/entities/Instance/#statuses
DEFAULT_MAX_CHARACTERS = 500
DEFAULT_CHARACTERS_PER_URL = 23
DEFAULT_MAX_MEDIA = 4
DEFAULT_IMAGE_SIZE_LIMIT = 10_485_760
DEFAULT_DESCRIPTION_LIMIT = 1500
DEFAULT_IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def parse_iso(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def bad_response(what: str) -> ChannelError:
    return ChannelError(Failure.TRANSIENT, "unexpected", f"unexpected {what} from Mastodon")


# --- models -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    """The X-RateLimit-* headers of the last response (the bucket closest to running out)."""

    limit: int | None
    remaining: int | None
    reset: datetime | None


@dataclass(frozen=True)
class AppCredentials:
    """CredentialApplication: https://docs.joinmastodon.org/entities/Application/"""

    id: str
    name: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class Token:
    """https://docs.joinmastodon.org/entities/Token/"""

    access_token: str = field(repr=False)
    scope: str
    created_at: int


@dataclass(frozen=True)
class MastodonAccount:
    """The parts of https://docs.joinmastodon.org/entities/Account/ Kaiku uses."""

    id: str
    username: str
    acct: str  # "user" for local accounts, "user@domain" for remote ones
    display_name: str
    url: str
    statuses_count: int = 0
    followers_count: int = 0


@dataclass(frozen=True)
class MediaAttachment:
    """https://docs.joinmastodon.org/entities/MediaAttachment/ (``url`` is None while the
    full-size file is still processing)."""

    id: str
    type: str
    url: str | None
    preview_url: str | None
    description: str | None


@dataclass(frozen=True)
class Status:
    """The parts of https://docs.joinmastodon.org/entities/Status/ Kaiku uses."""

    id: str
    created_at: datetime
    content: str  # HTML, as the instance rendered it
    url: str
    uri: str
    visibility: str
    account_id: str
    in_reply_to_id: str | None
    language: str | None
    spoiler_text: str
    media: tuple[MediaAttachment, ...]
    tags: tuple[str, ...]
    replies_count: int
    reblogs_count: int
    favourites_count: int
    quotes_count: int | None
    is_reblog: bool

    @property
    def text(self) -> str:
        """The content as plain text (links, mentions and hashtags as their visible text)."""
        return html_to_text(self.content)


@dataclass(frozen=True)
class InstanceLimits:
    """What the instance accepts, read from GET /api/v2/instance (or v1, or the defaults)."""

    domain: str
    version: str
    max_characters: int = DEFAULT_MAX_CHARACTERS
    characters_reserved_per_url: int = DEFAULT_CHARACTERS_PER_URL
    max_media_attachments: int = DEFAULT_MAX_MEDIA
    image_size_limit: int = DEFAULT_IMAGE_SIZE_LIMIT
    description_limit: int = DEFAULT_DESCRIPTION_LIMIT
    image_types: tuple[str, ...] = DEFAULT_IMAGE_TYPES

    def to_settings(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "version": self.version,
            "max_characters": self.max_characters,
            "characters_reserved_per_url": self.characters_reserved_per_url,
            "max_media_attachments": self.max_media_attachments,
            "image_size_limit": self.image_size_limit,
            "description_limit": self.description_limit,
            "image_types": list(self.image_types),
        }

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> InstanceLimits:
        def positive(key: str, default: int) -> int:
            value = settings.get(key)
            return value if isinstance(value, int) and value > 0 else default

        types = settings.get("image_types")
        return cls(
            domain=str(settings.get("domain") or ""),
            version=str(settings.get("version") or ""),
            max_characters=positive("max_characters", DEFAULT_MAX_CHARACTERS),
            characters_reserved_per_url=positive(
                "characters_reserved_per_url", DEFAULT_CHARACTERS_PER_URL
            ),
            max_media_attachments=positive("max_media_attachments", DEFAULT_MAX_MEDIA),
            image_size_limit=positive("image_size_limit", DEFAULT_IMAGE_SIZE_LIMIT),
            description_limit=positive("description_limit", DEFAULT_DESCRIPTION_LIMIT),
            image_types=tuple(str(t) for t in types)
            if isinstance(types, list) and types
            else DEFAULT_IMAGE_TYPES,
        )


# --- plain text from Mastodon's HTML ----------------------------------------------------------


class _TextExtractor(HTMLParser):
    """Mastodon renders statuses as <p> paragraphs with <br /> line breaks; links keep their
    full URL across <span class="invisible"> / "ellipsis" spans, so joining all text nodes
    gives back what was typed (mentions show as @user, without the domain)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._paragraphs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.chunks.append("\n")
        elif tag == "p":
            if self._paragraphs:
                self.chunks.append("\n\n")
            self._paragraphs += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def html_to_text(content: str) -> str:
    parser = _TextExtractor()
    parser.feed(content)
    parser.close()
    return "".join(parser.chunks).strip()


_REMOTE_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]+)@[A-Za-z0-9.-]+(?::\d+)?")


def comparable_text(text: str) -> str:
    """Text reduced to what survives Mastodon's rendering, for matching a status to its source:
    Unicode NFC, @user@domain shown as @user, and all runs of whitespace as one space."""
    text = unicodedata.normalize("NFC", text)
    text = _REMOTE_MENTION.sub(r"@\1", text)
    return " ".join(text.split())


# --- parsing JSON into models -----------------------------------------------------------------


def _obj(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_response(what)
    return value


def _str(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # some Mastodon-compatible servers send numeric ids
    if not isinstance(value, str):
        raise bad_response(f"{what} (no {key})")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _int(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def parse_app(data: object) -> AppCredentials:
    body = _obj(data, "application")
    uris = body.get("redirect_uris")
    if not isinstance(uris, list):  # before 4.3 only "redirect_uri", newline-separated
        uris = str(body.get("redirect_uri") or "").split()
    scopes = body.get("scopes")
    return AppCredentials(
        id=_opt_str(body, "id") or "",
        name=_opt_str(body, "name") or "",
        client_id=_str(body, "client_id", "application"),
        client_secret=_str(body, "client_secret", "application"),
        redirect_uris=tuple(str(u) for u in uris),
        scopes=tuple(str(s) for s in scopes) if isinstance(scopes, list) else (),
    )


def parse_token(data: object) -> Token:
    body = _obj(data, "token")
    return Token(
        access_token=_str(body, "access_token", "token"),
        scope=_opt_str(body, "scope") or "",
        created_at=_int(body, "created_at"),
    )


def parse_account(data: object) -> MastodonAccount:
    body = _obj(data, "account")
    username = _str(body, "username", "account")
    return MastodonAccount(
        id=_str(body, "id", "account"),
        username=username,
        acct=_opt_str(body, "acct") or username,
        display_name=_opt_str(body, "display_name") or "",
        url=_opt_str(body, "url") or "",
        statuses_count=_int(body, "statuses_count"),
        followers_count=_int(body, "followers_count"),
    )


def parse_media(data: object) -> MediaAttachment:
    body = _obj(data, "media attachment")
    return MediaAttachment(
        id=_str(body, "id", "media attachment"),
        type=_opt_str(body, "type") or "unknown",
        url=_opt_str(body, "url"),
        preview_url=_opt_str(body, "preview_url"),
        description=_opt_str(body, "description"),
    )


def parse_status(data: object) -> Status:
    body = _obj(data, "status")
    created = parse_iso(_str(body, "created_at", "status"))
    if created is None:
        raise bad_response("status (created_at)")
    media = body.get("media_attachments")
    tags = body.get("tags")
    account = _obj(body.get("account"), "status account")
    quotes = body.get("quotes_count")
    return Status(
        id=_str(body, "id", "status"),
        created_at=created,
        content=_opt_str(body, "content") or "",
        url=_opt_str(body, "url") or _opt_str(body, "uri") or "",
        uri=_opt_str(body, "uri") or "",
        visibility=_opt_str(body, "visibility") or "public",
        account_id=_str(account, "id", "status account"),
        in_reply_to_id=_opt_str(body, "in_reply_to_id"),
        language=_opt_str(body, "language"),
        spoiler_text=_opt_str(body, "spoiler_text") or "",
        media=tuple(parse_media(m) for m in media) if isinstance(media, list) else (),
        tags=tuple(
            str(t["name"]) for t in tags if isinstance(t, dict) and isinstance(t.get("name"), str)
        )
        if isinstance(tags, list)
        else (),
        replies_count=_int(body, "replies_count"),
        reblogs_count=_int(body, "reblogs_count"),
        favourites_count=_int(body, "favourites_count"),
        quotes_count=quotes if isinstance(quotes, int) else None,
        is_reblog=body.get("reblog") is not None,
    )


def _positive(data: Mapping[str, Any], key: str, default: int) -> int:
    value = data.get(key)
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
    )


def parse_instance(data: object, fallback_domain: str) -> InstanceLimits:
    """Instance v2 (https://docs.joinmastodon.org/entities/Instance/) or the v1 shape
    (``uri`` for the domain; ``max_toot_chars`` on some forks); missing values take the
    documented defaults."""
    body = _obj(data, "instance")
    config = body.get("configuration")
    config = config if isinstance(config, dict) else {}
    statuses = config.get("statuses")
    statuses = statuses if isinstance(statuses, dict) else {}
    media = config.get("media_attachments")
    media = media if isinstance(media, dict) else {}
    max_chars = _positive(statuses, "max_characters", _positive(body, "max_toot_chars", 0))
    types = media.get("supported_mime_types")
    image_types = (
        tuple(str(t) for t in types if isinstance(t, str) and t.startswith("image/"))
        if isinstance(types, list)
        else ()
    )
    return InstanceLimits(
        domain=_opt_str(body, "domain") or _opt_str(body, "uri") or fallback_domain,
        version=_opt_str(body, "version") or "",
        max_characters=max_chars or DEFAULT_MAX_CHARACTERS,
        characters_reserved_per_url=_positive(
            statuses, "characters_reserved_per_url", DEFAULT_CHARACTERS_PER_URL
        ),
        max_media_attachments=_positive(statuses, "max_media_attachments", DEFAULT_MAX_MEDIA),
        image_size_limit=_positive(media, "image_size_limit", DEFAULT_IMAGE_SIZE_LIMIT),
        description_limit=_positive(media, "description_limit", DEFAULT_DESCRIPTION_LIMIT),
        image_types=image_types or DEFAULT_IMAGE_TYPES,
    )
