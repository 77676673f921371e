"""A local LinkedIn for tests: the documented OAuth and versioned REST API on 127.0.0.1.

In a test::

    server = start_server()
    token = server.issue_token()                      # or go through /oauth/v2/authorization
    server.script("POST /rest/posts", [429, "hang_after_apply"])
    ...
    assert server.visible_texts() == ["…"]
    server.stop()

It answers as LinkedIn documents (shapes from kaiku/channels/linkedin/fixtures/): 201 with
``x-restli-id`` for a new post, ``{"status", "serviceErrorCode", "code", "message"}`` errors, 426
NONEXISTENT_VERSION for an inactive ``LinkedIn-Version``, 422 "Content is a duplicate of …" for a
repeated post, 403 for a page the app or member may not act for. It keeps each post's raw
``commentary`` and renders it as LinkedIn shows it (``visible_text``): an unescaped reserved
character cuts the text there, as LinkedIn silently does.

The threads, the scripting and the record of requests come from tests/servers/base.py, shared
by every local server; what is this platform's is its answers.

``script(route, responses)`` makes the next requests to ``route`` ("METHOD /path", ``*`` for one
path segment; URNs in paths are matched decoded) answer, in order, with: an int (that status
and its documented body, nothing applied), ``Reply(status, body, headers)``, ``"hang"`` / ``"drop"``
(nothing applied, no answer / connection closed) or ``"hang_after_apply"`` /
``"drop_after_apply"`` (the request IS applied, then no answer).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests.servers.base import Answer, ScriptedHandler, ScriptedServer
from tests.servers.base import Reply as Reply  # the tests script Reply from here
from tests.servers.wire import read_body

FIXTURES = Path(__file__).resolve().parents[3] / "kaiku" / "channels" / "linkedin" / "fixtures"
RESERVED = frozenset("|{}@[]()<>#\\*_~")
MEMBER = "vaz8tJ1Aah"
ORGANIZATION_ID = "2414183"
ORG_URN = f"urn:li:organization:{ORGANIZATION_ID}"
PERSON_URN = f"urn:li:person:{MEMBER}"
# Which scopes each developer-portal product grants.
PRODUCTS = {
    "share": {"w_member_social"},
    "openid": {"openid", "profile", "email"},
    "community": {
        "w_organization_social",
        "r_organization_social",
        "rw_organization_admin",
        "w_member_social",
    },
}
# Page roles that may post as the page (Posts API, w_organization_social).
POSTING_ROLES = {"ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER", "CONTENT_ADMIN"}
_VERSION_RE = re.compile(r"(\d{6})(?:\.(\d{2}))?")
_HASHTAG_TEMPLATE = re.compile(r"\{hashtag\|\\?([#\uff03])\|([^|{}\\]+)\}")
_MENTION = re.compile(r"@\[([^\[\]]+)\]\((urn:li:(?:person|organization):[^)\s]+)\)")
_HASHTAG_ELEMENT = re.compile(r"#(\w+)")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def render_little(commentary: str) -> str:
    """What LinkedIn shows for ``commentary``: escapes resolved, hashtag templates and mentions
    as their text, and the text cut at the first unescaped reserved character outside them."""
    out: list[str] = []
    i = 0
    while i < len(commentary):
        c = commentary[i]
        if c == "\\":
            if i + 1 >= len(commentary):
                break
            out.append(commentary[i + 1])
            i += 2
            continue
        m = None
        if c == "{":
            m = _HASHTAG_TEMPLATE.match(commentary, i)
            if m:
                out.append(m.group(1) + m.group(2))
        elif c == "@":
            m = _MENTION.match(commentary, i)
            if m:
                out.append(m.group(1))
        elif c == "#":
            m = _HASHTAG_ELEMENT.match(commentary, i)
            if m:
                out.append(m.group(0))
        if m:
            i = m.end()
            continue
        if c in RESERVED:
            break  # LinkedIn cuts the post short here
        out.append(c)
        i += 1
    return "".join(out)


def error_body(status: int, message: str = "") -> dict[str, Any]:
    names = {
        401: "error_401.json",
        403: "error_403.json",
        404: "error_404.json",
        426: "error_426.json",
        429: "error_429.json",
    }
    body: dict[str, Any] = fixture(names.get(status, "error_500.json"))
    body["status"] = status
    if message:
        body["message"] = message
    elif status not in names:
        body["message"] = {
            400: "Bad Request",
            422: "Unprocessable Entity",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }.get(status, body["message"])
    return body


@dataclass
class Response(Answer):
    redirect: str = ""


@dataclass
class Seen:
    """One request as the server saw it (path decoded)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class LinkedInServer(ScriptedServer[Seen]):
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(_Handler, host, port)
        # Versions LinkedIn answers for (inclusive, YYYYMM); others get 426.
        self.oldest_version = "202512"
        self.newest_version = "202611"
        # The Community Management API product approved for organisation posting; False makes
        # every call acting as a page answer 403 (approval pending or withdrawn).
        self.organization_access = True
        # A member may read their own posts only with the restricted r_member_social.
        self.member_reads = False
        self.duplicate_window = 24 * 3600.0
        self.deny_authorization = False
        self.authorize_as = MEMBER
        self.members: dict[str, dict[str, Any]] = {
            MEMBER: {"name": "Aino Esimerkki", "given_name": "Aino", "family_name": "Esimerkki"}
        }
        self.organizations: dict[str, dict[str, Any]] = {
            ORGANIZATION_ID: {"localizedName": "Toivon Polku ry", "vanityName": "toivonpolku"}
        }
        self.acls: list[dict[str, str]] = [
            {
                "organization": ORG_URN,
                "roleAssignee": PERSON_URN,
                "role": "ADMINISTRATOR",
                "state": "APPROVED",
            }
        ]
        self.apps: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.posts: list[dict[str, Any]] = []
        self.images: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, str] = {}
        self._next_id = 7141138937766391808

    # --- the test-facing API ----------------------------------------------------------------

    def register_app(
        self,
        client_id: str = "kaiku-org-app",
        client_secret: str = "org-app-secret",
        *,
        products: tuple[str, ...] = ("community",),
        refresh_tokens: bool = False,
    ) -> None:
        scopes: set[str] = set()
        for product in products:
            scopes |= PRODUCTS[product]
        with self.lock:
            self.apps[client_id] = {
                "secret": client_secret,
                "scopes": scopes,
                "refresh_tokens": refresh_tokens,
            }

    def issue_token(
        self,
        member: str = MEMBER,
        scopes: tuple[str, ...] = ("w_organization_social", "r_organization_social"),
        *,
        client_id: str = "kaiku-org-app",
        token: str = "",
    ) -> str:
        token = token or f"AQ{secrets.token_urlsafe(24)}"
        with self.lock:
            self.tokens[token] = {
                "member": member,
                "scopes": set(scopes),
                "client_id": client_id,
                "expires": time.time() + 5184000,
            }
        return token

    def expire_token(self, token: str) -> None:
        with self.lock:
            self.tokens[token]["expires"] = 0.0

    def route_pattern(self, path: str) -> re.Pattern[str]:
        """``*`` stands for one path segment (URNs in paths are matched decoded)."""
        return re.compile(re.escape(path).replace(r"\*", "[^/]+"))

    def live_posts(self) -> list[dict[str, Any]]:
        with self.lock:
            return [p for p in self.posts if not p["deleted"]]

    def visible_texts(self) -> list[str]:
        return [render_little(p["commentary"]) for p in self.live_posts()]

    def error_answer(self, status: int, req: Seen) -> Response:
        return Response(status, error_body(status))

    def reply_body(self, status: int, req: Seen) -> Any:
        return error_body(status)

    # --- the API ------------------------------------------------------------------------------

    def handle_api(self, req: Seen) -> Response:
        path = req.path
        if path == "/oauth/v2/authorization" and req.method == "GET":
            return self._authorize(req)
        if path == "/oauth/v2/accessToken" and req.method == "POST":
            return self._access_token(req)
        if path.startswith("/dms-uploads/") and req.method == "PUT":
            return self._upload(req)
        token = self._token(req)
        if token is None:
            return Response(401, error_body(401))
        if path == "/v2/userinfo" and req.method == "GET":
            if not {"openid", "profile"} <= token["scopes"]:
                return self._denied("userinfo.GET.NO_VERSION")
            member = self.members[token["member"]]
            body = fixture("userinfo.json")
            body.update(sub=token["member"], **member)
            return Response(200, body)
        if not path.startswith("/rest/"):
            return Response(404, error_body(404))
        version = req.headers.get("linkedin-version", "")
        if not version:
            return Response(400, fixture("error_400_version_missing.json"))
        m = _VERSION_RE.fullmatch(version)
        if not m or not self.oldest_version <= m.group(1) <= self.newest_version:
            body = fixture("error_426.json")
            digits = m.group(1) + (m.group(2) or "01") if m else version
            body["message"] = f"Requested version {digits} is not active"
            return Response(426, body)
        return self._rest(req, token, path.removeprefix("/rest/"))

    def _token(self, req: Seen) -> dict[str, Any] | None:
        auth = req.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return None
        with self.lock:
            token = self.tokens.get(auth.removeprefix("Bearer ").strip())
        if token is None or token["expires"] < time.time():
            return None
        return token

    @staticmethod
    def _denied(resource: str) -> Response:
        return Response(403, error_body(403, f"Not enough permissions to access: {resource}"))

    def _may_act_for(self, token: dict[str, Any], author: str, scope_kind: str) -> bool:
        """May the token's member write (``w``) or read (``r``) as/of ``author``?"""
        member_urn = f"urn:li:person:{token['member']}"
        if author.startswith("urn:li:organization:"):
            if not self.organization_access:
                return False
            if f"{scope_kind}_organization_social" not in token["scopes"]:
                return False
            return any(
                a["organization"] == author
                and a["roleAssignee"] == member_urn
                and a["role"] in POSTING_ROLES
                and a["state"] == "APPROVED"
                for a in self.acls
            )
        if author != member_urn:
            return False
        if scope_kind == "r":
            return self.member_reads
        return "w_member_social" in token["scopes"]

    def _rest(self, req: Seen, token: dict[str, Any], path: str) -> Response:
        q = {k: v[0] for k, v in req.query.items()}
        if path == "organizationAcls" and req.method == "GET":
            if "rw_organization_admin" not in token["scopes"] or not self.organization_access:
                return self._denied("organizationAcls.FINDER-roleAssignee")
            member_urn = f"urn:li:person:{token['member']}"
            elements = [
                a
                for a in self.acls
                if a["roleAssignee"] == member_urn
                and q.get("role", a["role"]) == a["role"]
                and q.get("state", a["state"]) == a["state"]
            ]
            body = {"paging": {"count": 10, "start": 0, "links": []}, "elements": elements}
            return Response(200, body)
        if path == "organizations" or path.startswith("organizations/"):
            if "rw_organization_admin" not in token["scopes"] or not self.organization_access:
                return self._denied("organizations.GET")
            if path == "organizations":
                found = [
                    self._organization(i)
                    for i, o in self.organizations.items()
                    if o["vanityName"] == q.get("vanityName")
                ]
                return Response(200, {"elements": found})
            org_id = path.split("/", 1)[1]
            if org_id not in self.organizations:
                return Response(404, error_body(404))
            return Response(200, self._organization(org_id))
        if path == "images" and req.method == "POST" and q.get("action") == "initializeUpload":
            owner = (req.body or {}).get("initializeUploadRequest", {}).get("owner", "")
            if not self._may_act_for(token, owner, "w"):
                return self._denied("images.ACTION-initializeUpload")
            with self.lock:
                urn = f"urn:li:image:C4E10AQ{secrets.token_hex(6)}"
                upload = secrets.token_urlsafe(12)
                self.images[urn] = {"owner": owner, "data": None, "mime": ""}
                self.uploads[upload] = urn
            body = fixture("image_initialize.json")
            body["value"].update(
                uploadUrl=f"{self.base_url}/dms-uploads/{upload}/uploaded-image/0",
                image=urn,
                uploadUrlExpiresAt=int((time.time() + 3600) * 1000),
            )
            return Response(200, body)
        if path == "posts" and req.method == "POST":
            return self._create_post(token, req.body)
        if path == "posts" and req.method == "GET" and q.get("q") == "author":
            return self._posts_by_author(token, q)
        if path.startswith("posts/"):
            urn = path.split("/", 1)[1]
            post = self._post(urn)
            if post is None:
                return Response(404, error_body(404))
            if req.method == "GET":
                if not self._may_act_for(token, post["author"], "r"):
                    return self._denied("posts.GET")
                return Response(200, self._public(post))
            if req.method == "DELETE":
                if not self._may_act_for(token, post["author"], "w"):
                    return self._denied("posts.DELETE")
                with self.lock:
                    post["deleted"] = True
                return Response(204)
        if path.startswith("socialActions/") and req.method == "GET":
            post = self._post(path.split("/", 1)[1])
            if post is None:
                return Response(404, error_body(404))
            if not self._may_act_for(token, post["author"], "r"):
                return self._denied("socialActions.GET")
            body = fixture("social_actions.json")
            body["target"] = post["id"]
            body["$URN"] = f"urn:li:socialActions:{post['id']}"
            body["likesSummary"].update(
                totalLikes=post["likes"], aggregatedTotalLikes=post["likes"]
            )
            body["commentsSummary"].update(
                totalFirstLevelComments=post["comments"], aggregatedTotalComments=post["comments"]
            )
            return Response(200, body)
        return Response(404, error_body(404))

    def _organization(self, org_id: str) -> dict[str, Any]:
        body: dict[str, Any] = fixture("organization.json")
        body.update(id=int(org_id), **self.organizations[org_id])
        return body

    def _post(self, urn: str) -> dict[str, Any] | None:
        with self.lock:
            return next((p for p in self.posts if p["id"] == urn and not p["deleted"]), None)

    @staticmethod
    def _public(post: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in post.items() if k not in ("deleted", "likes", "comments")}

    def _create_post(self, token: dict[str, Any], body: Any) -> Response:
        if not isinstance(body, dict):
            return Response(400, error_body(400))
        author = body.get("author", "")
        for key in ("author", "commentary", "visibility", "distribution", "lifecycleState"):
            if key not in body:
                return Response(422, error_body(422, f"/{key} :: field is required"))
        if not self._may_act_for(token, author, "w"):
            return self._denied("POST /posts")
        content = body.get("content") or {}
        ids = []
        if "media" in content:
            ids.append(content["media"].get("id"))
        if "multiImage" in content:
            ids += [i.get("id") for i in content["multiImage"].get("images", [])]
        if "article" in content and content["article"].get("thumbnail"):
            ids.append(content["article"]["thumbnail"])
        with self.lock:
            for image in ids:
                stored = self.images.get(image or "")
                if stored is None or stored["data"] is None or stored["owner"] != author:
                    return Response(422, error_body(422, f"Image {image} is not available"))
            now = time.time()
            visible = render_little(body["commentary"])
            for earlier in self.posts:
                if (
                    earlier["author"] == author
                    and not earlier["deleted"]
                    and render_little(earlier["commentary"]) == visible
                    and now - earlier["createdAt"] / 1000 < self.duplicate_window
                ):
                    dup: dict[str, Any] = fixture("error_422_duplicate.json")
                    dup["message"] = dup["message"].replace(
                        "urn:li:share:7141138937766391808", earlier["id"]
                    )
                    return Response(422, dup)
            self._next_id += 1
            urn = f"urn:li:share:{self._next_id}"
            millis = int(now * 1000)
            self.posts.append(
                {
                    "id": urn,
                    "author": author,
                    "commentary": body["commentary"],
                    "visibility": body["visibility"],
                    "distribution": body["distribution"],
                    "lifecycleState": body["lifecycleState"],
                    "isReshareDisabledByAuthor": body.get("isReshareDisabledByAuthor", False),
                    "content": content or None,
                    "createdAt": millis,
                    "lastModifiedAt": millis,
                    "publishedAt": millis,
                    "lifecycleStateInfo": {"isEditedByAuthor": False},
                    "deleted": False,
                    "likes": 0,
                    "comments": 0,
                }
            )
        return Response(201, None, {"x-restli-id": urn})

    def _posts_by_author(self, token: dict[str, Any], q: dict[str, str]) -> Response:
        author = q.get("author", "")
        if not self._may_act_for(token, author, "r"):
            return self._denied("posts.FINDER-author")
        key = "createdAt" if q.get("sortBy") == "CREATED" else "lastModifiedAt"
        mine = sorted(
            (p for p in self.live_posts() if p["author"] == author),
            key=lambda p: p[key],
            reverse=True,
        )
        start, count = int(q.get("start", "0")), int(q.get("count", "10"))
        page = [self._public(p) for p in mine[start : start + count]]
        paging = {"start": start, "count": count, "links": [], "total": len(mine)}
        return Response(200, {"paging": paging, "elements": page})

    def _upload(self, req: Seen) -> Response:
        upload = req.path.split("/")[2]
        if self._token(req) is None:
            return Response(401, error_body(401))
        with self.lock:
            urn = self.uploads.get(upload)
            if urn is None:
                return Response(404, error_body(404))
            self.images[urn]["data"] = req.body
            self.images[urn]["mime"] = req.headers.get("content-type", "")
        return Response(201)

    def _authorize(self, req: Seen) -> Response:
        q = {k: v[0] for k, v in req.query.items()}
        app = self.apps.get(q.get("client_id", ""))
        redirect = q.get("redirect_uri", "")
        if app is None or not redirect:
            return Response(400, {"error": "invalid_request", "error_description": "client"})
        state = q.get("state", "")
        scopes = q.get("scope", "").split()
        missing = [s for s in scopes if s not in app["scopes"]]
        if missing:
            answer = {
                "error": "unauthorized_scope_error",
                # As real answers show it, HTML entities included (tigillo/linkedin-cli#3).
                "error_description": f"Scope &quot;{missing[0]}&quot; is not authorized for "
                "your application",
                "state": state,
            }
        elif self.deny_authorization:
            answer = {
                "error": "user_cancelled_authorize",
                "error_description": "The user cancelled the authorization",
                "state": state,
            }
        else:
            code = secrets.token_urlsafe(16)
            with self.lock:
                self.codes[code] = {
                    "client_id": q["client_id"],
                    "redirect_uri": redirect,
                    "scopes": set(scopes),
                    "member": self.authorize_as,
                }
            answer = {"code": code, "state": state}
        return Response(302, redirect=f"{redirect}?{urlencode(answer)}")

    def _access_token(self, req: Seen) -> Response:
        form = {k: v[0] for k, v in (req.body or {}).items()}
        app = self.apps.get(form.get("client_id", ""))
        if app is None or app["secret"] != form.get("client_secret"):
            return Response(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
            )
        if form.get("grant_type") == "authorization_code":
            with self.lock:
                code = self.codes.pop(form.get("code", ""), None)
            if (
                code is None
                or code["client_id"] != form["client_id"]
                or code["redirect_uri"] != form.get("redirect_uri")
            ):
                return Response(400, fixture("error_oauth.json"))
            token = self.issue_token(
                code["member"], tuple(sorted(code["scopes"])), client_id=form["client_id"]
            )
            body: dict[str, Any] = fixture("token.json")
            body.update(access_token=token, scope=",".join(sorted(code["scopes"])))
            if app["refresh_tokens"]:
                new_refresh = f"AQW{secrets.token_urlsafe(24)}"
                with self.lock:
                    self.refresh_tokens[new_refresh] = {
                        "member": code["member"],
                        "scopes": code["scopes"],
                        "client_id": form["client_id"],
                        "expires": time.time() + 31536000,
                    }
                body.update(refresh_token=new_refresh, refresh_token_expires_in=31536000)
            return Response(200, body)
        if form.get("grant_type") == "refresh_token":
            with self.lock:
                refresh = self.refresh_tokens.get(form.get("refresh_token", ""))
            if refresh is None or refresh["expires"] < time.time():
                return Response(
                    400,
                    {
                        "error": "invalid_request",
                        "error_description": "The provided refresh token is invalid",
                    },
                )
            token = self.issue_token(
                refresh["member"], tuple(sorted(refresh["scopes"])), client_id=form["client_id"]
            )
            body = fixture("token_refresh.json")
            body.update(
                access_token=token,
                refresh_token=form["refresh_token"],
                refresh_token_expires_in=int(refresh["expires"] - time.time()),
                scope=",".join(sorted(refresh["scopes"])),
            )
            return Response(200, body)
        return Response(400, {"error": "unsupported_grant_type", "error_description": "grant"})


def start_server() -> LinkedInServer:
    server = LinkedInServer()
    server.register_app("kaiku-org-app", "org-app-secret", products=("community",))
    server.register_app("kaiku-profile-app", "profile-app-secret", products=("share", "openid"))
    server.start()
    return server


# --- the wire ----------------------------------------------------------------------------------


class _Handler(ScriptedHandler):
    json_type = "application/json"
    server: LinkedInServer
    sys_version = ""

    def do_PUT(self) -> None:
        self.serve()

    def read_request(self) -> Seen | None:
        parts = urlsplit(self.path)
        raw = read_body(self)
        content_type = self.headers.get("Content-Type", "")
        body: Any = raw
        if content_type.startswith("application/json") and raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self.send_answer(Response(400, error_body(400, "Invalid JSON")))
                return None
        elif content_type.startswith("application/x-www-form-urlencoded"):
            body = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        return Seen(
            method=self.command,
            path=unquote(parts.path),
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )

    def answer_headers(self, answer: Response) -> Iterable[tuple[str, str]]:
        if getattr(answer, "redirect", ""):
            yield "Location", answer.redirect
        if answer.body is not None:
            yield "Content-Type", self.json_type
        yield "x-li-format", "json"
        yield from answer.headers.items()
