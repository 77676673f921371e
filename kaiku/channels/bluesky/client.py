"""A small synchronous AT Protocol (Bluesky) client on httpx, for publishing.

Only the XRPC calls Kaiku needs, against any PDS: bsky.social in production, the local
`@atproto/dev-env` network in tests (same code path). Responses become dataclasses here; errors
become one exception type, `BlueskyError`, that says whether retrying can help.

Lexicons: https://github.com/bluesky-social/atproto/tree/main/lexicons
HTTP reference: https://docs.bsky.app/docs/category/http-reference
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal, NamedTuple, TypeVar

import httpx

from kaiku import http
from kaiku.channels import transport
from kaiku.channels.tid import is_tid as is_tid  # re-exported: the TID helpers' old home
from kaiku.channels.tid import make_tid
from kaiku.channels.tid import new_tid as new_tid
from kaiku.channels.tid import parse_tid as parse_tid

POST_COLLECTION = "app.bsky.feed.post"
MAX_IMAGES = 4

T = TypeVar("T")
Facet = dict[str, Any]

# Error names that mean the credentials, not the request, are the problem.
# https://github.com/bluesky-social/atproto/blob/main/packages/xrpc-server/src/errors.ts
AUTH_ERRORS = frozenset(
    {
        "AuthRequired",
        "AuthenticationRequired",
        "AuthMissing",
        "InvalidToken",
        "ExpiredToken",
        "AccountTakedown",
        "AccountDeactivated",
        "AuthFactorTokenRequired",
    }
)


class BlueskyError(Exception):
    """A failed call. ``permanent`` means retrying the same request cannot succeed."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str = "",
        *,
        retry_after: float | None = None,
        permanent: bool,
    ) -> None:
        super().__init__(f"{status} {error}: {message}" if message else f"{status} {error}")
        self.status = status
        self.error = error
        self.message = message
        self.retry_after = retry_after
        self.permanent = permanent
        self.unknown_outcome = False  # a write was sent but no answer came back

    @property
    def is_rate_limited(self) -> bool:
        return self.status == 429

    @property
    def is_auth(self) -> bool:
        """The account must be reconnected (or, for ExpiredToken, the session refreshed)."""
        return self.status == 401 or self.error in AUTH_ERRORS

    @property
    def is_expired_token(self) -> bool:
        return self.error == "ExpiredToken"


class RecordExistsError(BlueskyError):
    """A record with our chosen key is already there: an earlier attempt went through, or
    (if its content is not ours) another post holds the key. The caller compares."""

    def __init__(self, existing: StrongRef, value: Mapping[str, Any] | None = None) -> None:
        super().__init__(
            409, "RecordAlreadyExists", f"{existing.uri} already exists", permanent=True
        )
        self.existing = existing
        self.value: Mapping[str, Any] = value or {}


# --- models ------------------------------------------------------------------------------------


class StrongRef(NamedTuple):
    """``com.atproto.repo.strongRef``: a record's AT URI and the CID of the version meant."""

    uri: str
    cid: str

    @property
    def rkey(self) -> str:
        return parse_at_uri(self.uri)[2]

    def to_json(self) -> dict[str, str]:
        return {"uri": self.uri, "cid": self.cid}


@dataclass(frozen=True)
class Session:
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)
    did: str
    handle: str
    access_expires_at: datetime | None
    active: bool = True
    pds_endpoint: str | None = None  # from the DID document, when the server sends it

    def expires_within(self, margin: timedelta, *, now: datetime | None = None) -> bool:
        if self.access_expires_at is None:
            return False
        return self.access_expires_at - margin <= (now or datetime.now(UTC))


@dataclass(frozen=True)
class BlobRef:
    cid: str
    mime_type: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {
            "$type": "blob",
            "ref": {"$link": self.cid},
            "mimeType": self.mime_type,
            "size": self.size,
        }


@dataclass(frozen=True)
class PostImage:
    blob: BlobRef
    alt: str
    aspect_ratio: tuple[int, int] | None = None  # (width, height)


@dataclass(frozen=True)
class LinkCard:
    uri: str
    title: str
    description: str = ""
    thumb: BlobRef | None = None


@dataclass(frozen=True)
class ReplyTo:
    root: StrongRef
    parent: StrongRef


@dataclass(frozen=True)
class RecordView:
    uri: str
    cid: str | None
    value: dict[str, Any]

    @property
    def ref(self) -> StrongRef:
        return StrongRef(self.uri, self.cid or "")


@dataclass(frozen=True)
class RecordPage:
    records: list[RecordView]
    cursor: str | None


def parse_at_uri(uri: str) -> tuple[str, str, str]:
    """``at://repo/collection/rkey`` -> (repo, collection, rkey)."""
    match = re.fullmatch(r"at://([^/]+)/([^/]+)/([^/?#]+)", uri)
    if not match:
        raise ValueError(f"not a record AT URI: {uri!r}")
    return match[1], match[2], match[3]


# --- record keys (TIDs) ------------------------------------------------------------------------
# https://atproto.com/specs/tid; minted by kaiku.channels.tid (one monotonic clock per process).


def deterministic_tid(key: str, at: datetime) -> str:
    """A TID from ``at`` and 10 bits of a hash of ``key``.

    Not for a post's record key: deliveries that share ``at`` (a batch claim) clash about
    once in 40 of 100. The engine mints each part's key from ``kaiku.channels.tid`` instead.
    """
    if at.tzinfo is None:
        raise ValueError("need an aware datetime")
    micros = int(at.timestamp()) * 1_000_000 + at.microsecond
    clock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:2], "big") & 0x3FF
    return make_tid(micros, clock_id)


# --- rich text facets --------------------------------------------------------------------------
# https://docs.bsky.app/docs/advanced-guides/post-richtext
# Offsets are UTF-8 byte positions, end exclusive; Python indexes code points, so convert.

_URL_RE = re.compile(r"(?<![\w@/])https?://[^\s<>\"]+", re.IGNORECASE)
_MENTION_RE = re.compile(
    r"(?<![\w@.])@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)\b",
    re.IGNORECASE,
)
_TAG_RE = re.compile(r"(?:^|(?<=\s))[#\uff03]([^\s#\uff03]+)")
_ZERO_WIDTH = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2\ufe0f"
_TRAILING_URL_PUNCT = ".,;:!?'\""


@dataclass(frozen=True)
class FacetSpan:
    """A feature found in the text, with code point offsets (``start``, ``end``)."""

    kind: Literal["link", "mention", "tag"]
    start: int
    end: int
    value: str  # the URL, the handle (without @), or the tag (without #)


def _strip_url(url: str) -> str:
    while url and (url[-1] in _TRAILING_URL_PUNCT or _unbalanced_paren(url)):
        url = url[:-1]
    return url


def _unbalanced_paren(url: str) -> bool:
    # "(see https://x.fi/a)": the closing parenthesis belongs to the URL only if it opened one.
    return url.endswith(")") and url.count("(") < url.count(")")


def _clean_tag(raw: str) -> str | None:
    tag = raw
    while tag and (unicodedata.category(tag[-1]).startswith("P") or tag[-1] in _ZERO_WIDTH):
        tag = tag[:-1]
    if not tag or tag.isdigit() or any(c in _ZERO_WIDTH for c in tag) or len(tag) > 64:
        return None
    return tag


def find_facet_spans(text: str) -> list[FacetSpan]:
    """Links, @mentions and #hashtags in ``text``, in order, without any network access."""
    spans: list[FacetSpan] = []
    for m in _URL_RE.finditer(text):
        url = _strip_url(m[0])
        if "://" in url and len(url) > url.index("://") + 3:
            spans.append(FacetSpan("link", m.start(), m.start() + len(url), url))
    taken = [(s.start, s.end) for s in spans]

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for m in _MENTION_RE.finditer(text):
        if free(m.start(), m.end()):
            spans.append(FacetSpan("mention", m.start(), m.end(), m[1].lower()))
    for m in _TAG_RE.finditer(text):
        tag = _clean_tag(m[1])
        end = m.start() + 1 + len(tag or "")
        if tag and free(m.start(), end):
            spans.append(FacetSpan("tag", m.start(), end, tag))
    return sorted(spans, key=lambda s: s.start)


def build_facets(text: str, resolve_handle: Callable[[str], str | None]) -> list[Facet]:
    """``app.bsky.richtext.facet`` objects for ``text``; mentions that don't resolve are left
    as plain text."""
    facets: list[Facet] = []
    for span in find_facet_spans(text):
        feature: dict[str, str]
        if span.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": span.value}
        elif span.kind == "tag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.value}
        else:
            did = resolve_handle(span.value)
            if did is None:
                continue
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        byte_start = len(text[: span.start].encode())
        byte_end = byte_start + len(text[span.start : span.end].encode())
        facets.append(
            {"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]}
        )
    return facets


# --- errors and parsing at the edge ------------------------------------------------------------


def _retry_after(headers: httpx.Headers, now: float) -> float | None:
    # https://docs.bsky.app/docs/advanced-guides/rate-limits: ratelimit-reset is epoch seconds.
    reset = headers.get("ratelimit-reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - now)
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def error_from_response(response: httpx.Response) -> BlueskyError:
    status = response.status_code
    error, message = f"HTTP{status}", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = str(body.get("error") or error)
        message = str(body.get("message") or "")
    if status == 429:
        return BlueskyError(
            status,
            error,
            message,
            retry_after=_retry_after(response.headers, time.time()),
            permanent=False,
        )
    # An expired access token is cured by a refresh; other auth errors need the user.
    transient = status >= 500 or status in (408, 425) or error == "ExpiredToken"
    retry_after = _retry_after(response.headers, time.time()) if transient else None
    return BlueskyError(status, error, message, retry_after=retry_after, permanent=not transient)


def _jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` claim, read without verifying: only to refresh before it runs out."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error):
        return None


def _pds_from_did_doc(doc: object) -> str | None:
    if not isinstance(doc, dict):
        return None
    for service in doc.get("service") or []:
        if isinstance(service, dict) and service.get("id") in ("#atproto_pds", "atproto_pds"):
            endpoint = service.get("serviceEndpoint")
            return endpoint if isinstance(endpoint, str) else None
    return None


def _session_from(body: Mapping[str, Any]) -> Session:
    try:
        return Session(
            access_jwt=str(body["accessJwt"]),
            refresh_jwt=str(body["refreshJwt"]),
            did=str(body["did"]),
            handle=str(body["handle"]),
            access_expires_at=_jwt_expiry(str(body["accessJwt"])),
            active=bool(body.get("active", True)),
            pds_endpoint=_pds_from_did_doc(body.get("didDoc")),
        )
    except KeyError as exc:
        raise BlueskyError(502, "BadResponse", f"session without {exc}", permanent=False) from exc


def _record_from(body: Mapping[str, Any]) -> RecordView:
    value = body.get("value")
    return RecordView(
        uri=str(body["uri"]),
        cid=str(body["cid"]) if body.get("cid") else None,
        value=value if isinstance(value, dict) else {},
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- the client --------------------------------------------------------------------------------


class BlueskyClient(transport.OwnsHTTP[httpx.Client]):
    """One PDS (or entryway, like https://bsky.social). Calls that act as an account take its
    `Session`; keep sessions in a `SessionKeeper` so they are refreshed, not re-created."""

    def __init__(
        self,
        pds_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
    ) -> None:
        self.pds_url = pds_url.rstrip("/")
        # kaiku.http: Kaiku's network policy (no private addresses unless allowed, one UA).
        self._http = http.client(base_url=self.pds_url, transport=transport, timeout=timeout)

    def _xrpc(
        self,
        nsid: str,
        *,
        method: Literal["GET", "POST"] | None = None,
        token: str | None = None,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if content_type:
            headers["Content-Type"] = content_type
        # XRPC: queries are GET, procedures POST; a procedure may take no input at all.
        method = method or ("POST" if body is not None or content is not None else "GET")
        try:
            response = self._http.request(
                method,
                f"/xrpc/{nsid}",
                params=params,
                json=body,
                content=content,
                headers=headers,
            )
        except httpx.TransportError as exc:
            if transport.nothing_sent(exc):
                raise BlueskyError(0, "NetworkError", str(exc) or nsid, permanent=False) from exc
            # Any other failure counts as sent without an answer (stricter than
            # transport.network_error: a write may have been applied). Callers reconcile (by
            # record key) before trying again.
            error = BlueskyError(0, "NoResponse", str(exc) or nsid, permanent=False)
            error.unknown_outcome = method == "POST"
            raise error from exc
        if not response.is_success:
            raise error_from_response(response)
        if not response.content:
            return {}
        try:
            data = response.json()
        except ValueError as exc:
            raise BlueskyError(
                response.status_code, "BadResponse", "not JSON", permanent=False
            ) from exc
        return data if isinstance(data, dict) else {}

    # https://docs.bsky.app/docs/api/com-atproto-server-create-session
    def create_session(self, identifier: str, app_password: str) -> Session:
        body = self._xrpc(
            "com.atproto.server.createSession",
            body={"identifier": identifier, "password": app_password},
        )
        return _session_from(body)

    # https://docs.bsky.app/docs/api/com-atproto-server-refresh-session
    def refresh_session(self, session: Session) -> Session:
        """A new session; the old refresh token stops working, so store the result at once."""
        try:
            body = self._xrpc(
                "com.atproto.server.refreshSession", method="POST", token=session.refresh_jwt
            )
        except BlueskyError as exc:
            if exc.is_auth:  # even ExpiredToken: a dead refresh token needs the user
                raise BlueskyError(exc.status, exc.error, exc.message, permanent=True) from exc
            raise
        return _session_from(body)

    # https://docs.bsky.app/docs/api/com-atproto-identity-resolve-handle
    def resolve_handle(self, handle: str) -> str | None:
        try:
            body = self._xrpc("com.atproto.identity.resolveHandle", params={"handle": handle})
        except BlueskyError as exc:
            if exc.status == 400:  # HandleNotFound, or an invalid handle
                return None
            raise
        did = body.get("did")
        return did if isinstance(did, str) else None

    def build_facets(self, text: str) -> list[Facet]:
        cache: dict[str, str | None] = {}

        def resolve(handle: str) -> str | None:
            if handle not in cache:
                cache[handle] = self.resolve_handle(handle)
            return cache[handle]

        return build_facets(text, resolve)

    # https://docs.bsky.app/docs/api/com-atproto-repo-upload-blob
    def upload_blob(self, session: Session, data: bytes, mime: str) -> BlobRef:
        body = self._xrpc(
            "com.atproto.repo.uploadBlob",
            token=session.access_jwt,
            content=data,
            content_type=mime,
        )
        blob = body.get("blob") or {}
        try:
            return BlobRef(
                cid=str(blob["ref"]["$link"]),
                mime_type=str(blob["mimeType"]),
                size=int(blob["size"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BlueskyError(502, "BadResponse", "blob ref missing", permanent=False) from exc

    def post_record(
        self,
        text: str,
        *,
        facets: list[Facet] | None = None,
        images: Sequence[PostImage] = (),
        link_card: LinkCard | None = None,
        reply_to: ReplyTo | None = None,
        created_at: datetime | None = None,
        langs: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The ``app.bsky.feed.post`` record, without sending it.

        Lexicon: https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json
        """
        if images and link_card:
            raise BlueskyError(
                0, "InvalidRequest", "images or a link card, not both", permanent=True
            )
        if len(images) > MAX_IMAGES:
            raise BlueskyError(0, "InvalidRequest", f"at most {MAX_IMAGES} images", permanent=True)
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": _iso(created_at or datetime.now(UTC)),
        }
        if facets:
            record["facets"] = facets
        if langs:
            record["langs"] = list(langs)
        if reply_to:
            record["reply"] = {
                "root": reply_to.root.to_json(),
                "parent": reply_to.parent.to_json(),
            }
        if images:
            items: list[dict[str, Any]] = []
            for image in images:
                item: dict[str, Any] = {"image": image.blob.to_json(), "alt": image.alt}
                if image.aspect_ratio:
                    width, height = image.aspect_ratio
                    item["aspectRatio"] = {"width": width, "height": height}
                items.append(item)
            record["embed"] = {"$type": "app.bsky.embed.images", "images": items}
        elif link_card:
            external: dict[str, Any] = {
                "uri": link_card.uri,
                "title": link_card.title,
                "description": link_card.description,
            }
            if link_card.thumb:
                external["thumb"] = link_card.thumb.to_json()
            record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        return record

    # https://docs.bsky.app/docs/advanced-guides/posts
    def create_post(
        self,
        session: Session,
        text: str,
        *,
        images: Sequence[PostImage] = (),
        link_card: LinkCard | None = None,
        reply_to: ReplyTo | None = None,
        rkey: str | None = None,
        created_at: datetime | None = None,
        langs: Sequence[str] = (),
        facets: list[Facet] | None = None,
    ) -> StrongRef:
        """Publish a post. Facets are detected from ``text`` unless given.

        With our own ``rkey`` a repeat is caught: the PDS answers a duplicate key with a bare
        500, so on failure we look the key up and raise `RecordExistsError` if it is there.
        """
        record = self.post_record(
            text,
            facets=self.build_facets(text) if facets is None else facets,
            images=images,
            link_card=link_card,
            reply_to=reply_to,
            created_at=created_at,
            langs=langs,
        )
        try:
            return self.create_record(session, POST_COLLECTION, record, rkey=rkey)
        except BlueskyError as exc:
            # No answer (status 0) is for the caller to reconcile; auth and rate limits
            # say nothing about the record.
            if rkey is None or exc.status == 0 or exc.is_rate_limited or exc.is_auth:
                raise
            existing = self.get_record(session.did, POST_COLLECTION, rkey)
            if existing is None:
                raise
            raise RecordExistsError(existing.ref, existing.value) from exc

    # https://docs.bsky.app/docs/api/com-atproto-repo-create-record
    def create_record(
        self,
        session: Session,
        collection: str,
        record: Mapping[str, Any],
        *,
        rkey: str | None = None,
    ) -> StrongRef:
        payload: dict[str, Any] = {"repo": session.did, "collection": collection, "record": record}
        if rkey is not None:
            payload["rkey"] = rkey
        body = self._xrpc("com.atproto.repo.createRecord", token=session.access_jwt, body=payload)
        if not body.get("uri") or not body.get("cid"):
            # Applied or not, we cannot tell: the caller reconciles as after a lost answer.
            raise BlueskyError(502, "BadResponse", "createRecord without uri/cid", permanent=False)
        return StrongRef(str(body["uri"]), str(body["cid"]))

    # https://docs.bsky.app/docs/api/com-atproto-repo-get-record
    def get_record(self, repo: str, collection: str, rkey: str) -> RecordView | None:
        """The record, or None when there is none under that key (public, no login needed)."""
        try:
            body = self._xrpc(
                "com.atproto.repo.getRecord",
                params={"repo": repo, "collection": collection, "rkey": rkey},
            )
        except BlueskyError as exc:
            if exc.error == "RecordNotFound":
                return None
            raise
        return _record_from(body)

    # https://docs.bsky.app/docs/api/com-atproto-repo-list-records
    def list_records(
        self,
        repo: str,
        collection: str,
        *,
        limit: int = 50,
        cursor: str | None = None,
        reverse: bool = False,
    ) -> RecordPage:
        params: dict[str, str | int] = {"repo": repo, "collection": collection, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        if reverse:
            params["reverse"] = "true"
        body = self._xrpc("com.atproto.repo.listRecords", params=params)
        records = [_record_from(r) for r in body.get("records") or [] if isinstance(r, dict)]
        next_cursor = body.get("cursor")
        return RecordPage(records, next_cursor if isinstance(next_cursor, str) else None)

    # https://docs.bsky.app/docs/api/com-atproto-repo-delete-record
    def delete_record(self, session: Session, collection: str, rkey: str) -> None:
        """Deleting a record that is already gone succeeds too."""
        self._xrpc(
            "com.atproto.repo.deleteRecord",
            token=session.access_jwt,
            body={"repo": session.did, "collection": collection, "rkey": rkey},
        )


class SessionKeeper:
    """Holds one account's session and refreshes it, never logging in again per post.

    Refreshes ahead of the access token's expiry, and once more if the server still answers
    ExpiredToken. ``on_refresh`` must persist the new session: refresh tokens rotate.
    """

    def __init__(
        self,
        client: BlueskyClient,
        session: Session,
        *,
        on_refresh: Callable[[Session], None] | None = None,
        margin: timedelta = timedelta(seconds=60),
    ) -> None:
        self.client = client
        self.session = session
        self._on_refresh = on_refresh
        self._margin = margin

    def refresh(self) -> Session:
        self.session = self.client.refresh_session(self.session)
        if self._on_refresh:
            self._on_refresh(self.session)
        return self.session

    def call(self, operation: Callable[[Session], T]) -> T:
        if self.session.expires_within(self._margin):
            self.refresh()
        try:
            return operation(self.session)
        except BlueskyError as exc:
            if not exc.is_expired_token:
                raise
        self.refresh()
        return operation(self.session)
