"""A small synchronous X API v2 client on httpx: OAuth 2.0 with PKCE, posts, media, reading.

Responses become the dataclasses of models.py; every failure becomes a ``ChannelError`` whose
``Failure`` tells the publishing engine what to do next. The base URLs default to X's and are
overridable (the local test server in tests/channels/x/server.py answers the same paths).

API reference: https://docs.x.com/x-api/introduction
Errors: https://docs.x.com/x-api/fundamentals/response-codes-and-errors
Rate limits: https://docs.x.com/x-api/fundamentals/rate-limits (``x-rate-limit-limit``,
``x-rate-limit-remaining``, ``x-rate-limit-reset`` in UTC epoch seconds; 429 when exceeded)
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from kaiku import http
from kaiku.channels import transport
from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.x.models import (
    Media,
    RateLimit,
    TimelinePage,
    Token,
    Tweet,
    TweetLookup,
    XUser,
    bad_response,
    parse_deleted,
    parse_lookup,
    parse_media,
    parse_problem,
    parse_timeline,
    parse_token,
    parse_tweet,
    parse_user,
)

API_URL = "https://api.x.com"
AUTH_URL = "https://x.com"
# https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code#scopes
# tweet.read + users.read: read the account and its posts (reconcile, metrics); tweet.write:
# post and delete; media.write: upload images; offline.access: a refresh token, without
# which the connection ends when the two-hour access token does.
SCOPES = "tweet.read tweet.write users.read offline.access media.write"
# GET /2/users/:id/tweets: "max_results" 5..100.
MAX_PAGE = 100
MIN_PAGE = 5
# Chunked upload: APPEND takes at most 5 MB per segment; 4 MiB leaves room for the form.
CHUNK = 4 * 1024 * 1024
# The one-shot upload's media_type enum (MediaUploadRequestOneShot in X's OpenAPI document):
# image/jpeg, image/bmp, image/png, image/webp, image/pjpeg, image/tiff. GIF is not among them,
# so GIFs go through the chunked flow with media_category tweet_gif.
ONE_SHOT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff"})

# 403 texts (Problem ``detail``) that say what is wrong with the post, not with the token.
DUPLICATE_MARKER = "duplicate content"
REPLY_MARKERS = ("only reply to or quote", "summoned", "where you are mentioned")


# --- errors at the edge -----------------------------------------------------------------------


def rate_limit_from(headers: httpx.Headers) -> RateLimit:
    return RateLimit(
        limit=transport.header_int(headers, "x-rate-limit-limit"),
        remaining=transport.header_int(headers, "x-rate-limit-remaining"),
        reset=transport.header_int(headers, "x-rate-limit-reset"),
    )


def retry_after_from(headers: httpx.Headers) -> float | None:
    """Seconds to wait: ``x-rate-limit-reset`` (epoch seconds) against the server's Date (the
    reset is in X's clock), else Retry-After in seconds."""
    reset = transport.header_int(headers, "x-rate-limit-reset")
    if reset is not None:
        return max(0.0, reset - transport.server_now(headers).timestamp())
    return transport.retry_after(headers.get("retry-after", ""), http_date=False)


def error_text(response: httpx.Response) -> tuple[str, str]:
    """(problem type, words) of an error answer, or the start of whatever came instead."""
    try:
        problem = parse_problem(response.json())
    except ValueError:
        problem = None
    if problem is None:
        return "", f"HTTP {response.status_code}: {response.text[:200]}".strip()
    return problem.type, problem.text


def error_from_response(
    response: httpx.Response, *, unsafe: bool = False, refused: str = "invalid"
) -> ChannelError:
    """Map an unsuccessful answer to a ChannelError.

    ``unsafe``: the request creates a post. A 502 or 504 from a gateway may come after X made
    it, so those are UNKNOWN_OUTCOME; a 500 or 503 is TRANSIENT (X's duplicate-content check
    and the connector's recovery from it cover the rare 500 after the post was made).
    """
    status = response.status_code
    kind, detail = error_text(response)
    low = detail.lower()

    def err(failure: Failure, code: str, retry_after: float | None = None) -> ChannelError:
        return ChannelError(failure, code, detail, retry_after=retry_after, status=status)

    if status == 401:
        return err(Failure.AUTH, "auth")
    if status == 402:
        # Pay-per-use: the developer account is out of credits or over its spending limit
        # (https://docs.x.com/x-api/getting-started/pricing: "requests will be blocked").
        # The status is seen in practice; the docs show no body for it.
        return err(Failure.PERMANENT, "payment_required")
    if status == 403:
        if DUPLICATE_MARKER in low:
            return err(Failure.PERMANENT, "duplicate")
        if any(marker in low for marker in REPLY_MARKERS):
            return err(Failure.PERMANENT, "reply_not_allowed")
        if kind.endswith("/unsupported-authentication"):
            return err(Failure.AUTH, "auth")
        return err(Failure.PERMANENT, "forbidden")
    if status == 429:
        return err(Failure.RATE_LIMITED, "rate_limited", retry_after_from(response.headers))
    if unsafe and transport.gateway_lost(status):
        return err(Failure.UNKNOWN_OUTCOME, "timeout")
    if status >= 500 or status in (408, 409, 425):
        return err(Failure.TRANSIENT, "server_error", retry_after_from(response.headers))
    if status == 404:
        return err(Failure.PERMANENT, "not_found")
    if status == 413:
        return err(Failure.PERMANENT, "media" if refused == "media" else "invalid")
    if status == 400 and "too long" in low:
        return err(Failure.PERMANENT, "too_long")
    return err(Failure.PERMANENT, refused)


def _start_time(moment: datetime) -> str:
    """``start_time``'s documented format, ``YYYY-MM-DDTHH:mm:ssZ``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the client -------------------------------------------------------------------------------


class XClient(transport.OwnsHTTP[httpx.Client]):
    """X API v2, optionally as one user (``token``).

    ``transport`` and ``timeout`` are for tests; everything else goes through kaiku.http.
    """

    def __init__(
        self,
        api_url: str = API_URL,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
        media_poll_interval: float = 1.0,
        media_max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token
        self._http = http.client(base_url=self.api_url, transport=transport, timeout=timeout)
        self._media_poll_interval = media_poll_interval
        self._media_max_wait = media_max_wait
        self._sleep = sleep
        self.rate_limit: RateLimit | None = None

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        unsafe: bool = False,
        refused: str = "invalid",
        ok: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send one request; return the response if it succeeded (or its status is in ``ok``).

        ``unsafe``: the request creates a post, so losing the answer after it was sent is
        UNKNOWN_OUTCOME rather than TRANSIENT.
        """
        all_headers = {"Accept": "application/json", **(headers or {})}
        if auth and self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        with transport.mapped_errors(unsafe=unsafe, target=path):
            response = self._http.request(
                method, path, params=params, json=json, data=data, files=files, headers=all_headers
            )
        self.rate_limit = rate_limit_from(response.headers)
        if response.is_success or response.status_code in ok:
            return response
        raise error_from_response(response, unsafe=unsafe, refused=refused)

    @staticmethod
    def _json(response: httpx.Response) -> object:
        return transport.json_body(response, bad_response)

    # --- OAuth 2.0 with PKCE ----------------------------------------------------------------

    # https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code#parameters
    @staticmethod
    def authorize_url(
        auth_url: str,
        client_id: str,
        redirect_uri: str,
        *,
        state: str,
        code_challenge: str,
        scopes: str = SCOPES,
    ) -> str:
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scopes,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{auth_url.rstrip('/')}/i/oauth2/authorize?{urlencode(query)}"

    def _token(self, form: dict[str, str], client_id: str, client_secret: str) -> Token:
        """POST /2/oauth2/token. A confidential client (Web App) authenticates with HTTP Basic
        (client id and secret); a public client sends ``client_id`` in the form.
        https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token"""
        headers: dict[str, str] = {}
        if client_secret:
            pair = f"{client_id}:{client_secret}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode('ascii')}"
        else:
            form = {**form, "client_id": client_id}
        try:
            response = self._request(
                "POST", "/2/oauth2/token", data=form, headers=headers, auth=False
            )
        except ChannelError as exc:
            # invalid_request / invalid_grant / invalid_client (400, 401): the grant or the app
            # credentials no longer work; connecting again is the way out.
            if exc.status in (400, 401, 403):
                raise ChannelError(Failure.AUTH, "auth", exc.detail, status=exc.status) from exc
            raise
        return parse_token(self._json(response))

    # https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token (step 3)
    def obtain_token(
        self, *, client_id: str, client_secret: str, code: str, redirect_uri: str, verifier: str
    ) -> Token:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        return self._token(form, client_id, client_secret)

    # https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token (step 5)
    def refresh(self, *, client_id: str, client_secret: str, refresh_token: str) -> Token:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._token(form, client_id, client_secret)

    # --- users ------------------------------------------------------------------------------

    # https://docs.x.com/x-api/users/get-my-user
    def me(self) -> XUser:
        return parse_user(self._json(self._request("GET", "/2/users/me")))

    # https://docs.x.com/x-api/users/get-posts (the user Post timeline)
    def user_tweets(
        self,
        user_id: str,
        *,
        start_time: datetime | None = None,
        max_results: int = 20,
        pagination_token: str | None = None,
    ) -> TimelinePage:
        params: dict[str, str | int] = {
            "max_results": min(max(max_results, MIN_PAGE), MAX_PAGE),
            "tweet.fields": "created_at,referenced_tweets,entities,attachments,author_id",
        }
        if start_time is not None:
            params["start_time"] = _start_time(start_time)
        if pagination_token:
            params["pagination_token"] = pagination_token
        response = self._request("GET", f"/2/users/{user_id}/tweets", params=params)
        return parse_timeline(self._json(response))

    # --- reading for the watch ---------------------------------------------------------------

    # https://docs.x.com/x-api/users/get-user-by-username, .../posts/get-posts (a user's posts),
    # .../posts/search-recent-posts: the watch's reader (reading.py) parses what they answer.
    def get_json(self, path: str, *, params: Mapping[str, str | int] | None = None) -> object:
        return self._json(self._request("GET", path, params=params))

    # --- posts ------------------------------------------------------------------------------

    # https://docs.x.com/x-api/posts/create-post
    def create_tweet(
        self, text: str, *, reply_to: str | None = None, media_ids: Sequence[str] = ()
    ) -> Tweet:
        body: dict[str, Any] = {"text": text}
        if reply_to:
            body["reply"] = {"in_reply_to_tweet_id": reply_to}
        if media_ids:
            body["media"] = {"media_ids": list(media_ids)}
        response = self._request("POST", "/2/tweets", json=body, unsafe=True)
        try:
            return parse_tweet(self._json(response))
        except ChannelError as exc:
            # A 2xx we cannot read: the post most likely exists.
            raise ChannelError(
                Failure.UNKNOWN_OUTCOME, "unexpected", exc.detail, status=response.status_code
            ) from exc

    # https://docs.x.com/x-api/posts/get-post-by-id
    def get_tweet(self, tweet_id: str, *, fields: str, expansions: str = "") -> TweetLookup:
        params = {"tweet.fields": fields}
        if expansions:
            params["expansions"] = expansions
        response = self._request("GET", f"/2/tweets/{tweet_id}", params=params)
        body = self._json(response)
        if isinstance(body, dict) and "data" not in body:
            # A missing or hidden post answers 200 with only "errors" ("Partial errors",
            # https://docs.x.com/x-api/fundamentals/response-codes-and-errors).
            problem = parse_problem(body)
            if problem is not None:
                if problem.type.endswith("/resource-not-found"):
                    raise ChannelError(Failure.PERMANENT, "not_found", problem.text, status=404)
                raise ChannelError(Failure.PERMANENT, "forbidden", problem.text, status=403)
        return parse_lookup(body)

    # https://docs.x.com/x-api/posts/delete-post
    def delete_tweet(self, tweet_id: str) -> bool:
        return parse_deleted(self._json(self._request("DELETE", f"/2/tweets/{tweet_id}")))

    # --- media ------------------------------------------------------------------------------

    def upload_image(self, data: bytes, *, mime: str, filename: str = "image") -> Media:
        """Upload one image and wait (bounded) until X has processed it. An unknown outcome
        here is TRANSIENT: at worst an unused upload is left, which X lets expire."""
        if mime in ONE_SHOT_TYPES:
            return self._upload_one_shot(data, mime=mime, filename=filename)
        category = "tweet_gif" if mime == "image/gif" else "tweet_image"
        return self._upload_chunked(data, mime=mime, category=category)

    # https://docs.x.com/x-api/media/upload-media ("Simple (non-chunked) upload for images and
    # small files", images up to 5 MB; multipart with ``media`` and ``media_category``)
    def _upload_one_shot(self, data: bytes, *, mime: str, filename: str) -> Media:
        response = self._request(
            "POST",
            "/2/media/upload",
            data={"media_category": "tweet_image", "media_type": mime},
            files={"media": (filename, data, mime)},
            refused="media",
        )
        return self._wait_processed(parse_media(self._json(response)))

    # https://docs.x.com/x-api/media/quickstart/media-upload-chunked and the dedicated
    # endpoints of 2025-04-30 (https://docs.x.com/changelog): /2/media/upload/initialize,
    # /2/media/upload/{id}/append, /2/media/upload/{id}/finalize. The quickstart page still
    # shows the older ``command=INIT`` form on /2/media/upload; the dedicated paths are the
    # ones the API reference (upload-media, initialize/append/finalize) lists.
    def _upload_chunked(self, data: bytes, *, mime: str, category: str) -> Media:
        init = self._request(
            "POST",
            "/2/media/upload/initialize",
            json={"media_type": mime, "total_bytes": len(data), "media_category": category},
            refused="media",
        )
        media = parse_media(self._json(init))
        for index in range(max(1, math.ceil(len(data) / CHUNK))):
            chunk = data[index * CHUNK : (index + 1) * CHUNK]
            self._request(
                "POST",
                f"/2/media/upload/{media.id}/append",
                data={"segment_index": str(index)},
                files={"media": ("chunk", chunk, "application/octet-stream")},
                refused="media",
            )
        done = self._request("POST", f"/2/media/upload/{media.id}/finalize", refused="media")
        return self._wait_processed(parse_media(self._json(done)))

    # https://docs.x.com/x-api/media/get-media-upload-status
    def media_status(self, media_id: str) -> Media:
        response = self._request(
            "GET", "/2/media/upload", params={"command": "STATUS", "media_id": media_id}
        )
        return parse_media(self._json(response))

    def _wait_processed(self, media: Media) -> Media:
        deadline = time.monotonic() + self._media_max_wait
        while media.state in ("pending", "in_progress"):
            if time.monotonic() >= deadline:
                raise ChannelError(
                    Failure.TRANSIENT, "server_error", f"media {media.id} still processing"
                )
            wait = media.check_after_secs if media.check_after_secs is not None else 1
            self._sleep(min(float(wait), 10.0) * self._media_poll_interval)
            media = self.media_status(media.id)
        if media.state == "failed":
            raise ChannelError(Failure.PERMANENT, "media", f"X could not process media {media.id}")
        return media

    # https://docs.x.com/x-api/media/create-media-metadata
    # (body {"id": …, "metadata": {"alt_text": {"text": …}}})
    def set_alt_text(self, media_id: str, text: str) -> None:
        body = {"id": media_id, "metadata": {"alt_text": {"text": text}}}
        self._request("POST", "/2/media/metadata", json=body, refused="media")
