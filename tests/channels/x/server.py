"""A local X API v2 for tests: the documented endpoints on 127.0.0.1, with scripted failures.

In a test::

    server, base_url = start_server()
    access, refresh = server.issue_tokens()            # or go through /i/oauth2/authorize
    server.script("POST /2/tweets", [429, "hang_after_apply"])
    ...
    assert server.texts() == ["Hei!"]
    server.stop()

Both the authorize page (``/i/oauth2/authorize``, normally on x.com) and the API (normally on
api.x.com) are served from the one address. Answers follow the shapes in
kaiku/channels/x/fixtures/ (taken from docs.x.com), and behaviour follows the docs:

- OAuth 2.0 with PKCE: the authorize page consents at once as ``authorize_as`` and redirects
  with ``code`` and ``state``; the token endpoint checks the client (HTTP Basic for the
  confidential app, ``client_id`` in the form for a public one), the exact redirect URI and the
  S256 ``code_verifier``; refresh answers a new refresh token and retires the old one
  (``rotate_refresh``); access tokens expire after ``access_ttl`` seconds (then 401).
- Text by X's own rules, counted and parsed with twitter-text (the twitter-text-parser
  package, an implementation independent of Kaiku's): weighted length at most 280 (a link
  23, CJK and emoji 2, after NFC), and what it finds as a link, with or without a scheme, is
  what X turns into t.co.
- Posts: links become ``https://t.co/…`` with ``entities.urls``; ``&``, ``<``, ``>`` come back
  as HTML entities; attached media add a trailing ``pic.x.com`` t.co link; an author's repeat
  of a text is refused as duplicate content (403); a reply to someone else's post is refused
  unless that post mentions the replier or quotes one of its posts (``reply_restricted``).
- Media: the one-shot upload (images), the chunked initialize/append/finalize flow with
  processing polled through ``GET /2/media/upload?command=STATUS`` (``media_processing_polls``),
  and alt text through ``POST /2/media/metadata``.
- Who may call what (https://docs.x.com/fundamentals/authentication/guides/v2-authentication-mapping):
  reading (user lookup by username, a user's posts, recent search, a post by id) accepts an
  app-only bearer token (``issue_app_token``) or a user token with ``tweet.read`` and
  ``users.read``; posting, deleting, media and ``/2/users/me`` need a user token, and an
  app-only token gets X's 403 ``unsupported-authentication`` problem there.
- ``x-rate-limit-limit``, ``x-rate-limit-remaining`` and ``x-rate-limit-reset`` (epoch seconds)
  on every API answer; 429 with the documented body past ``rate_limit`` requests per token,
  route and 15 minutes.

The threads, the scripting and the record of requests come from tests/servers/base.py, shared
by every local server; what is this platform's is its answers.

``script(route, responses)`` makes the next requests to ``route`` ("METHOD /path", ``:id``
segments allowed) answer, in order, with: an int (that status and the documented body; nothing
applied; 429 comes with ``x-rate-limit-remaining: 0`` and a reset ``rate_reset`` s away; 401 as
an expired token), ``Reply(status, body, headers)``, ``"hang"`` (nothing applied, no answer until
the client gives up), ``"drop"`` (nothing applied, connection closed), ``"hang_after_apply"`` /
``"drop_after_apply"`` (the request IS applied, then no answer).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from twitter_text import extract_urls_with_indices, parse_tweet

from tests.servers.base import (
    Answer,
    Reply,
    Scripted,
    ScriptedHandler,
    ScriptedServer,
    colon_route,
    with_headers,
)
from tests.servers.wire import read_body

FIXTURES = Path(__file__).resolve().parents[3] / "kaiku" / "channels" / "x" / "fixtures"
CLIENT_ID = "a2Fpa3UtdGVzdC1hcHA6MTpjaQ"
CLIENT_SECRET = "kaiku-test-client-secret"
PUBLIC_CLIENT_ID = "a2Fpa3UtcHVibGljOjE6Y2k"
USER_ID = "1640023711223914496"
USERNAME = "toivonpolku"
ALL_SCOPES = "tweet.read tweet.write users.read offline.access media.write"
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
ONE_SHOT_TYPES = {"image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff"}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def error_body(status: int, route: str = "") -> dict[str, Any]:
    names = {401: "error_401.json", 404: "error_404.json", 429: "error_429.json"}
    names |= {500: "error_500.json", 503: "error_503.json"}
    if status in names:
        body: dict[str, Any] = fixture(names[status])
        return body
    titles = {400: "Invalid Request", 403: "Forbidden", 402: "Payment Required"}
    title = titles.get(status, f"HTTP {status}")
    return {"title": title, "type": "about:blank", "status": status, "detail": title}


def not_found(resource: str, parameter: str, value: str) -> dict[str, Any]:
    """X's partial-error body for a missing post or user (a lookup answers it with 200)."""
    body: dict[str, Any] = fixture("error_404.json")
    for item in body["errors"]:
        item.update(
            value=value,
            resource_id=value,
            resource_type=resource,
            parameter=parameter,
            detail=f"Could not find {resource} with {parameter}: [{value}].",
        )
    return body


route_pattern = colon_route


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    json: Any = None

    def arg(self, name: str) -> str:
        values = self.query.get(name)
        return values[0] if values else ""

    @property
    def bearer(self) -> str | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class ApiError(Exception):
    def __init__(self, status: int, body: Any = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body if body is not None else error_body(status)


class XServer(ScriptedServer["Request"]):
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(_Handler, host, port)
        self.clock: Callable[[], float] = time.time
        # Knobs tests may turn (and ``hang_seconds``).
        self.access_ttl = 7200
        self.rotate_refresh = True
        self.authorize_as = USERNAME
        self.deny_authorization = False
        self.reply_restricted = True
        self.duplicate_window = 86400.0
        self.media_processing_polls = 1
        self.rate_limit = 900
        self.rate_period = 900.0
        self.rate_reset = 60.0
        # State.
        self.clients: dict[str, str | None] = {CLIENT_ID: CLIENT_SECRET, PUBLIC_CLIENT_ID: None}
        self.users: dict[str, dict[str, str]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, dict[str, Any]] = {}
        self.refresh: dict[str, dict[str, Any]] = {}
        self.app_tokens: set[str] = set()
        self.tweets: list[dict[str, Any]] = []  # oldest first; internal fields start with "_"
        self.media: dict[str, dict[str, Any]] = {}
        self._buckets: dict[str, list[float]] = {}
        self._next_id = int(self.clock() * 1000 - 1288834974657) << 22
        self.add_user(USERNAME, "Toivon Polku ry", user_id=USER_ID)

    # --- the test-facing API ----------------------------------------------------------------

    def new_id(self) -> str:
        with self.lock:
            self._next_id += 1 << 12
            return str(self._next_id)

    def add_user(self, username: str, name: str = "", *, user_id: str = "") -> dict[str, str]:
        user = {"id": user_id or self.new_id(), "name": name or username, "username": username}
        with self.lock:
            self.users[user["id"]] = user
        return user

    def user(self, username: str) -> dict[str, str]:
        found = next((u for u in self.users.values() if u["username"] == username), None)
        return found or self.add_user(username)

    def issue_tokens(
        self, username: str = USERNAME, *, client_id: str = CLIENT_ID, ttl: float | None = None
    ) -> tuple[str, str]:
        """An access and a refresh token without the OAuth dance."""
        user = self.user(username)
        with self.lock:
            return self._issue(user["id"], client_id, ALL_SCOPES, ttl)

    def issue_app_token(self) -> str:
        """An app-only bearer token (OAuth 2.0 client credentials), as the developer portal
        shows it."""
        token = secrets.token_urlsafe(40)
        with self.lock:
            self.app_tokens.add(token)
        return token

    def expire_access_tokens(self) -> None:
        with self.lock:
            for grant in self.access.values():
                grant["expires_at"] = self.clock() - 1

    def add_tweet(self, username: str, text: str, *, quote_of: str | None = None) -> str:
        """A post by someone (for reply tests), made as if through the API."""
        user = self.user(username)
        with self.lock:
            return str(self._create(user["id"], text, None, [], quote_of)["id"])

    def texts(self) -> list[str]:
        """The texts of the posts as sent (one per post, duplicates included)."""
        with self.lock:
            return [str(t["_source"]) for t in self.tweets if t["author_id"] == USER_ID]

    def own_tweets(self) -> list[dict[str, Any]]:
        with self.lock:
            return [t for t in self.tweets if t["author_id"] == USER_ID]

    def rate_headers(self, key: str, *, exhausted: bool) -> tuple[dict[str, str], bool]:
        now = self.clock()
        with self.lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket[1] <= now:
                bucket = self._buckets[key] = [0, now + self.rate_period]
            bucket[0] += 1
            over = bucket[0] > self.rate_limit
            reset = int(bucket[1])
        if exhausted:
            reset = int(now + self.rate_reset)
        remaining = 0 if exhausted or over else self.rate_limit - int(bucket[0])
        headers = {
            "x-rate-limit-limit": str(self.rate_limit),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(reset),
        }
        return headers, over

    def error_answer(self, status: int, req: Request) -> Answer:
        return Answer(status, error_body(status))

    def reply_body(self, status: int, req: Request) -> Any:
        return error_body(status)

    def handle_api(self, req: Request) -> Answer:
        routes: list[tuple[str, str, Callable[..., Answer]]] = [
            ("GET", "/i/oauth2/authorize", self.authorize),
            ("POST", "/2/oauth2/token", self.token),
            ("GET", "/2/users/me", self.me),
            ("GET", "/2/users/by/username/:username", self.user_by_username),
            ("GET", "/2/tweets/search/recent", self.search_recent),
            ("GET", "/2/users/:id/tweets", self.user_tweets),
            ("POST", "/2/tweets", self.create_tweet),
            ("GET", "/2/tweets/:id", self.get_tweet),
            ("DELETE", "/2/tweets/:id", self.delete_tweet),
            ("POST", "/2/media/upload", self.upload_one_shot),
            ("GET", "/2/media/upload", self.media_status),
            ("POST", "/2/media/upload/initialize", self.upload_initialize),
            ("POST", "/2/media/upload/:id/append", self.upload_append),
            ("POST", "/2/media/upload/:id/finalize", self.upload_finalize),
            ("POST", "/2/media/metadata", self.media_metadata),
        ]
        for method, path, func in routes:
            match = route_pattern(path).fullmatch(req.path)
            if match and method == req.method:
                try:
                    with self.lock:
                        return func(req, *match.groups())
                except ApiError as exc:
                    return Answer(exc.status, exc.body)
        return Answer(404, error_body(404))

    # --- OAuth 2.0 ----------------------------------------------------------------------------

    def _issue(
        self, user_id: str, client_id: str, scope: str, ttl: float | None
    ) -> tuple[str, str]:
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        life = self.access_ttl if ttl is None else ttl
        self.access[access] = {
            "user_id": user_id,
            "client_id": client_id,
            "scope": scope.split(),
            "expires_at": self.clock() + life,
        }
        self.refresh[refresh] = {"user_id": user_id, "client_id": client_id, "scope": scope}
        return access, refresh

    def authorize(self, req: Request) -> Answer:
        """A consent page that consents at once (or, with ``deny_authorization``, refuses) and
        redirects back as X does: ``redirect_uri?state=…&code=…``."""
        client_id, redirect = req.arg("client_id"), req.arg("redirect_uri")
        if client_id not in self.clients or not redirect or req.arg("response_type") != "code":
            return Answer(400, {"error": "invalid_request"})
        if req.arg("code_challenge_method") != "S256" or not req.arg("code_challenge"):
            return Answer(400, {"error": "invalid_request", "error_description": "PKCE"})
        state = req.arg("state")
        if self.deny_authorization:
            query = {"error": "access_denied", "state": state}
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {
                "client_id": client_id,
                "redirect_uri": redirect,
                "challenge": req.arg("code_challenge"),
                "scope": req.arg("scope"),
                "user_id": self.user(self.authorize_as)["id"],
            }
            query = {"state": state, "code": code}
        sep = "&" if "?" in redirect else "?"
        return Answer(302, None, {"Location": f"{redirect}{sep}{urlencode(query)}"})

    def _client(self, req: Request) -> str:
        """The authenticated client: HTTP Basic for a confidential one, ``client_id`` for a
        public one."""
        scheme, _, value = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            client_id, _, secret = base64.b64decode(value).decode().partition(":")
            if self.clients.get(client_id) is None or self.clients[client_id] != secret:
                raise ApiError(401, {"error": "invalid_client"})
            return client_id
        client_id = req.form.get("client_id", "")
        if client_id not in self.clients:
            raise ApiError(401, {"error": "invalid_client"})
        if self.clients[client_id] is not None:  # a confidential client must authenticate
            raise ApiError(401, {"error": "unauthorized_client"})
        return client_id

    def token(self, req: Request) -> Answer:
        client_id = self._client(req)
        invalid = ApiError(400, fixture("error_oauth_invalid_token.json"))
        grant = req.form.get("grant_type")
        if grant == "authorization_code":
            code = self.codes.pop(req.form.get("code", ""), None)
            if code is None or code["client_id"] != client_id:
                raise invalid
            if code["redirect_uri"] != req.form.get("redirect_uri"):
                raise invalid
            verifier = req.form.get("code_verifier", "").encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if challenge.decode() != code["challenge"]:
                raise invalid
            user_id, scope = code["user_id"], code["scope"]
        elif grant == "refresh_token":
            old = req.form.get("refresh_token", "")
            held = self.refresh.get(old)
            if held is None or held["client_id"] != client_id:
                raise invalid
            if self.rotate_refresh:
                del self.refresh[old]
            user_id, scope = held["user_id"], held["scope"]
        else:
            raise ApiError(400, {"error": "unsupported_grant_type"})
        access, refresh = self._issue(user_id, client_id, scope, None)
        body: dict[str, Any] = fixture("token.json")
        body.update(access_token=access, expires_in=self.access_ttl, scope=scope)
        if "offline.access" in scope.split():
            body["refresh_token"] = refresh
        else:
            body.pop("refresh_token")
            self.refresh.pop(refresh)
        return Answer(200, body)

    def _user_of(self, req: Request, scope: str = "") -> dict[str, str]:
        """The user a user-context token acts for; an app-only token is refused here as X
        refuses it on user-context endpoints."""
        if req.bearer in self.app_tokens:
            raise ApiError(403, fixture("error_403_app_only.json"))
        grant = self.access.get(req.bearer or "")
        if grant is None or grant["expires_at"] <= self.clock():
            raise ApiError(401)
        if scope and scope not in grant["scope"]:
            raise ApiError(
                403,
                {
                    "title": "Forbidden",
                    "type": "about:blank",
                    "status": 403,
                    "detail": f"Missing scope {scope}",
                },
            )
        return self.users[grant["user_id"]]

    def _reader(self, req: Request) -> None:
        """A read endpoint: an app-only token, or a user token with tweet.read and users.read
        (the scopes the authentication mapping lists for lookup, timelines and search)."""
        if req.bearer in self.app_tokens:
            return
        self._user_of(req, "tweet.read")
        self._user_of(req, "users.read")

    # --- users and posts ----------------------------------------------------------------------

    def me(self, req: Request) -> Answer:
        user = self._user_of(req, "users.read")
        body = fixture("users_me.json")
        body["data"] = dict(user)
        return Answer(200, body)

    def _render(self, tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": tweet["id"],
            "text": tweet["text"],
            "edit_history_tweet_ids": [tweet["id"]],
        }
        for name in ("author_id", "created_at", "conversation_id", "public_metrics"):
            if name in fields:
                out[name] = tweet[name]
        if "referenced_tweets" in fields and tweet["_refs"]:
            out["referenced_tweets"] = tweet["_refs"]
        if "entities" in fields and (tweet["_urls"] or tweet["_mentions"]):
            out["entities"] = {}
            if tweet["_urls"]:
                out["entities"]["urls"] = tweet["_urls"]
            if tweet["_mentions"]:
                out["entities"]["mentions"] = tweet["_mentions"]
        if "attachments" in fields and tweet["_media"]:
            out["attachments"] = {
                "media_keys": [self.media[m]["media_key"] for m in tweet["_media"]]
            }
        return out

    def _create(
        self, author: str, text: str, reply_to: str | None, media: list[str], quote_of: str | None
    ) -> dict[str, Any]:
        tweet_id = self.new_id()
        shown, urls = self._shorten(text)
        for media_id in media[:1]:
            link = f"https://t.co/{secrets.token_hex(5)}"
            start = len(shown) + 1
            shown = f"{shown} {link}"
            username = self.users[author]["username"]
            urls.append(
                {
                    "start": start,
                    "end": start + len(link),
                    "url": link,
                    "expanded_url": f"https://x.com/{username}/status/{tweet_id}/photo/1",
                    "display_url": f"pic.x.com/{link.rsplit('/', 1)[1]}",
                    "media_key": self.media[media_id]["media_key"],
                }
            )
        refs = []
        if reply_to:
            refs.append({"type": "replied_to", "id": reply_to})
        if quote_of:
            refs.append({"type": "quoted", "id": quote_of})
        parent = next((t for t in self.tweets if t["id"] == reply_to), None)
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "text": shown,
            "author_id": author,
            "created_at": datetime.fromtimestamp(self.clock(), UTC).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            ),
            "conversation_id": parent["conversation_id"] if parent else tweet_id,
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
            },
            "_source": text,
            "_at": self.clock(),
            "_refs": refs,
            "_urls": urls,
            "_mentions": [
                {"start": m.start(), "end": m.end(), "username": m.group(1)}
                for m in _MENTION.finditer(shown)
            ],
            "_media": list(media),
        }
        self.tweets.append(tweet)
        if parent:
            parent["public_metrics"]["reply_count"] += 1
        return tweet

    @staticmethod
    def _shorten(text: str) -> tuple[str, list[dict[str, Any]]]:
        """Links to t.co (with entities), then & < > as HTML entities, as X shows a post."""
        out, urls, last = "", [], 0
        for found in extract_urls_with_indices(text):
            start, end = found["indices"]
            url = text[start:end]
            expanded = url if "://" in url else f"http://{url}"
            out += html.escape(text[last:start], quote=False)
            link = f"https://t.co/{hashlib.sha256(expanded.encode()).hexdigest()[:10]}"
            display = expanded.split("://", 1)[1]
            urls.append(
                {
                    "start": len(out),
                    "end": len(out) + len(link),
                    "url": link,
                    "expanded_url": expanded,
                    "display_url": display[:26] + ("…" if len(display) > 26 else ""),
                }
            )
            out += link
            last = end
        return out + html.escape(text[last:], quote=False), urls

    def create_tweet(self, req: Request) -> Answer:
        user = self._user_of(req, "tweet.write")
        body = req.json if isinstance(req.json, dict) else {}
        text = body.get("text")
        media = (body.get("media") or {}).get("media_ids") or []
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if not isinstance(text, str) or (not text and not media):
            raise ApiError(400, error_body(400))
        if parse_tweet(text).weightedLength > 280:
            raise ApiError(400, fixture("error_400_too_long.json"))
        now = self.clock()
        for earlier in self.tweets:
            if (
                earlier["author_id"] == user["id"]
                and earlier["_source"] == text
                and now - earlier["_at"] < self.duplicate_window
            ):
                raise ApiError(403, fixture("error_403_duplicate.json"))
        if reply_to:
            parent = next((t for t in self.tweets if t["id"] == reply_to), None)
            if parent is None:
                raise ApiError(400, error_body(400))
            if self.reply_restricted and not self._summoned(parent, user):
                raise ApiError(403, fixture("error_403_reply.json"))
        for media_id in media:
            item = self.media.get(str(media_id))
            if item is None or item["owner"] != user["id"] or item["state"] != "succeeded":
                raise ApiError(400, error_body(400))
        tweet = self._create(user["id"], text, reply_to, [str(m) for m in media], None)
        answer = fixture("tweet_create.json")
        answer["data"] = {
            "id": tweet["id"],
            "text": tweet["text"],
            "edit_history_tweet_ids": [tweet["id"]],
        }
        return Answer(201, answer)

    def _summoned(self, parent: dict[str, Any], user: dict[str, str]) -> bool:
        if parent["author_id"] == user["id"]:
            return True
        if any(m["username"].lower() == user["username"].lower() for m in parent["_mentions"]):
            return True
        quoted = [r["id"] for r in parent["_refs"] if r["type"] == "quoted"]
        return any(t["id"] in quoted and t["author_id"] == user["id"] for t in self.tweets)

    def get_tweet(self, req: Request, tweet_id: str) -> Answer:
        self._reader(req)
        tweet = next((t for t in self.tweets if t["id"] == tweet_id), None)
        fields = set(req.arg("tweet.fields").split(","))
        if tweet is None:
            # A lookup of a missing post answers 200 with only "errors" (partial errors,
            # https://docs.x.com/x-api/fundamentals/response-codes-and-errors#partial-errors).
            return Answer(200, not_found("tweet", "id", tweet_id))
        out: dict[str, Any] = {"data": self._render(tweet, fields)}
        if "referenced_tweets.id" in req.arg("expansions").split(","):
            ids = {r["id"] for r in tweet["_refs"]}
            included = [
                self._render(t, fields | {"author_id"}) for t in self.tweets if t["id"] in ids
            ]
            if included:
                out["includes"] = {"tweets": included}
        return Answer(200, out)

    def delete_tweet(self, req: Request, tweet_id: str) -> Answer:
        user = self._user_of(req, "tweet.write")
        tweet = next((t for t in self.tweets if t["id"] == tweet_id), None)
        if tweet is None:
            raise ApiError(404, error_body(404))
        if tweet["author_id"] != user["id"]:
            raise ApiError(403, error_body(403))
        self.tweets.remove(tweet)
        return Answer(200, fixture("tweet_delete.json"))

    def user_by_username(self, req: Request, username: str) -> Answer:
        # https://docs.x.com/x-api/users/get-user-by-username: an unknown name answers 200
        # with only "errors" (partial errors).
        self._reader(req)
        user = next(
            (u for u in self.users.values() if u["username"].lower() == username.lower()), None
        )
        if user is None:
            return Answer(200, not_found("user", "username", username))
        return Answer(200, {"data": dict(user)})

    def search_recent(self, req: Request) -> Answer:
        # https://docs.x.com/x-api/posts/search-recent-posts: ``query`` (1..512 characters),
        # ``max_results`` 10..100, ``since_id``; ``expansions=author_id`` adds the authors
        # under ``includes.users``. Terms are ANDed; a quoted phrase or an operator is more
        # than this server needs: each word must appear in the text, case-insensitively.
        self._reader(req)
        query = req.arg("query")
        size = int(req.arg("max_results") or 10)
        if not query or len(query) > 512 or not 10 <= size <= 100:
            raise ApiError(400, error_body(400))
        words = query.lower().split()
        since = int(req.arg("since_id") or 0)
        found = [
            t
            for t in reversed(self.tweets)
            if int(t["id"]) > since and all(w in str(t["_source"]).lower() for w in words)
        ][:size]
        fields = set(req.arg("tweet.fields").split(","))
        meta: dict[str, Any] = {"result_count": len(found)}
        if not found:
            return Answer(200, {"meta": meta})
        meta.update(newest_id=found[0]["id"], oldest_id=found[-1]["id"])
        body: dict[str, Any] = {"data": [self._render(t, fields) for t in found], "meta": meta}
        if "author_id" in req.arg("expansions").split(","):
            authors = {t["author_id"] for t in found}
            body["includes"] = {"users": [dict(self.users[a]) for a in sorted(authors)]}
        return Answer(200, body)

    def user_tweets(self, req: Request, user_id: str) -> Answer:
        self._reader(req)
        if user_id not in self.users:
            raise ApiError(404, error_body(404))
        size = int(req.arg("max_results") or 10)
        if not 5 <= size <= 100:
            raise ApiError(400, error_body(400))
        since = req.arg("start_time")
        start = datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp() if since else 0
        after = int(req.arg("since_id") or 0)
        mine = [
            t
            for t in reversed(self.tweets)
            if t["author_id"] == user_id and t["_at"] >= start and int(t["id"]) > after
        ]
        offset = int(base64.urlsafe_b64decode(req.arg("pagination_token") or "MA==").decode())
        page = mine[offset : offset + size]
        fields = set(req.arg("tweet.fields").split(","))
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if offset + size < len(mine):
            meta["next_token"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        body: dict[str, Any] = {"meta": meta}
        if page:
            body = {"data": [self._render(t, fields) for t in page], "meta": meta}
        return Answer(200, body)

    # --- media --------------------------------------------------------------------------------

    def _new_media(self, owner: str, kind: str, size: int, category: str) -> dict[str, Any]:
        media_id = self.new_id()
        prefix = "16" if category == "tweet_gif" else "3"
        item = {
            "id": media_id,
            "media_key": f"{prefix}_{media_id}",
            "owner": owner,
            "type": kind,
            "size": size,
            "category": category,
            "state": "succeeded",
            "polls": 0,
            "chunks": {},
            "alt": None,
        }
        self.media[media_id] = item
        return item

    def _media_answer(self, item: dict[str, Any], template: str) -> dict[str, Any]:
        body: dict[str, Any] = fixture(template)
        data = body["data"]
        data.update(id=item["id"], media_key=item["media_key"])
        if "size" in data:
            data["size"] = item["size"]
        data.pop("processing_info", None)
        if item["state"] in ("pending", "in_progress"):
            data["processing_info"] = {"state": item["state"], "check_after_secs": 1}
        elif item["category"] == "tweet_gif" and template != "media_upload.json":
            data["processing_info"] = {"state": item["state"], "progress_percent": 100}
        return body

    def upload_one_shot(self, req: Request) -> Answer:
        user = self._user_of(req, "media.write")
        upload = req.files.get("media")
        category = req.form.get("media_category", "")
        kind = req.form.get("media_type") or (upload[1] if upload else "")
        if upload is None or category not in ("tweet_image", "dm_image", "subtitles"):
            raise ApiError(400, error_body(400))
        if kind not in ONE_SHOT_TYPES or len(upload[2]) > 5 * 1024 * 1024:
            raise ApiError(400, error_body(400))
        item = self._new_media(user["id"], kind, len(upload[2]), category)
        return Answer(200, self._media_answer(item, "media_upload.json"))

    def upload_initialize(self, req: Request) -> Answer:
        user = self._user_of(req, "media.write")
        body = req.json if isinstance(req.json, dict) else {}
        total, kind = body.get("total_bytes"), body.get("media_type")
        if not isinstance(total, int) or not isinstance(kind, str):
            raise ApiError(400, error_body(400))
        item = self._new_media(user["id"], kind, total, str(body.get("media_category") or ""))
        item["state"] = "uploading"
        return Answer(200, self._media_answer(item, "media_initialize.json"))

    def upload_append(self, req: Request, media_id: str) -> Answer:
        user = self._user_of(req, "media.write")
        item = self.media.get(media_id)
        upload = req.files.get("media")
        index = req.form.get("segment_index", "")
        if item is None or item["owner"] != user["id"] or upload is None or not index.isdigit():
            raise ApiError(400, error_body(400))
        item["chunks"][int(index)] = upload[2]
        return Answer(200, {"data": {"expires_at": int(self.clock()) + 86400}})

    def upload_finalize(self, req: Request, media_id: str) -> Answer:
        user = self._user_of(req, "media.write")
        item = self.media.get(media_id)
        if item is None or item["owner"] != user["id"]:
            raise ApiError(400, error_body(400))
        size = sum(len(c) for c in item["chunks"].values())
        if size != item["size"]:
            raise ApiError(400, error_body(400))
        item["state"] = "pending" if self.media_processing_polls > 0 else "succeeded"
        return Answer(200, self._media_answer(item, "media_finalize.json"))

    def media_status(self, req: Request) -> Answer:
        user = self._user_of(req, "media.write")
        item = self.media.get(req.arg("media_id"))
        if item is None or item["owner"] != user["id"]:
            raise ApiError(404, error_body(404))
        if item["state"] in ("pending", "in_progress"):
            item["polls"] += 1
            item["state"] = (
                "succeeded" if item["polls"] >= self.media_processing_polls else "in_progress"
            )
        return Answer(200, self._media_answer(item, "media_finalize.json"))

    def media_metadata(self, req: Request) -> Answer:
        user = self._user_of(req, "media.write")
        body = req.json if isinstance(req.json, dict) else {}
        item = self.media.get(str(body.get("id")))
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if item is None or item["owner"] != user["id"] or not isinstance(alt, str):
            raise ApiError(400, error_body(400))
        if len(alt) > 1000:
            raise ApiError(400, error_body(400))
        item["alt"] = alt
        answer = fixture("media_metadata.json")
        answer["data"].update(id=item["id"], associated_metadata={"alt_text": {"text": alt}})
        return Answer(200, answer)


def start_server(**knobs: Any) -> tuple[XServer, str]:
    """A running server on a free loopback port; ``knobs`` set XServer attributes."""
    server = XServer()
    for name, value in knobs.items():
        if not hasattr(server, name) or name.startswith("_"):
            raise TypeError(f"unknown knob {name!r}")
        setattr(server, name, value)
    server.start()
    return server, server.base_url


# --- the wire ----------------------------------------------------------------------------------


def _multipart(
    body: bytes, content_type: str
) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    )
    form: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, part.get_content_type(), payload)
        else:
            form[name] = payload.decode("utf-8")
    return form, files


class _Handler(ScriptedHandler):
    server: XServer
    server_version = "tsa_b"  # what api.x.com calls itself
    sys_version = ""

    def read_request(self) -> Request | None:
        parts = urlsplit(self.path)
        raw = read_body(self)
        content_type = self.headers.get("Content-Type", "")
        req = Request(
            method=self.command,
            path=parts.path.rstrip("/") or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        if content_type.startswith("application/x-www-form-urlencoded"):
            req.form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        elif content_type.startswith("multipart/form-data"):
            req.form, req.files = _multipart(raw, content_type)
        elif content_type.startswith("application/json") and raw:
            try:
                req.json = json.loads(raw)
            except ValueError:
                self.send_answer(Answer(400, error_body(400)))
                return None
        return req

    def answer(self, req: Request, scripted: Scripted | None) -> Answer:
        """X's rate-limit headers on every API answer, a scripted one too; 429 past the limit."""
        api = req.path.startswith("/2/") and req.path != "/2/oauth2/token"
        exhausted = scripted == 429 or (isinstance(scripted, Reply) and scripted.status == 429)
        key = f"{req.bearer or self.client_address[0]} {req.method} {req.path}"
        rate, over = self.server.rate_headers(key, exhausted=exhausted) if api else ({}, False)
        if over and not isinstance(scripted, int | Reply):
            return with_headers(Answer(429, error_body(429)), rate)
        return with_headers(super().answer(req, scripted), rate)
