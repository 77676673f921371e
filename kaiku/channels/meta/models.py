"""Meta's JSON as the dataclasses Kaiku uses, parsed at the edge.

Lenient about extra fields, strict about the ones Kaiku relies on: a malformed answer becomes
``ChannelError(TRANSIENT, "unexpected")`` (or UNKNOWN_OUTCOME where the caller says so).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kaiku.channels.base import ChannelError, Failure


def bad_response(what: str) -> ChannelError:
    return ChannelError(Failure.TRANSIENT, "unexpected", f"unexpected {what} from Meta")


def as_dict(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_response(what)
    return value


def text_field(body: Mapping[str, Any], name: str, what: str) -> str:
    value = body.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise bad_response(f"{what} without {name}")
    return value


def optional_text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    return value if isinstance(value, str) else ""


def optional_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def parse_time(value: object) -> datetime | None:
    """Graph's ``2026-11-25T15:01:31+0000`` (and ISO 8601 with a colon or ``Z``)."""
    if not isinstance(value, str) or not value:
        return None
    raw = value.strip().replace("Z", "+00:00")
    raw = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", raw)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def comparable_text(text: str) -> str:
    """Text as compared when reconciling: Unicode NFC, whitespace runs collapsed, trimmed.
    The platforms may normalise line breaks and trailing spaces of what they store."""
    return " ".join(unicodedata.normalize("NFC", text).split())


# --- the error object --------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphError:
    """The ``error`` object: https://developers.facebook.com/docs/graph-api/guides/error-handling"""

    message: str
    type: str = ""
    code: int | None = None
    subcode: int | None = None
    fbtrace_id: str = ""
    user_message: str = ""
    is_transient: bool = False

    def describe(self) -> str:
        parts = [self.user_message or self.message]
        tags = [f"code {self.code}"] if self.code is not None else []
        if self.subcode is not None:
            tags.append(f"subcode {self.subcode}")
        if self.fbtrace_id:
            tags.append(f"fbtrace_id {self.fbtrace_id}")
        return f"{parts[0]} ({', '.join(tags)})" if tags else parts[0]


def parse_error(body: object) -> GraphError | None:
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    error = body["error"]
    return GraphError(
        message=optional_text(error, "message") or "error",
        type=optional_text(error, "type"),
        code=optional_int(error.get("code")),
        subcode=optional_int(error.get("error_subcode")),
        fbtrace_id=optional_text(error, "fbtrace_id"),
        user_message=optional_text(error, "error_user_msg"),
        is_transient=error.get("is_transient") is True,
    )


# --- usage headers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """The highest percentage in X-App-Usage / X-Page-Usage / X-Business-Use-Case-Usage, and the
    wait Meta estimates (``estimated_time_to_regain_access``, minutes, BUC header only).
    https://developers.facebook.com/docs/graph-api/overview/rate-limiting/"""

    percent: float = 0.0
    regain_seconds: float | None = None

    @property
    def exhausted(self) -> bool:
        return self.percent >= 100


def _percentages(entry: Mapping[str, Any]) -> list[float]:
    values = []
    for key in ("call_count", "total_cputime", "total_time"):
        value = entry.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            values.append(float(value))
    return values


def parse_usage(headers: Mapping[str, str]) -> Usage:
    percents: list[float] = []
    regain: float | None = None
    for name in ("x-app-usage", "x-page-usage", "x-ad-account-usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            body = json.loads(raw)
        except ValueError:
            continue
        if isinstance(body, dict):
            percents += _percentages(body)
    raw = headers.get("x-business-use-case-usage")
    if raw:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if isinstance(body, dict):
            for entries in body.values():
                for entry in entries if isinstance(entries, list) else []:
                    if not isinstance(entry, dict):
                        continue
                    percents += _percentages(entry)
                    minutes = entry.get("estimated_time_to_regain_access")
                    if isinstance(minutes, int | float) and minutes > 0:
                        regain = max(regain or 0.0, float(minutes) * 60)
    return Usage(max(percents, default=0.0), regain)


# --- tokens and accounts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """``{"access_token", "token_type", "expires_in"}`` of the token endpoints (Threads' code
    exchange also gives ``user_id``)."""

    access_token: str = field(repr=False)
    expires_in: int | None = None
    user_id: str = ""


def parse_token(body: object) -> Token:
    data = as_dict(body, "token answer")
    return Token(
        access_token=text_field(data, "access_token", "token answer"),
        expires_in=optional_int(data.get("expires_in")),
        user_id=str(data.get("user_id") or ""),
    )


@dataclass(frozen=True)
class Page:
    """One entry of ``GET /me/accounts`` (a Page the user can act on, with its Page token)."""

    id: str
    name: str
    access_token: str = field(repr=False)
    tasks: tuple[str, ...] = ()
    instagram_id: str = ""
    instagram_username: str = ""


def parse_pages(body: object) -> list[Page]:
    data = as_dict(body, "page list").get("data")
    if not isinstance(data, list):
        raise bad_response("page list")
    pages = []
    for item in data:
        entry = as_dict(item, "page")
        instagram = entry.get("instagram_business_account")
        ig = instagram if isinstance(instagram, dict) else {}
        tasks = entry.get("tasks")
        pages.append(
            Page(
                id=text_field(entry, "id", "page"),
                name=optional_text(entry, "name"),
                access_token=text_field(entry, "access_token", "page"),
                tasks=tuple(t for t in tasks if isinstance(t, str))
                if isinstance(tasks, list)
                else (),
                instagram_id=str(ig.get("id") or ""),
                instagram_username=optional_text(ig, "username"),
            )
        )
    return pages


@dataclass(frozen=True)
class TokenInfo:
    """``GET /debug_token``: ``expires_at`` 0 means the token does not expire."""

    is_valid: bool
    expires_at: datetime | None


def parse_token_info(body: object) -> TokenInfo:
    data = as_dict(as_dict(body, "token info").get("data"), "token info")
    expires = optional_int(data.get("expires_at")) or 0
    return TokenInfo(
        is_valid=data.get("is_valid") is True,
        expires_at=datetime.fromtimestamp(expires, UTC) if expires > 0 else None,
    )


# --- posts, containers, quotas -----------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    """``{"id": ...}`` (and ``post_id`` from a Page photo)."""

    id: str
    post_id: str = ""


def parse_created(body: object) -> Created:
    data = as_dict(body, "create answer")
    return Created(text_field(data, "id", "create answer"), optional_text(data, "post_id"))


@dataclass(frozen=True)
class RemotePost:
    """A post as a list edge gives it: Page posts (``message``, ``created_time``), Instagram
    media (``caption``, ``timestamp``) and Threads (``text``, ``timestamp``) alike."""

    id: str
    text: str
    created: datetime | None
    url: str = ""
    media_type: str = ""
    replied_to: str = ""
    children: int = 0


def parse_post(body: object) -> RemotePost:
    data = as_dict(body, "post")
    replied = data.get("replied_to")
    children = data.get("children")
    child_list = children.get("data") if isinstance(children, dict) else None
    return RemotePost(
        id=text_field(data, "id", "post"),
        text=optional_text(data, "message")
        or optional_text(data, "caption")
        or optional_text(data, "text"),
        created=parse_time(data.get("created_time") or data.get("timestamp")),
        url=optional_text(data, "permalink_url") or optional_text(data, "permalink"),
        media_type=optional_text(data, "media_type"),
        replied_to=str(replied.get("id") or "") if isinstance(replied, dict) else "",
        children=len(child_list) if isinstance(child_list, list) else 0,
    )


@dataclass(frozen=True)
class PostPage:
    posts: list[RemotePost]
    next_after: str = ""


def parse_post_page(body: object) -> PostPage:
    data = as_dict(body, "post list")
    items = data.get("data")
    if not isinstance(items, list):
        raise bad_response("post list")
    paging = data.get("paging")
    cursors = paging.get("cursors") if isinstance(paging, dict) else None
    after = ""
    if isinstance(paging, dict) and paging.get("next") and isinstance(cursors, dict):
        after = optional_text(cursors, "after")
    return PostPage([parse_post(item) for item in items], after)


@dataclass(frozen=True)
class ContainerStatus:
    """Instagram ``status_code`` / Threads ``status``: EXPIRED, ERROR, FINISHED, IN_PROGRESS,
    PUBLISHED; ``detail`` is Instagram's ``status`` or Threads' ``error_message``."""

    status: str
    detail: str = ""


def parse_container_status(body: object) -> ContainerStatus:
    data = as_dict(body, "container status")
    code = optional_text(data, "status_code")
    if code:
        return ContainerStatus(code, optional_text(data, "status"))
    status = optional_text(data, "status")
    if not status:
        raise bad_response("container status")
    return ContainerStatus(status, optional_text(data, "error_message"))


@dataclass(frozen=True)
class Quota:
    """``content_publishing_limit`` / ``threads_publishing_limit``: posts used and allowed in
    a moving window of ``duration`` seconds."""

    usage: int
    total: int | None
    duration: int | None

    @property
    def exhausted(self) -> bool:
        return self.total is not None and self.usage >= self.total


def parse_quota(body: object, *, replies: bool = False) -> Quota:
    data = as_dict(body, "publishing limit").get("data")
    if not isinstance(data, list) or not data:
        raise bad_response("publishing limit")
    entry = as_dict(data[0], "publishing limit")
    config = entry.get("reply_config" if replies else "config")
    cfg = config if isinstance(config, dict) else {}
    return Quota(
        usage=optional_int(entry.get("reply_quota_usage" if replies else "quota_usage")) or 0,
        total=optional_int(cfg.get("quota_total")),
        duration=optional_int(cfg.get("quota_duration")),
    )
