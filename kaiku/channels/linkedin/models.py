"""LinkedIn's JSON as the dataclasses Kaiku uses, parsed at the edge, and the "little" text format.

Shapes: the Posts, Images, Organization Access Control, socialActions and OAuth pages of
https://learn.microsoft.com/en-us/linkedin/ (recorded in fixtures/, see fixtures/README.md).
Parsing is lenient about extra fields and strict about the ones Kaiku relies on: a malformed
answer becomes ChannelError("unexpected").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kaiku.channels.base import ChannelError, Failure
from kaiku.language.text import url_spans

# https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
# "All reserved characters need to be escaped with a backslash, even if those characters are not
# used in one of the supported elements or templates." Unescaped, LinkedIn accepts the post and
# silently cuts the commentary at the first one (n8n-io/n8n#10179, activepieces#3058).
RESERVED = frozenset("|{}@[]()<>#\\*_~")

# A hashtag as Kaiku sends it: "#" and letters or digits (Finnish letters included), not inside a
# word or a URL. Underscores stay outside: "_" is reserved, and whether it may stand inside the
# HashtagTemplate's value unescaped is not documented.
_HASHTAG_RE = re.compile(r"(?<![\w#&])#([^\W_]+)")
# A mention already written in LinkedIn's own form, "@[Name](urn:li:organization:123)", is passed
# through. Other "@name" text is plain text (LinkedIn has no handle syntax in the API).
_MENTION_RE = re.compile(
    r"@\[([^\[\]()\\{}|<>@#*_~]+)\]\((urn:li:(?:person|organization):[A-Za-z0-9_-]+)\)"
)
# Reading commentary back: the HashtagTemplate (with the sign escaped or not), a mention, an escape.
_LITTLE_HASHTAG_RE = re.compile(r"\{hashtag\|\\?([#\uff03])\|([^|{}]*)\}")
_LITTLE_MENTION_RE = re.compile(r"@\[((?:\\.|[^\]\\])*)\]\((urn:li:[a-zA-Z]+:[^)\s]+)\)")
# "Content is a duplicate of urn:li:share:7141138937766391808" (see error_422_duplicate.json).
DUPLICATE_RE = re.compile(r"duplicate of (urn:li:(?:share|ugcPost|activity|post):[0-9A-Za-z_-]+)")


def bad_response(what: str) -> ChannelError:
    return ChannelError(Failure.TRANSIENT, "unexpected", f"unexpected {what} from LinkedIn")


def escape_little(text: str) -> str:
    """``text`` with every reserved character backslash-escaped: shown as written."""
    return "".join(f"\\{c}" if c in RESERVED else c for c in text)


def to_little(text: str) -> str:
    """Kaiku's plain text as LinkedIn ``commentary``: everything escaped, except that ``#tag``
    becomes the documented HashtagTemplate ``{hashtag|#|tag}`` (so it stays a clickable
    hashtag) and a mention already in LinkedIn's ``@[Name](urn:li:…)`` form is kept."""
    keep: list[tuple[int, int, str]] = []
    urls = url_spans(text)

    def in_url(pos: int) -> bool:
        return any(start <= pos < end for start, end in urls)

    for m in _MENTION_RE.finditer(text):
        keep.append((m.start(), m.end(), m.group(0)))
    for m in _HASHTAG_RE.finditer(text):
        word = m.group(1)
        if in_url(m.start()) or not any(c.isalpha() for c in word):
            continue
        if any(s <= m.start() < e for s, e, _ in keep):
            continue
        keep.append((m.start(), m.end(), f"{{hashtag|#|{word}}}"))
    keep.sort()
    out: list[str] = []
    pos = 0
    for start, end, little in keep:
        out.append(escape_little(text[pos:start]))
        out.append(little)
        pos = end
    out.append(escape_little(text[pos:]))
    return "".join(out)


def little_to_plain(little: str) -> str:
    """The visible text of ``commentary`` as LinkedIn returns it (lenient: for comparing)."""
    out: list[str] = []
    i = 0
    while i < len(little):
        c = little[i]
        if c == "\\" and i + 1 < len(little):
            out.append(little[i + 1])
            i += 2
            continue
        if c == "{":
            m = _LITTLE_HASHTAG_RE.match(little, i)
            if m:
                out.append(m.group(1) + m.group(2))
                i = m.end()
                continue
        if c == "@":
            m = _LITTLE_MENTION_RE.match(little, i)
            if m:
                out.append(re.sub(r"\\(.)", r"\1", m.group(1)))
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def comparable(text: str) -> str:
    """Text as compared between what Kaiku sent and what LinkedIn holds."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def from_millis(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


# --- models -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiError:
    """https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling:
    ``{"message", "serviceErrorCode", "status"}``; newer answers also carry ``code``."""

    status: int
    service_error_code: int | None
    code: str
    message: str

    @property
    def text(self) -> str:
        label = self.code or (str(self.service_error_code) if self.service_error_code else "")
        return f"{label}: {self.message}" if label else self.message


@dataclass(frozen=True)
class Token:
    """The access token answer (programmatic refresh tokens only for approved partners)."""

    access_token: str = field(repr=False)
    expires_in: int
    scope: str
    refresh_token: str | None = field(default=None, repr=False)
    refresh_token_expires_in: int | None = None


@dataclass(frozen=True)
class UserInfo:
    """GET /v2/userinfo (Sign In with LinkedIn using OpenID Connect)."""

    sub: str
    name: str
    picture: str = ""

    @property
    def urn(self) -> str:
        return f"urn:li:person:{self.sub}"


@dataclass(frozen=True)
class OrganizationAcl:
    organization: str
    role_assignee: str
    role: str
    state: str


@dataclass(frozen=True)
class Organization:
    id: str
    localized_name: str
    vanity_name: str

    @property
    def urn(self) -> str:
        return f"urn:li:organization:{self.id}"


@dataclass(frozen=True)
class ImageUpload:
    upload_url: str
    image: str
    upload_url_expires_at: datetime | None


@dataclass(frozen=True)
class Post:
    """The parts of a post (GET /rest/posts) that reconciling needs."""

    id: str
    author: str
    commentary: str  # little text, as LinkedIn stores it
    lifecycle_state: str
    created_at: datetime | None
    media_count: int
    article_source: str | None

    @property
    def text(self) -> str:
        return little_to_plain(self.commentary)


# --- parsing ----------------------------------------------------------------------------------


def _obj(body: object, what: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise bad_response(what)
    return body


def _str(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise bad_response(f"{what} without {key}")
    return str(value)


def _int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def parse_error(body: object, status: int) -> ApiError:
    data = body if isinstance(body, Mapping) else {}
    message = data.get("message")
    code = data.get("code")
    if not isinstance(message, str) and isinstance(data.get("error"), str):
        # The OAuth endpoints answer as RFC 6749 section 5.2: {"error", "error_description"}.
        code = data["error"]
        message = data.get("error_description")
    return ApiError(
        status=_int(data.get("status")) or status,
        service_error_code=_int(data.get("serviceErrorCode")),
        code=str(code or ""),
        message=str(message) if isinstance(message, str) else "",
    )


def parse_token(body: object) -> Token:
    data = _obj(body, "token")
    expires_in = _int(data.get("expires_in"))
    refresh = data.get("refresh_token")
    return Token(
        access_token=_str(data, "access_token", "token"),
        expires_in=expires_in if expires_in is not None else 0,
        scope=str(data.get("scope") or ""),
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        refresh_token_expires_in=_int(data.get("refresh_token_expires_in")),
    )


def parse_userinfo(body: object) -> UserInfo:
    data = _obj(body, "userinfo")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        parts = [data.get("given_name"), data.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p)
    picture = data.get("picture")
    return UserInfo(
        sub=_str(data, "sub", "userinfo"),
        name=name,
        picture=picture if isinstance(picture, str) else "",
    )


def _elements(body: object, what: str) -> list[Mapping[str, Any]]:
    data = _obj(body, what)
    elements = data.get("elements")
    if not isinstance(elements, list):
        raise bad_response(f"{what} without elements")
    return [e for e in elements if isinstance(e, Mapping)]


def parse_acls(body: object) -> list[OrganizationAcl]:
    out = []
    for item in _elements(body, "organizationAcls"):
        # The versioned API names the page "organization"; older answers "organizationalTarget".
        org = item.get("organization") or item.get("organizationalTarget")
        if not isinstance(org, str):
            continue
        out.append(
            OrganizationAcl(
                organization=org,
                role_assignee=str(item.get("roleAssignee") or ""),
                role=str(item.get("role") or ""),
                state=str(item.get("state") or ""),
            )
        )
    return out


def parse_organization(body: object) -> Organization:
    data = _obj(body, "organization")
    name = data.get("localizedName")
    vanity = data.get("vanityName")
    return Organization(
        id=_str(data, "id", "organization"),
        localized_name=name if isinstance(name, str) else "",
        vanity_name=vanity if isinstance(vanity, str) else "",
    )


def parse_organizations(body: object) -> list[Organization]:
    return [parse_organization(item) for item in _elements(body, "organizations")]


def parse_image_upload(body: object) -> ImageUpload:
    value = _obj(_obj(body, "image upload").get("value"), "image upload value")
    return ImageUpload(
        upload_url=_str(value, "uploadUrl", "image upload"),
        image=_str(value, "image", "image upload"),
        upload_url_expires_at=from_millis(value.get("uploadUrlExpiresAt")),
    )


def parse_post(body: object) -> Post:
    data = _obj(body, "post")
    content = data.get("content") if isinstance(data.get("content"), Mapping) else {}
    assert isinstance(content, Mapping)
    media = 0
    if isinstance(content.get("media"), Mapping):
        media = 1
    multi = content.get("multiImage")
    if isinstance(multi, Mapping) and isinstance(multi.get("images"), list):
        media = len(multi["images"])
    article = content.get("article")
    source = article.get("source") if isinstance(article, Mapping) else None
    commentary = data.get("commentary")
    return Post(
        id=_str(data, "id", "post"),
        author=str(data.get("author") or ""),
        commentary=commentary if isinstance(commentary, str) else "",
        lifecycle_state=str(data.get("lifecycleState") or ""),
        created_at=from_millis(data.get("createdAt")),
        media_count=media,
        article_source=source if isinstance(source, str) else None,
    )


def parse_posts(body: object) -> list[Post]:
    return [parse_post(item) for item in _elements(body, "posts")]
