"""The Mastodon API behind the local test server: in-memory state and one function per endpoint.

Shapes come from kaiku/channels/mastodon/fixtures/*.json (taken from docs.joinmastodon.org);
behaviour follows the docs: https://docs.joinmastodon.org/methods/ (statuses, media, apps,
oauth, accounts, timelines, instance). No HTTP here: ``MastodonApi.handle`` takes a parsed
``ApiRequest`` and returns an ``ApiResponse``; tests/channels/mastodon/server.py does the wire.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.channels.mastodon.text import count_characters, render

FIXTURES = Path(__file__).resolve().parents[3] / "kaiku" / "channels" / "mastodon" / "fixtures"
ALL_SCOPES = "read write follow push profile"
DEFAULT_USERNAME = "toivonpolku"


def fixture(name: str) -> Any:
    """A fresh copy of a recorded response shape."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def error_body(status: int, path: str = "") -> dict[str, Any]:
    """The documented Error entity for a status code on a route (media has its own texts)."""
    names = [f"error_{status}.json"]
    if path.startswith(("/api/v1/media", "/api/v2/media")):
        names.insert(0, f"error_{status}_media.json")
    for name in names:
        if (FIXTURES / name).exists():
            body: dict[str, Any] = fixture(name)
            return body
    return {"error": f"HTTP {status}"}


def iso_ms(moment: datetime) -> str:
    """Mastodon's datetime format: ``2019-12-05T11:34:47.196Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def iso_us(moment: datetime) -> str:
    """X-RateLimit-Reset's format (Ruby's ``iso8601(6)``): ``2020-09-08T13:25:00.019685Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ApiError(Exception):
    def __init__(self, status: int, message: str | None = None, **extra: str) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"error": message} if message else error_body(status)
        self.body.update(extra)


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # name, type, data
    client: str = "127.0.0.1"

    def one(self, name: str, source: str = "form") -> str | None:
        values = (self.form if source == "form" else self.query).get(name)
        return values[0] if values else None

    def arg(self, name: str) -> str | None:
        return self.one(name, "query")

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@dataclass
class ApiResponse:
    status: int
    body: Any = None  # JSON-serialisable, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)


# --- state and endpoints ---------------------------------------------------------------------


class MastodonApi:
    """One instance's state. Every public method is safe to call from any thread."""

    def __init__(self, base_url: str, *, state_file: Path | None = None) -> None:
        self.base_url = base_url
        self.domain = urlsplit(base_url).netloc
        self.lock = threading.RLock()
        self.state_file = state_file
        # Knobs tests may turn.
        self.max_characters = 500
        self.characters_reserved_per_url = 23
        self.max_media_attachments = 4
        self.idempotency_window = 3600.0
        self.media_async = True  # POST /api/v2/media answers 202 and processes "later"
        self.media_processing_polls = 1  # GET /api/v1/media/:id answers 206 this many times
        self.instance_v2 = True  # False: behave like Mastodon < 4.0 (v2 instance is 404)
        self.authorize_as = DEFAULT_USERNAME
        self.deny_authorization = False
        self.clock: Callable[[], float] = time.time
        # State.
        self.accounts: dict[str, dict[str, Any]] = {}
        self.apps: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = []  # Status entities, oldest first
        self.sources: dict[str, str] = {}  # status id -> the text as posted
        self.idempotency: dict[str, dict[str, Any]] = {}  # "account:key" -> status id, time
        # Posts on other servers, by address: text and author. A resolving search fetches one
        # and gives it an id here (as federation does); a plain search does not know it.
        self.remote: dict[str, tuple[str, str]] = {}
        self._next_id = int(self.clock() * 1000) << 16
        if state_file and state_file.exists():
            self._load(state_file)
        if not self.accounts:
            self.add_account(DEFAULT_USERNAME, display_name="Toivon Polku ry")

    # --- persistence (standalone mode) ----------------------------------------------------

    _PERSISTED = ("accounts", "apps", "codes", "tokens", "media", "statuses", "sources")

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        for name in self._PERSISTED:
            setattr(self, name, data.get(name, getattr(self, name)))
        self.idempotency = data.get("idempotency", {})
        self._next_id = max(self._next_id, int(data.get("next_id", 0)))

    def save(self) -> None:
        if not self.state_file:
            return
        with self.lock:
            data = {name: getattr(self, name) for name in self._PERSISTED}
            data["idempotency"] = self.idempotency
            data["next_id"] = self._next_id
            tmp = self.state_file.with_suffix(self.state_file.suffix + ".tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            tmp.replace(self.state_file)

    # --- helpers for tests ----------------------------------------------------------------

    def new_id(self) -> str:
        with self.lock:
            self._next_id += 1
            return str(self._next_id)

    def add_account(self, username: str, *, display_name: str = "") -> dict[str, Any]:
        with self.lock:
            account: dict[str, Any] = fixture("account.json")
            account_id = "109302" if not self.accounts else self.new_id()
            account.update(
                id=account_id,
                username=username,
                acct=username,
                display_name=display_name or username,
                url=f"{self.base_url}/@{username}",
                uri=f"{self.base_url}/users/{username}",
                statuses_count=0,
            )
            self.accounts[account_id] = account
            self.save()
            return account

    def account_by_username(self, username: str) -> dict[str, Any] | None:
        return next((a for a in self.accounts.values() if a["username"] == username), None)

    def issue_token(
        self, username: str = DEFAULT_USERNAME, *, scope: str = ALL_SCOPES, token: str = ""
    ) -> str:
        """A user token without the OAuth dance (for tests that are not about connecting)."""
        account = self.account_by_username(username) or self.add_account(username)
        value = token or secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[value] = {
                "account_id": account["id"],
                "client_id": None,
                "scopes": scope.split(),
                "created_at": int(self.clock()),
            }
            self.save()
        return value

    def revoke(self, token: str) -> None:
        with self.lock:
            self.tokens.pop(token, None)
            self.save()

    def status(self, status_id: str) -> dict[str, Any] | None:
        return next((s for s in self.statuses if s["id"] == status_id), None)

    def public_account(self, account_id: str) -> dict[str, Any]:
        account = copy.deepcopy(self.accounts[account_id])
        account.pop("source", None)
        return account

    # --- auth -----------------------------------------------------------------------------

    def _token(self, req: ApiRequest, scope: str | None, *, user: bool = True) -> dict[str, Any]:
        record = self.tokens.get(req.token or "")
        if record is None:
            raise ApiError(401)  # "The access token is invalid"
        scopes = set(record["scopes"])
        granted = {scope, scope.split(":")[0]} & scopes if scope else {"any"}
        if not granted and not (scope == "read:accounts" and "profile" in scopes):
            raise ApiError(403)  # "This action is outside the authorized scopes"
        if user and not record.get("account_id"):
            raise ApiError(422, "This method requires an authenticated user")
        return record

    def _viewer(self, req: ApiRequest) -> str | None:
        record = self.tokens.get(req.token or "")
        return record.get("account_id") if record else None

    # --- routing --------------------------------------------------------------------------

    def routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., ApiResponse]]]:
        table: list[tuple[str, str, Callable[..., ApiResponse]]] = [
            ("POST", "/api/v1/apps", self.create_app),
            ("GET", "/oauth/authorize", self.authorize),
            ("POST", "/oauth/token", self.obtain_token),
            ("GET", "/api/v2/instance", self.instance_v2_info),
            ("GET", "/api/v1/instance", self.instance_v1_info),
            ("GET", "/api/v1/accounts/verify_credentials", self.verify_credentials),
            ("GET", "/api/v1/accounts/lookup", self.lookup_account),
            ("GET", "/api/v1/accounts/:id/statuses", self.account_statuses),
            ("GET", "/api/v1/accounts/:id", self.get_account),
            ("POST", "/api/v2/media", self.upload_media),
            ("POST", "/api/v1/media", self.upload_media_v1),
            ("GET", "/api/v1/media/:id", self.get_media),
            ("POST", "/api/v1/statuses", self.create_status),
            ("GET", "/api/v1/statuses/:id", self.get_status),
            ("DELETE", "/api/v1/statuses/:id", self.delete_status),
            ("GET", "/api/v1/timelines/tag/:id", self.tag_timeline),
            ("GET", "/api/v2/search", self.search),
        ]
        return [(method, route_pattern(path), func) for method, path, func in table]

    def handle(self, req: ApiRequest) -> ApiResponse:
        for method, pattern, func in self.routes():
            match = pattern.fullmatch(req.path)
            if match and method == req.method:
                try:
                    with self.lock:
                        response = func(req, *match.groups())
                        if req.method != "GET":
                            self.save()
                        return response
                except ApiError as exc:
                    return ApiResponse(exc.status, exc.body)
        return ApiResponse(404, error_body(404))

    # --- apps and OAuth (https://docs.joinmastodon.org/methods/apps/, /methods/oauth/) ----

    def create_app(self, req: ApiRequest) -> ApiResponse:
        name = req.one("client_name") or ""
        uris = [u for value in req.form.get("redirect_uris", []) for u in value.split()]
        if not name:
            raise ApiError(422, "Validation failed: Name can't be blank")
        if not uris:
            raise ApiError(422, "Validation failed: Redirect URI can't be blank")
        for uri in uris:
            if uri != "urn:ietf:wg:oauth:2.0:oob" and not urlsplit(uri).scheme:
                raise ApiError(422, "Validation failed: Redirect URI must be an absolute URI.")
        app = fixture("application.json")
        app.update(
            id=self.new_id(),
            name=name,
            website=req.one("website"),
            scopes=(req.one("scopes") or "read").split(),
            redirect_uri="\n".join(uris),
            redirect_uris=uris,
            client_id=secrets.token_urlsafe(32),
            client_secret=secrets.token_urlsafe(32),
        )
        self.apps[app["client_id"]] = app
        return ApiResponse(200, app)

    def authorize(self, req: ApiRequest) -> ApiResponse:
        """A fake consent page that always (or, with ``deny_authorization``, never) consents
        as ``authorize_as`` and redirects straight back, as the real form would on submit."""
        app = self.apps.get(req.arg("client_id") or "")
        redirect_uri = req.arg("redirect_uri") or ""
        if app is None or redirect_uri not in app["redirect_uris"]:
            raise ApiError(
                400,
                "invalid_client" if app is None else "invalid_redirect_uri",
                error_description="Client authentication failed or the redirect URI is invalid.",
            )
        scope = (req.arg("scope") or "read").split()
        params: dict[str, str] = {}
        if req.arg("response_type") != "code":
            params["error"] = "unsupported_response_type"
        elif not set(scope) <= set(app["scopes"]):
            params["error"] = "invalid_scope"
            params["error_description"] = "The requested scope is invalid, unknown, or malformed."
        elif self.deny_authorization:
            params["error"] = "access_denied"
            params["error_description"] = (
                "The resource owner or authorization server denied the request."
            )
        else:
            account = self.account_by_username(self.authorize_as)
            if account is None:
                account = self.add_account(self.authorize_as)
            code = secrets.token_urlsafe(32)
            self.codes[code] = {
                "client_id": app["client_id"],
                "redirect_uri": redirect_uri,
                "scopes": scope,
                "account_id": account["id"],
                "challenge": req.arg("code_challenge"),
                "challenge_method": req.arg("code_challenge_method") or "plain",
                "expires": self.clock() + 600,
            }
            params["code"] = code
        if req.arg("state") is not None:
            params["state"] = req.arg("state") or ""
        joiner = "&" if "?" in redirect_uri else "?"
        return ApiResponse(302, None, {"Location": f"{redirect_uri}{joiner}{urlencode(params)}"})

    def obtain_token(self, req: ApiRequest) -> ApiResponse:
        app = self.apps.get(req.one("client_id") or "")
        if app is None or not secrets.compare_digest(
            app["client_secret"], req.one("client_secret") or ""
        ):
            raise ApiError(
                401,
                "invalid_client",
                error_description=(
                    "Client authentication failed due to unknown client, no client "
                    "authentication included, or unsupported authentication method."
                ),
            )
        grant = req.one("grant_type")
        invalid_grant = ApiError(
            400,
            "invalid_grant",
            error_description=fixture("error_oauth_invalid_grant.json")["error_description"],
        )
        if grant == "client_credentials":
            account_id, scopes = None, (req.one("scope") or "read").split()
        elif grant == "authorization_code":
            code = self.codes.pop(req.one("code") or "", None)
            if (
                code is None
                or code["client_id"] != app["client_id"]
                or code["redirect_uri"] != req.one("redirect_uri")
                or code["expires"] < self.clock()
            ):
                raise invalid_grant
            if code["challenge"]:
                verifier = (req.one("code_verifier") or "").encode("ascii")
                if code["challenge_method"] == "S256":
                    digest = hashlib.sha256(verifier).digest()
                    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                else:
                    computed = verifier.decode()
                if computed != code["challenge"]:
                    raise invalid_grant
            account_id, scopes = code["account_id"], code["scopes"]
        else:
            raise ApiError(400, "unsupported_grant_type")
        token = fixture("token.json")
        token.update(
            access_token=secrets.token_urlsafe(32),
            scope=" ".join(scopes),
            created_at=int(self.clock()),
        )
        self.tokens[token["access_token"]] = {
            "account_id": account_id,
            "client_id": app["client_id"],
            "scopes": scopes,
            "created_at": token["created_at"],
        }
        return ApiResponse(200, token)

    # --- instance (https://docs.joinmastodon.org/methods/instance/) -----------------------

    def instance_v2_info(self, req: ApiRequest) -> ApiResponse:
        if not self.instance_v2:
            raise ApiError(404)
        info = fixture("instance_v2.json")
        info["domain"] = self.domain
        statuses = info["configuration"]["statuses"]
        statuses["max_characters"] = self.max_characters
        statuses["characters_reserved_per_url"] = self.characters_reserved_per_url
        statuses["max_media_attachments"] = self.max_media_attachments
        return ApiResponse(200, info)

    def instance_v1_info(self, req: ApiRequest) -> ApiResponse:
        info = fixture("instance_v1.json")
        info["uri"] = self.domain
        statuses = info["configuration"]["statuses"]
        statuses["max_characters"] = self.max_characters
        statuses["characters_reserved_per_url"] = self.characters_reserved_per_url
        statuses["max_media_attachments"] = self.max_media_attachments
        return ApiResponse(200, info)

    # --- accounts (https://docs.joinmastodon.org/methods/accounts/) -----------------------

    def verify_credentials(self, req: ApiRequest) -> ApiResponse:
        record = self._token(req, "read:accounts")
        return ApiResponse(200, copy.deepcopy(self.accounts[record["account_id"]]))

    def lookup_account(self, req: ApiRequest) -> ApiResponse:
        username, _, domain = (req.arg("acct") or "").lstrip("@").partition("@")
        account = self.account_by_username(username)
        if account is None or domain not in ("", self.domain):
            raise ApiError(404)
        return ApiResponse(200, self.public_account(account["id"]))

    def get_account(self, req: ApiRequest, account_id: str) -> ApiResponse:
        if account_id not in self.accounts:
            raise ApiError(404)
        return ApiResponse(200, self.public_account(account_id))

    def account_statuses(self, req: ApiRequest, account_id: str) -> ApiResponse:
        if account_id not in self.accounts:
            raise ApiError(404)
        viewer = self._viewer(req)
        chosen = [
            s
            for s in self.statuses
            if s["account"]["id"] == account_id
            and (s["visibility"] in ("public", "unlisted") or viewer == account_id)
            and not (
                req.arg("exclude_replies") == "true"
                and s["in_reply_to_account_id"] not in (None, account_id)
            )
        ]
        return self._page(req, chosen, f"/api/v1/accounts/{account_id}/statuses")

    def tag_timeline(self, req: ApiRequest, tag: str) -> ApiResponse:
        name = tag.lower()
        chosen = [
            s
            for s in self.statuses
            if s["visibility"] == "public" and any(t["name"] == name for t in s["tags"])
        ]
        return self._page(req, chosen, f"/api/v1/timelines/tag/{tag}")

    def _page(self, req: ApiRequest, statuses: list[dict[str, Any]], path: str) -> ApiResponse:
        """Newest first, ``max_id`` / ``since_id`` / ``min_id`` / ``limit`` (default 20, at
        most 40), with the Link header Mastodon sends for paging."""
        try:
            limit = min(max(int(req.arg("limit") or 20), 1), 40)
        except ValueError:
            limit = 20
        chosen = sorted(statuses, key=lambda s: int(s["id"]), reverse=True)
        if req.arg("max_id"):
            chosen = [s for s in chosen if int(s["id"]) < int(req.arg("max_id") or 0)]
        if req.arg("since_id"):
            chosen = [s for s in chosen if int(s["id"]) > int(req.arg("since_id") or 0)]
        if req.arg("min_id"):
            newer = [s for s in chosen if int(s["id"]) > int(req.arg("min_id") or 0)]
            chosen = newer[-limit:]
        page = copy.deepcopy(chosen[:limit])
        headers = {}
        if page:
            base = f"{self.base_url}{path}"
            headers["Link"] = (
                f'<{base}?{urlencode({"limit": limit, "max_id": page[-1]["id"]})}>; rel="next", '
                f'<{base}?{urlencode({"limit": limit, "min_id": page[0]["id"]})}>; rel="prev"'
            )
        return ApiResponse(200, page, headers)

    # --- media (https://docs.joinmastodon.org/methods/media/) -----------------------------

    def upload_media(self, req: ApiRequest, *, synchronous: bool = False) -> ApiResponse:
        record = self._token(req, "write:media")
        if "file" not in req.files:
            raise ApiError(422, "Validation failed: File can't be blank")
        filename, mime, data = req.files["file"]
        supported = fixture("instance_v2.json")["configuration"]["media_attachments"]
        if mime not in supported["supported_mime_types"] or not data:
            raise ApiError(422, fixture("error_422_media.json")["error"])
        if len(data) > supported["image_size_limit"]:
            raise ApiError(422, "Validation failed: File file size must be less than 16 MB")
        description = req.one("description") or None
        if description and len(description) > supported["description_limit"]:
            raise ApiError(
                422, "Validation failed: Description is too long (maximum is 1500 characters)"
            )
        media_id = self.new_id()
        kind = mime.split("/")[0]
        entity = fixture("media_attachment.json")
        name = secrets.token_hex(8)
        extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        files = f"{self.base_url}/system/media_attachments/files/{media_id}"
        entity.update(
            id=media_id,
            type=kind if kind in ("image", "video", "audio") else "unknown",
            url=f"{files}/original/{name}.{extension}",
            preview_url=f"{files}/small/{name}.{extension}",
            text_url=None,
            description=description,
        )
        pending = self.media_async and not synchronous
        self.media[media_id] = {
            "entity": entity,
            "account_id": record["account_id"],
            "polls_left": self.media_processing_polls if pending else 0,
            "status_id": None,
            "size": len(data),
        }
        shown = copy.deepcopy(entity)
        if pending and self.media_processing_polls > 0:
            shown["url"] = None
            return ApiResponse(202, shown)
        return ApiResponse(200, shown)

    def upload_media_v1(self, req: ApiRequest) -> ApiResponse:
        return self.upload_media(req, synchronous=True)

    def get_media(self, req: ApiRequest, media_id: str) -> ApiResponse:
        record = self._token(req, "write:media")
        media = self.media.get(media_id)
        if media is None or media["account_id"] != record["account_id"]:
            raise ApiError(404)
        shown = copy.deepcopy(media["entity"])
        if media["polls_left"] > 0:
            media["polls_left"] -= 1
            shown["url"] = None
            return ApiResponse(206, shown)
        return ApiResponse(200, shown)

    # --- statuses (https://docs.joinmastodon.org/methods/statuses/) -----------------------

    def create_status(self, req: ApiRequest) -> ApiResponse:
        record = self._token(req, "write:statuses")
        account = self.accounts[record["account_id"]]
        key = req.headers.get("idempotency-key")
        slot = f"{account['id']}:{key}"
        if key:
            seen = self.idempotency.get(slot)
            if seen and self.clock() - seen["at"] < self.idempotency_window:
                existing = self.status(seen["status_id"])
                if existing is not None:
                    return ApiResponse(200, copy.deepcopy(existing))
        text = req.one("status") or ""
        media_ids = req.form.get("media_ids[]", []) + req.form.get("media_ids", [])
        if not text.strip() and not media_ids:
            raise ApiError(422, "Validation failed: Text can't be blank")
        if count_characters(text, self.characters_reserved_per_url) > self.max_characters:
            raise ApiError(
                422, f"Validation failed: Text character limit of {self.max_characters} exceeded"
            )
        if len(media_ids) > self.max_media_attachments:
            raise ApiError(422, f"Cannot attach more than {self.max_media_attachments} files")
        media = [
            self.media[m]
            for m in media_ids
            if m in self.media
            and self.media[m]["account_id"] == account["id"]
            and self.media[m]["status_id"] is None
        ]
        if any(m["polls_left"] > 0 for m in media):
            raise ApiError(
                422, "Cannot attach files that have not finished processing. Try again in a moment!"
            )
        parent = None
        if req.one("in_reply_to_id"):
            parent = self.status(req.one("in_reply_to_id") or "")
            if parent is None:
                raise ApiError(404)
        visibility = req.one("visibility") or account["source"]["privacy"]
        if visibility not in ("public", "unlisted", "private", "direct"):
            raise ApiError(422, "Validation failed: Visibility is not included in the list")
        status = self._new_status(
            account, text, visibility=visibility, parent=parent, media=media, req=req
        )
        if key:
            self.idempotency[slot] = {"status_id": status["id"], "at": self.clock()}
        return ApiResponse(200, copy.deepcopy(status))

    def _new_status(
        self,
        account: dict[str, Any],
        text: str,
        *,
        visibility: str,
        parent: dict[str, Any] | None,
        media: list[dict[str, Any]],
        req: ApiRequest,
    ) -> dict[str, Any]:
        status_id = self.new_id()
        content, tags, mentions = render(
            text, base_url=self.base_url, domain=self.domain, resolve=self.account_by_username
        )
        status: dict[str, Any] = fixture("status.json")
        status.update(
            id=status_id,
            created_at=iso_ms(datetime.fromtimestamp(self.clock(), UTC)),
            in_reply_to_id=parent["id"] if parent else None,
            in_reply_to_account_id=parent["account"]["id"] if parent else None,
            sensitive=req.one("sensitive") in ("true", "1"),
            spoiler_text=req.one("spoiler_text") or "",
            visibility=visibility,
            language=req.one("language") or account["source"]["language"],
            uri=f"{self.base_url}/users/{account['username']}/statuses/{status_id}",
            url=f"{self.base_url}/@{account['username']}/{status_id}",
            content=content,
            account=self.public_account(account["id"]),
            media_attachments=[copy.deepcopy(m["entity"]) for m in media],
            mentions=mentions,
            tags=tags,
        )
        for item in media:
            item["status_id"] = status_id
        if parent:
            parent["replies_count"] += 1
        account["statuses_count"] += 1
        account["last_status_at"] = status["created_at"][:10]
        self.statuses.append(status)
        self.sources[status_id] = text
        return status

    # https://docs.joinmastodon.org/methods/search/#v2: a URL query finds the status with that
    # address (url or uri); with resolve=true (a user token needed) a remote one is fetched.
    def search(self, req: ApiRequest) -> ApiResponse:
        query = (req.arg("q") or "").strip()
        resolve = req.arg("resolve") == "true"
        if resolve:
            self._token(req, "read:search")
        found = [s for s in self.statuses if query in (s["url"], s["uri"])]
        if not found and resolve and query in self.remote:
            text, username = self.remote[query]
            author = self.account_by_username(username) or self.add_account(username)
            status = self._new_status(
                author, text, visibility="public", parent=None, media=[], req=req
            )
            status.update(url=query, uri=query)
            found = [status]
        body = {"accounts": [], "statuses": [copy.deepcopy(s) for s in found[:1]], "hashtags": []}
        return ApiResponse(200, body)

    def get_status(self, req: ApiRequest, status_id: str) -> ApiResponse:
        status = self.status(status_id)
        viewer = self._viewer(req)
        if status is None or (
            status["visibility"] in ("private", "direct") and viewer != status["account"]["id"]
        ):
            raise ApiError(404)
        return ApiResponse(200, copy.deepcopy(status))

    def delete_status(self, req: ApiRequest, status_id: str) -> ApiResponse:
        record = self._token(req, "write:statuses")
        status = self.status(status_id)
        if status is None or status["account"]["id"] != record["account_id"]:
            raise ApiError(404)
        self.statuses.remove(status)
        parent = self.status(status["in_reply_to_id"] or "")
        if parent:
            parent["replies_count"] = max(0, parent["replies_count"] - 1)
        self.accounts[record["account_id"]]["statuses_count"] -= 1
        # Delete-and-redraft: the answer carries the source text.
        return ApiResponse(200, {**copy.deepcopy(status), "text": self.sources.pop(status_id, "")})

    # --- rate limits (https://docs.joinmastodon.org/api/rate-limits/) ---------------------

    def reset_time(self, seconds: float) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC) + timedelta(seconds=seconds)


def route_pattern(path: str) -> re.Pattern[str]:
    """``/api/v1/statuses/:id`` -> a pattern with one group per ``:name`` segment."""
    parts = [r"([^/]+)" if part.startswith(":") else re.escape(part) for part in path.split("/")]
    return re.compile("/".join(parts))
