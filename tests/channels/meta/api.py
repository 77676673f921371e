"""The Graph API (Facebook Pages, Instagram) and the Threads API behind the local Meta server:
in-memory state and one function per endpoint. No HTTP here (tests/channels/meta/server.py).

Shapes come from kaiku/channels/meta/fixtures/*.json (see its README for the sources). Paths:
``/{version}/...`` is graph.facebook.com, ``/{version}/dialog/oauth`` is www.facebook.com's
login dialog, ``/v1.0/...``, ``/oauth/access_token``, ``/access_token`` and
``/refresh_access_token`` are graph.threads.net, and ``/oauth/authorize`` is threads.com.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from twitter_text import extract_emojis_with_indices, extract_urls

FIXTURES = Path(__file__).resolve().parents[3] / "kaiku" / "channels" / "meta" / "fixtures"
# The Graph API versions this server answers, as Meta keeps each version for about two years
# after the next one (https://developers.facebook.com/docs/graph-api/changelog). Its own list,
# not Kaiku's setting: a version Kaiku would send that Meta no longer serves is refused.
GRAPH_VERSION = "v26.0"  # what the login dialog and the tests' graph_url use
GRAPH_VERSIONS = frozenset({"v24.0", "v25.0", "v26.0", "v27.0"})
_VERSION = re.compile(r"^/(v\d+\.\d+)(/|$)")
THREADS_VERSION = "v1.0"
PAGE_ID = "104857600000001"
PAGE_NAME = "Toivon Polku ry"
USER_ID = "10220000000000001"
IG_USER_ID = "17841400000000001"
IG_USERNAME = "toivonpolku"
THREADS_USER_ID = "12345678901234567"
THREADS_USERNAME = "toivonpolku"
LONG_LIVED_SECONDS = 5_183_944  # the docs' example expires_in (about 60 days)


def threads_length(text: str) -> int:
    """A Threads text's length as the posts guide counts it: "Text posts are limited to 500
    characters. Emojis are counted as the number of UTF-8 bytes"
    (https://developers.facebook.com/documentation/threads/posts, Limitations). Emoji are
    found by twitter-text, not by Kaiku's code."""
    emoji = extract_emojis_with_indices(text)
    plain = len(text) - sum(e["indices"][1] - e["indices"][0] for e in emoji)
    return plain + sum(len(e["emoji"].encode("utf-8")) for e in emoji)


def threads_links(text: str, attachment: str = "") -> int:
    """Links as the text-attachments page counts them: every unique URL of the text, and a
    link attachment only when it differs from all of them; more than 5 fail at container
    creation with THREADS_API__LINK_LIMIT_EXCEEDED (since December 22, 2025)."""
    urls = {u.rstrip("/") for u in extract_urls(text)}
    if attachment and attachment.rstrip("/") not in urls:
        urls.add(attachment.rstrip("/"))
    return len(urls)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def graph_time(moment: float) -> str:
    """Graph's ``created_time`` format: ``2026-11-25T15:01:31+0000``."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class ApiError(Exception):
    def __init__(self, status: int, fixture_name: str, **override: Any) -> None:
        super().__init__(fixture_name)
        self.status = status
        self.body: dict[str, Any] = fixture(fixture_name)
        self.body["error"].update(override)


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        for source in (self.form, self.query):
            if source.get(name):
                return source[name][0]
        return default

    @property
    def token(self) -> str:
        """The access token: the ``access_token`` parameter, or an ``Authorization`` header
        with the ``Bearer`` or ``OAuth`` scheme (both accepted by the Graph API)."""
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value.strip():
            return value.strip()
        return self.arg("access_token")


@dataclass
class ApiResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Token:
    kind: str  # "user", "page", "threads"
    subject: str
    expires_at: float | None
    issued_at: float


class MetaApi:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.lock = threading.RLock()
        self._ids = itertools.count(17_900_000_000_000_000)
        self.app_id = "123456789012345"
        self.app_secret = "app-secret-" + secrets.token_hex(4)
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, dict[str, str]] = {}
        # Facebook Page state
        self.posts: list[dict[str, Any]] = []  # Page posts, oldest first
        self.photos: dict[str, dict[str, Any]] = {}
        # Instagram state
        self.containers: dict[str, dict[str, Any]] = {}
        self.ig_media: list[dict[str, Any]] = []
        self.ig_quota_total = 50
        # Threads state
        self.threads: list[dict[str, Any]] = []
        self.threads_quota_total = 250
        # knobs
        self.container_polls = 0  # GETs a container answers IN_PROGRESS before FINISHED
        self.container_error = ""  # make new containers end in ERROR with this detail
        self.deny_authorization = False
        self.page_token_expires = 0  # debug_token's expires_at for Page tokens (0 = never)
        self.usage_percent = 0  # reported in X-App-Usage / X-Business-Use-Case-Usage
        self.regain_minutes = 0
        self.with_instagram = True
        self.refuse_duplicates = False  # answer 506 to the same message twice in a row
        # Seconds before a new post shows in the list edges: they are read from replicas, and a
        # post just published may be missing from them for a while.
        self.listing_lag = 0.0

    # --- tokens -----------------------------------------------------------------------

    def issue(self, kind: str, subject: str, lifetime: float | None = None) -> str:
        prefix = {"user": "EAAGuser", "page": "EAAGpage", "threads": "THQVJ"}[kind]
        token = f"{prefix}{secrets.token_hex(12)}"
        now = time.time()
        with self.lock:
            self.tokens[token] = Token(kind, subject, now + lifetime if lifetime else None, now)
        return token

    def issue_page_token(self) -> str:
        return self.issue("page", PAGE_ID)

    def issue_user_token(self) -> str:
        """A long-lived Facebook user token, the kind the IG reference pages name."""
        return self.issue("user", USER_ID, LONG_LIVED_SECONDS)

    def issue_threads_token(self, lifetime: float = LONG_LIVED_SECONDS) -> str:
        return self.issue("threads", THREADS_USER_ID, lifetime)

    def expire(self, token: str) -> None:
        with self.lock:
            self.tokens[token].expires_at = time.time() - 1

    def _auth(self, req: ApiRequest, *kinds: str) -> Token:
        token = self.tokens.get(req.token)
        if token is None:
            raise ApiError(400, "error_190_invalid.json")
        if token.expires_at is not None and token.expires_at < time.time():
            raise ApiError(400, "error_190_expired.json")
        if kinds and token.kind not in kinds:
            raise ApiError(400, "error_100_invalid.json", message="(#100) Wrong token type")
        return token

    # --- dispatch ---------------------------------------------------------------------

    def handle(self, req: ApiRequest) -> ApiResponse:
        with self.lock:
            try:
                return self._route(req)
            except ApiError as exc:
                return ApiResponse(exc.status, exc.body)

    def usage_headers(self, req: ApiRequest) -> dict[str, str]:
        if req.path.startswith(f"/{THREADS_VERSION}"):
            return {}  # the Threads docs show no usage headers
        usage = {"call_count": self.usage_percent, "total_cputime": 1, "total_time": 1}
        buc = {
            PAGE_ID: [
                {
                    "type": "pages",
                    **usage,
                    "estimated_time_to_regain_access": self.regain_minutes,
                }
            ]
        }
        return {"X-App-Usage": json.dumps(usage), "X-Business-Use-Case-Usage": json.dumps(buc)}

    def _route(self, req: ApiRequest) -> ApiResponse:
        t = f"/{THREADS_VERSION}"
        p, m = req.path, req.method
        version = _VERSION.match(p)
        g = f"/{version.group(1)}" if version and version.group(1) != THREADS_VERSION else ""
        if g and g[1:] not in GRAPH_VERSIONS:
            # As Meta answers a version it no longer serves (code 2635, "deprecated version").
            raise ApiError(
                400,
                "error_100_invalid.json",
                code=2635,
                message=f"(#2635) You are calling a deprecated version of the Graph API ({g[1:]})",
            )
        if (g and p == f"{g}/dialog/oauth") or p == "/oauth/authorize":
            return self._authorize(req)
        if g and p == f"{g}/oauth/access_token":
            return self._fb_token(req)
        if g and p == f"{g}/debug_token":
            return self._debug_token(req)
        if g and p == f"{g}/me/accounts":
            return self._accounts(req)
        if p == "/oauth/access_token" and m == "POST":
            return self._threads_code(req)
        if p == "/access_token":
            return self._threads_exchange(req)
        if p == "/refresh_access_token":
            return self._threads_refresh(req)
        if p.startswith(t + "/"):
            return self._threads_route(req, p[len(t) + 1 :].split("/"))
        if g and p.startswith(g + "/"):
            return self._graph_route(req, p[len(g) + 1 :].split("/"))
        raise ApiError(404, "error_100_missing.json")

    # --- OAuth ------------------------------------------------------------------------

    def _authorize(self, req: ApiRequest) -> ApiResponse:
        redirect = req.arg("redirect_uri")
        state = req.arg("state")
        if self.deny_authorization:
            query = {
                "error": "access_denied",
                "error_reason": "user_denied",
                "error_description": "Permissions error",
                "state": state,
            }
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"redirect_uri": redirect, "client_id": req.arg("client_id")}
            query = {"code": code, "state": state}
        suffix = "#_=_" if req.path.endswith("dialog/oauth") and "code" in query else ""
        return ApiResponse(302, None, {"Location": f"{redirect}?{urlencode(query)}{suffix}"})

    def _take_code(self, req: ApiRequest) -> None:
        code = self.codes.pop(req.arg("code"), None)
        if (
            code is None
            or code["redirect_uri"] != req.arg("redirect_uri")
            or req.arg("client_secret") != self.app_secret
        ):
            raise ApiError(400, "oauth_code_error.json")

    def _fb_token(self, req: ApiRequest) -> ApiResponse:
        if req.arg("grant_type") == "fb_exchange_token":
            self._auth(ApiRequest("GET", "", {"access_token": [req.arg("fb_exchange_token")]}))
            if req.arg("client_secret") != self.app_secret:
                raise ApiError(400, "oauth_code_error.json", message="Invalid client_secret")
            token = self.issue("user", USER_ID, LONG_LIVED_SECONDS)
            return ApiResponse(
                200,
                {"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED_SECONDS},
            )
        self._take_code(req)
        token = self.issue("user", USER_ID, 3600)
        return ApiResponse(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600})

    def _debug_token(self, req: ApiRequest) -> ApiResponse:
        if req.token != f"{self.app_id}|{self.app_secret}":
            raise ApiError(400, "error_190_invalid.json")
        body = fixture("debug_token.json")
        info = self.tokens.get(req.arg("input_token"))
        body["data"]["is_valid"] = info is not None
        body["data"]["expires_at"] = self.page_token_expires
        return ApiResponse(200, body)

    def _accounts(self, req: ApiRequest) -> ApiResponse:
        self._auth(req, "user")
        body = fixture("me_accounts.json")
        entry = body["data"][0]
        entry["access_token"] = self.issue_page_token()
        if self.with_instagram and "instagram_business_account" in req.arg("fields"):
            entry["instagram_business_account"] = {"id": IG_USER_ID, "username": IG_USERNAME}
        return ApiResponse(200, body)

    def _threads_code(self, req: ApiRequest) -> ApiResponse:
        self._take_code(req)
        token = self.issue("threads", THREADS_USER_ID, 3600)
        return ApiResponse(200, {"access_token": token, "user_id": int(THREADS_USER_ID)})

    def _threads_exchange(self, req: ApiRequest) -> ApiResponse:
        if (
            req.arg("grant_type") != "th_exchange_token"
            or req.arg("client_secret") != self.app_secret
        ):
            raise ApiError(400, "error_100_invalid.json")
        self._auth(req, "threads")
        return self._long_lived_answer()

    def _threads_refresh(self, req: ApiRequest) -> ApiResponse:
        if req.arg("grant_type") != "th_refresh_token":
            raise ApiError(400, "error_100_invalid.json")
        self._auth(req, "threads")
        return self._long_lived_answer()

    def _long_lived_answer(self) -> ApiResponse:
        token = self.issue_threads_token()
        body = fixture("threads_token_long_lived.json")
        body["access_token"] = token
        body["expires_in"] = LONG_LIVED_SECONDS
        return ApiResponse(200, body)

    # --- Graph: Pages and Instagram ---------------------------------------------------

    def _graph_route(self, req: ApiRequest, parts: list[str]) -> ApiResponse:
        m = req.method
        if parts == ["me"]:
            token = self._auth(req)
            name = PAGE_NAME if token.kind == "page" else "Tiina Toivonen"
            return ApiResponse(200, {"id": token.subject, "name": name})
        if len(parts) == 2 and parts[0] == PAGE_ID:
            self._auth(req, "page")
            edge = parts[1]
            if edge == "photos" and m == "POST":
                return self._upload_photo(req)
            if edge == "feed" and m == "POST":
                return self._create_post(req)
            if edge in ("posts", "feed", "published_posts") and m == "GET":
                return self._list(req, list(reversed(self.posts)))
        if len(parts) == 2 and parts[0] == IG_USER_ID:
            # The IG User reference pages ("Instagram API with Facebook Login") name a Facebook
            # User access token for every IG call; a Page token is refused.
            self._auth(req, "user")
            edge = parts[1]
            if edge == "media" and m == "POST":
                return self._ig_container(req)
            if edge == "media_publish" and m == "POST":
                return self._ig_publish(req)
            if edge == "media" and m == "GET":
                return self._list(req, list(reversed(self.ig_media)))
            if edge == "content_publishing_limit" and m == "GET":
                body = fixture("content_publishing_limit.json")
                body["data"][0]["quota_usage"] = self._recent(self.ig_media)
                body["data"][0]["config"]["quota_total"] = self.ig_quota_total
                return ApiResponse(200, body)
        if len(parts) == 1:
            return self._object(req, parts[0], self._auth(req).kind)
        raise ApiError(400, "error_100_missing.json")

    def _upload_photo(self, req: ApiRequest) -> ApiResponse:
        if "source" not in req.files and not req.arg("url"):
            raise ApiError(400, "error_100_invalid.json", message="(#324) Requires upload file")
        photo_id = str(next(self._ids))
        self.photos[photo_id] = {
            "id": photo_id,
            "alt_text_custom": req.arg("alt_text_custom"),
            "published": req.arg("published", "true") != "false",
        }
        return ApiResponse(200, {"id": photo_id})

    def _create_post(self, req: ApiRequest) -> ApiResponse:
        message = req.arg("message")
        link = req.arg("link")
        if not message and not link and not req.form.keys() & {"attached_media[0]"}:
            raise ApiError(400, "error_100_invalid.json")
        if self.refuse_duplicates and self.posts and self.posts[-1]["message"] == message:
            raise ApiError(400, "error_506_duplicate.json")
        media = []
        for key in sorted(k for k in req.form if k.startswith("attached_media[")):
            fbid = json.loads(req.form[key][0])["media_fbid"]
            if fbid not in self.photos:
                raise ApiError(400, "error_100_invalid.json")
            media.append(self.photos[fbid])
        post_id = f"{PAGE_ID}_{next(self._ids)}"
        now = time.time()
        self.posts.append(
            {
                "id": post_id,
                "message": message,
                "link": link,
                "attached_media": media,
                "created": now,
                "created_time": graph_time(now),
                "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{post_id.split('_')[1]}",
                "reactions": 3,
                "comments": 1,
                "shares": 2,
            }
        )
        return ApiResponse(200, {"id": post_id})

    def _recent(self, items: list[dict[str, Any]], *, replies: bool | None = None) -> int:
        cutoff = time.time() - 86400
        return sum(
            1
            for i in items
            if i["created"] >= cutoff and (replies is None or bool(i.get("reply_to")) == replies)
        )

    def _list(self, req: ApiRequest, items: list[dict[str, Any]]) -> ApiResponse:
        since = req.arg("since")
        if since:
            items = [i for i in items if i["created"] >= int(since)]
        if self.listing_lag:
            items = [i for i in items if i["created"] <= time.time() - self.listing_lag]
        limit = int(req.arg("limit", "25"))
        start = int(req.arg("after") or 0)
        page = items[start : start + limit]
        fields = [f for f in req.arg("fields", "id").split(",") if f]
        body: dict[str, Any] = {"data": [self._fields(i, fields) for i in page]}
        if start + limit < len(items):
            body["paging"] = {
                "cursors": {"before": str(start), "after": str(start + limit)},
                "next": f"{self.base_url}{req.path}?after={start + limit}",
            }
        return ApiResponse(200, body)

    @staticmethod
    def _fields(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        out = {"id": item["id"]}
        for name in fields:
            if name in item and name not in ("created",):
                out[name] = copy.deepcopy(item[name])
        return out

    def _wrong_token(self, kind: str, *wanted: str) -> None:
        if kind not in wanted:
            raise ApiError(400, "error_100_invalid.json", message="(#100) Wrong token type")

    def _object(self, req: ApiRequest, object_id: str, kind: str) -> ApiResponse:
        fields = [f.split(".")[0] for f in re.split(r",(?![^(]*\))", req.arg("fields", "id")) if f]
        post = next((p for p in self.posts if p["id"] == object_id), None)
        if post is not None:
            self._wrong_token(kind, "page")  # Page posts: a Page access token (pagepost ref.)
            if req.method == "DELETE":
                self.posts.remove(post)
                return ApiResponse(200, {"success": True})
            out = self._fields(
                post, [f for f in fields if f in ("message", "created_time", "permalink_url")]
            )
            if "reactions" in fields:
                out["reactions"] = {"data": [], "summary": {"total_count": post["reactions"]}}
            if "comments" in fields:
                out["comments"] = {"data": [], "summary": {"total_count": post["comments"]}}
            if "shares" in fields:
                out["shares"] = {"count": post["shares"]}
            return ApiResponse(200, out)
        container = self.containers.get(object_id)
        if container is not None and req.method == "GET":
            self._wrong_token(kind, "user")  # IG Container reference: a User access token
            return ApiResponse(200, self._container_status(container, "status_code"))
        media = next((i for i in self.ig_media if i["id"] == object_id), None)
        if media is not None and req.method == "GET":
            self._wrong_token(kind, "user")  # IG Media reference: a User access token
            return ApiResponse(200, self._fields(media, fields))
        raise ApiError(400, "error_100_missing.json")

    def _container_status(self, container: dict[str, Any], key: str) -> dict[str, Any]:
        if container["status"] == "IN_PROGRESS":
            if container["polls_left"] > 0:
                container["polls_left"] -= 1
            else:
                container["status"] = "ERROR" if container["error"] else "FINISHED"
        body = {key: container["status"], "id": container["id"]}
        if container["status"] == "ERROR":
            body["status" if key == "status_code" else "error_message"] = container["error"]
        return body

    def _new_container(self, **fields: Any) -> dict[str, Any]:
        container = {
            "id": str(next(self._ids)),
            "status": "IN_PROGRESS",
            "polls_left": self.container_polls,
            "error": self.container_error,
            **fields,
        }
        self.containers[container["id"]] = container
        return container

    def _ig_container(self, req: ApiRequest) -> ApiResponse:
        media_type = req.arg("media_type", "IMAGE")
        if media_type == "CAROUSEL":
            children = [c for c in req.arg("children").split(",") if c]
            if not 2 <= len(children) <= 10 or any(c not in self.containers for c in children):
                raise ApiError(400, "error_100_invalid.json")
            container = self._new_container(
                media_type="CAROUSEL_ALBUM", caption=req.arg("caption"), children=children
            )
        else:
            if not req.arg("image_url").startswith(("http://", "https://")):
                raise ApiError(400, "error_100_invalid.json")
            container = self._new_container(
                media_type="IMAGE",
                caption=req.arg("caption"),
                image_url=req.arg("image_url"),
                alt_text=req.arg("alt_text"),
                is_carousel_item=req.arg("is_carousel_item") == "true",
            )
        return ApiResponse(200, {"id": container["id"]})

    def _ig_publish(self, req: ApiRequest) -> ApiResponse:
        container = self.containers.get(req.arg("creation_id"))
        if container is None:
            raise ApiError(400, "error_100_invalid.json")
        if container["status"] != "FINISHED":
            raise ApiError(400, "error_9007_not_ready.json")
        if self._recent(self.ig_media) >= self.ig_quota_total:
            raise ApiError(400, "error_4_app_limit.json")
        media_id = str(next(self._ids))
        now = time.time()
        container["status"] = "PUBLISHED"
        self.ig_media.append(
            {
                "id": media_id,
                "caption": container.get("caption", ""),
                "media_type": container["media_type"],
                "timestamp": graph_time(now),
                "created": now,
                "permalink": f"https://www.instagram.com/p/{media_id[-11:]}/",
                "children": {"data": [{"id": c} for c in container.get("children", [])]},
                "alt_text": container.get("alt_text", ""),
                "like_count": 5,
                "comments_count": 2,
            }
        )
        return ApiResponse(200, {"id": media_id})

    # --- Threads ----------------------------------------------------------------------

    def _threads_route(self, req: ApiRequest, parts: list[str]) -> ApiResponse:
        token = self._auth(req, "threads")
        m = req.method
        if parts == ["me"]:
            return ApiResponse(
                200, {"id": token.subject, "username": THREADS_USERNAME, "name": "Toivon Polku ry"}
            )
        if len(parts) == 2 and parts[0] in (THREADS_USER_ID, "me"):
            edge = parts[1]
            if edge == "threads" and m == "POST":
                return self._threads_container(req)
            if edge == "threads_publish" and m == "POST":
                return self._threads_publish(req)
            if edge == "threads" and m == "GET":
                return self._list(req, [p for p in reversed(self.threads) if not p["reply_to"]])
            if edge == "replies" and m == "GET":
                return self._list(req, [p for p in reversed(self.threads) if p["reply_to"]])
            if edge == "threads_publishing_limit" and m == "GET":
                body = fixture("threads_publishing_limit.json")
                entry = body["data"][0]
                entry["quota_usage"] = self._recent(self.threads, replies=False)
                entry["config"]["quota_total"] = self.threads_quota_total
                entry["reply_quota_usage"] = self._recent(self.threads, replies=True)
                return ApiResponse(200, body)
        if len(parts) == 2 and parts[1] == "insights":
            post = self._thread(parts[0])
            metrics = req.arg("metric", "views").split(",")
            values = {"views": 40, "likes": 4, "replies": 1, "reposts": 2, "quotes": 0}
            return ApiResponse(
                200,
                {
                    "data": [
                        {
                            "name": name,
                            "period": "lifetime",
                            "values": [{"value": values.get(name, 0)}],
                            "title": name.capitalize(),
                            "description": "",
                            "id": f"{post['id']}/insights/{name}/lifetime",
                        }
                        for name in metrics
                    ]
                },
            )
        if len(parts) == 1:
            container = self.containers.get(parts[0])
            if container is not None and m == "GET":
                return ApiResponse(200, self._container_status(container, "status"))
            post = self._thread(parts[0])
            if m == "DELETE":
                self.threads.remove(post)
                return ApiResponse(200, {"success": True, "deleted_id": post["id"]})
            fields = [f for f in req.arg("fields", "id").split(",") if f]
            return ApiResponse(200, self._fields(post, fields))
        raise ApiError(400, "error_100_missing.json")

    def _thread(self, thread_id: str) -> dict[str, Any]:
        post = next((p for p in self.threads if p["id"] == thread_id), None)
        if post is None:
            raise ApiError(400, "error_100_missing.json")
        return post

    def _threads_container(self, req: ApiRequest) -> ApiResponse:
        media_type = req.arg("media_type")
        text = req.arg("text")
        if media_type not in ("TEXT", "IMAGE", "CAROUSEL") or threads_length(text) > 500:
            raise ApiError(400, "error_100_invalid.json", message="(#100) Text too long")
        if threads_links(text, req.arg("link_attachment")) > 5:
            raise ApiError(
                400,
                "error_100_invalid.json",
                message="THREADS_API__LINK_LIMIT_EXCEEDED",
                error_user_msg="A post can have at most 5 links.",
            )
        if media_type == "TEXT" and not text:
            raise ApiError(400, "error_100_invalid.json")
        if media_type == "IMAGE" and not req.arg("image_url").startswith(("http://", "https://")):
            raise ApiError(400, "error_100_invalid.json")
        children = [c for c in req.arg("children").split(",") if c]
        if media_type == "CAROUSEL" and not 2 <= len(children) <= 20:
            raise ApiError(400, "error_100_invalid.json")
        reply_to = req.arg("reply_to_id")
        if reply_to:
            self._thread(reply_to)
        container = self._new_container(
            media_type="CAROUSEL_ALBUM"
            if media_type == "CAROUSEL"
            else f"{media_type}_POST"
            if media_type == "TEXT"
            else media_type,
            text=text,
            image_url=req.arg("image_url"),
            alt_text=req.arg("alt_text"),
            link_attachment=req.arg("link_attachment"),
            reply_to=reply_to,
            children=children,
            is_carousel_item=req.arg("is_carousel_item") == "true",
        )
        return ApiResponse(200, {"id": container["id"]})

    def _threads_publish(self, req: ApiRequest) -> ApiResponse:
        container = self.containers.get(req.arg("creation_id"))
        if container is None or container["status"] in ("PUBLISHED", "ERROR", "EXPIRED"):
            raise ApiError(400, "error_100_invalid.json")
        if container["status"] == "IN_PROGRESS":
            raise ApiError(400, "error_9007_not_ready.json")
        if self._recent(self.threads, replies=False) >= self.threads_quota_total:
            raise ApiError(400, "error_4_app_limit.json")
        post_id = str(next(self._ids))
        now = time.time()
        container["status"] = "PUBLISHED"
        self.threads.append(
            {
                "id": post_id,
                "text": container["text"],
                "media_type": container["media_type"],
                "timestamp": graph_time(now),
                "created": now,
                "permalink": f"https://www.threads.com/@{THREADS_USERNAME}/post/{post_id[-11:]}",
                "reply_to": container["reply_to"],
                "replied_to": {"id": container["reply_to"]} if container["reply_to"] else None,
                "link_attachment_url": container["link_attachment"],
                "alt_text": container["alt_text"],
                "children": {"data": [{"id": c} for c in container["children"]]},
            }
        )
        return ApiResponse(200, {"id": post_id})
