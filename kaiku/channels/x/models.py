"""X API v2 JSON as the dataclasses Kaiku uses, parsed at the edge.

Objects: https://docs.x.com/x-api/fundamentals/data-dictionary (Post, User, Media).
Errors: https://docs.x.com/x-api/fundamentals/response-codes-and-errors (Problem JSON with
``type``, ``title``, ``detail``; some answers carry ``{"errors": [...]}`` instead, e.g. the
documented 429 body ``{"errors": [{"code": 88, "message": "Rate limit exceeded"}]}``).
OAuth token answers: https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token

Parsing is lenient about extra and missing optional fields and strict about the ones Kaiku relies
on: a malformed answer becomes ChannelError("unexpected").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kaiku.channels.base import ChannelError, Failure


def bad_response(what: str) -> ChannelError:
    return ChannelError(Failure.TRANSIENT, "unexpected", f"unexpected {what} from X")


def parse_time(value: str) -> datetime | None:
    """X's ``created_at`` (``2026-11-20T09:00:01.000Z``)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- models -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    """``x-rate-limit-*`` of the last response; ``reset`` is UTC epoch seconds.
    https://docs.x.com/x-api/fundamentals/rate-limits#http-headers-and-response-codes"""

    limit: int | None
    remaining: int | None
    reset: int | None


@dataclass(frozen=True)
class Token:
    """POST /2/oauth2/token. ``refresh_token`` only with the ``offline.access`` scope."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: int | None
    scope: str
    token_type: str


@dataclass(frozen=True)
class XUser:
    id: str
    username: str
    name: str


@dataclass(frozen=True)
class UrlEntity:
    """``entities.urls[]``: a t.co link in the text and what it stands for. Media links carry
    a ``media_key`` (their ``display_url`` is ``pic.x.com/…``)."""

    url: str
    expanded_url: str
    display_url: str
    media_key: str | None = None

    @property
    def is_media(self) -> bool:
        return bool(self.media_key) or self.display_url.startswith(
            ("pic.x.com/", "pic.twitter.com/")
        )


@dataclass(frozen=True)
class Tweet:
    """The parts of a Post object Kaiku uses (fields asked for with ``tweet.fields``)."""

    id: str
    text: str  # as X shows it: links as t.co, & < > as HTML entities
    author_id: str | None = None
    created_at: datetime | None = None
    replied_to: str | None = None  # referenced_tweets[type=replied_to].id
    quoted: str | None = None  # referenced_tweets[type=quoted].id
    media_keys: tuple[str, ...] = ()
    urls: tuple[UrlEntity, ...] = ()
    mentions: tuple[str, ...] = ()  # usernames, lower case
    public_metrics: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TweetLookup:
    """GET /2/tweets/:id with ``includes.tweets`` (from ``expansions=referenced_tweets.id``)."""

    tweet: Tweet
    included: tuple[Tweet, ...] = ()


@dataclass(frozen=True)
class TimelinePage:
    tweets: tuple[Tweet, ...]
    next_token: str | None


@dataclass(frozen=True)
class Media:
    """A media upload answer (simple, initialize, finalize or status)."""

    id: str
    media_key: str | None = None
    state: str | None = None  # processing_info.state: pending, in_progress, succeeded, failed
    check_after_secs: int | None = None


# --- errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What an error answer says, whatever of the documented shapes it came in."""

    type: str
    text: str


def parse_problem(body: object) -> Problem | None:
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("error"), str):  # the OAuth endpoints (RFC 6749 section 5.2)
        description = body.get("error_description")
        text = f"{body['error']}: {description}" if isinstance(description, str) else body["error"]
        return Problem("oauth", text)
    parts: list[str] = []
    for key in ("detail", "title"):
        value = body.get(key)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
            break
    errors = body.get("errors")
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict):
                message = item.get("message") or item.get("detail")
                if isinstance(message, str) and message and message not in parts:
                    parts.append(message)
    kind = body.get("type")
    if not isinstance(kind, str) and isinstance(errors, list) and errors:
        first = errors[0]
        kind = first.get("type") if isinstance(first, dict) else None
    if not parts:
        return None
    return Problem(kind if isinstance(kind, str) else "about:blank", " ".join(parts))


# --- parsing JSON into models -----------------------------------------------------------------


def _obj(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_response(what)
    return value


def _data(body: object, what: str) -> dict[str, Any]:
    return _obj(_obj(body, what).get("data"), what)


def _str(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise bad_response(f"{what} (no {key})")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_token(body: object) -> Token:
    data = _obj(body, "token")
    return Token(
        access_token=_str(data, "access_token", "token"),
        refresh_token=_opt_str(data, "refresh_token"),
        expires_in=_opt_int(data, "expires_in"),
        scope=_opt_str(data, "scope") or "",
        token_type=_opt_str(data, "token_type") or "bearer",
    )


def parse_user(body: object) -> XUser:
    data = _data(body, "user")
    username = _str(data, "username", "user")
    return XUser(
        id=_str(data, "id", "user"), username=username, name=_opt_str(data, "name") or username
    )


def _tweet(data: Mapping[str, Any]) -> Tweet:
    replied_to = quoted = None
    refs = data.get("referenced_tweets")
    for ref in refs if isinstance(refs, list) else ():
        if isinstance(ref, dict) and ref.get("type") == "replied_to":
            replied_to = _opt_str(ref, "id")
        elif isinstance(ref, dict) and ref.get("type") == "quoted":
            quoted = _opt_str(ref, "id")
    attachments = data.get("attachments")
    keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
    entities = data.get("entities")
    entities = entities if isinstance(entities, dict) else {}
    raw_urls = entities.get("urls")
    urls = tuple(
        UrlEntity(
            url=str(u["url"]),
            expanded_url=str(u.get("expanded_url") or u["url"]),
            display_url=str(u.get("display_url") or ""),
            media_key=_opt_str(u, "media_key"),
        )
        for u in (raw_urls if isinstance(raw_urls, list) else ())
        if isinstance(u, dict) and isinstance(u.get("url"), str)
    )
    raw_mentions = entities.get("mentions")
    mentions = tuple(
        str(m["username"]).lower()
        for m in (raw_mentions if isinstance(raw_mentions, list) else ())
        if isinstance(m, dict) and isinstance(m.get("username"), str)
    )
    metrics = data.get("public_metrics")
    created = _opt_str(data, "created_at")
    return Tweet(
        id=_str(data, "id", "post"),
        text=_opt_str(data, "text") or "",
        author_id=_opt_str(data, "author_id"),
        created_at=parse_time(created) if created else None,
        replied_to=replied_to,
        quoted=quoted,
        media_keys=tuple(str(k) for k in keys) if isinstance(keys, list) else (),
        urls=urls,
        mentions=mentions,
        public_metrics={
            str(k): v
            for k, v in (metrics.items() if isinstance(metrics, dict) else ())
            if isinstance(v, int) and not isinstance(v, bool)
        },
    )


def parse_tweet(body: object) -> Tweet:
    return _tweet(_data(body, "post"))


def parse_lookup(body: object) -> TweetLookup:
    tweet = parse_tweet(body)
    includes = _obj(body, "post").get("includes")
    raw = includes.get("tweets") if isinstance(includes, dict) else None
    included = tuple(
        _tweet(t) for t in (raw if isinstance(raw, list) else ()) if isinstance(t, dict)
    )
    return TweetLookup(tweet=tweet, included=included)


def parse_timeline(body: object) -> TimelinePage:
    data = _obj(body, "timeline")
    items = data.get("data", [])  # absent when the timeline has nothing in the window
    if not isinstance(items, list):
        raise bad_response("timeline")
    meta = data.get("meta")
    return TimelinePage(
        tweets=tuple(_tweet(_obj(item, "post")) for item in items),
        next_token=_opt_str(meta, "next_token") if isinstance(meta, dict) else None,
    )


def parse_media(body: object) -> Media:
    data = _data(body, "media")
    info = data.get("processing_info")
    info = info if isinstance(info, dict) else {}
    media_id = _opt_str(data, "id") or _opt_str(data, "media_id")
    if not media_id:
        raise bad_response("media (no id)")
    return Media(
        id=media_id,
        media_key=_opt_str(data, "media_key"),
        state=_opt_str(info, "state"),
        check_after_secs=_opt_int(info, "check_after_secs"),
    )


def parse_deleted(body: object) -> bool:
    return _data(body, "delete answer").get("deleted") is True
