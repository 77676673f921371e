"""A small synchronous Mastodon REST client, for connecting, publishing and reading.

Works against any Mastodon instance (and the local server of tests/channels/mastodon/, same code
path), over ``kaiku.http_lite``: publishing many posts at once is bound by the HTTP client's
own processor time, and that client costs a third of httpx's. Responses become the dataclasses
of models.py; every failure becomes a ``ChannelError`` whose ``Failure`` tells the publishing
engine what to do next.

API reference: https://docs.joinmastodon.org/methods/
Entities: https://docs.joinmastodon.org/entities/
Errors: https://docs.joinmastodon.org/entities/Error/ (``{"error": ..., "error_description"?}``)
Rate limits: https://docs.joinmastodon.org/api/rate-limits/
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlencode, urlsplit

import httpx

from kaiku import http_lite
from kaiku.channels import transport
from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.mastodon.models import (
    AppCredentials,
    InstanceLimits,
    MastodonAccount,
    MediaAttachment,
    RateLimit,
    Status,
    Token,
    bad_response,
    parse_account,
    parse_app,
    parse_instance,
    parse_iso,
    parse_media,
    parse_status,
    parse_token,
)

# Granular scopes (Mastodon >= 2.4.3); ``read`` / ``write`` would ask for far more than we use.
# https://docs.joinmastodon.org/api/oauth-scopes/#granular
# read:search: a reply from the field watch finds its status with a resolving search.
SCOPES = "read:accounts read:search read:statuses write:statuses write:media"

# GET /api/v1/accounts/:id/statuses: "limit: Max 40 statuses".
MAX_PAGE = 40

# Mastodon's 403 texts that mean the token or the login, not the request, is at fault.
_AUTH_403 = ("authorized scopes", "access token", "login", "suspended", "disabled", "e-mail")


# --- OAuth helpers ----------------------------------------------------------------------------


def normalise_instance_url(value: str) -> str:
    """``mastodon.social``, ``https://mastodon.social/`` and ``https://Mastodon.social/@x`` all
    become ``https://mastodon.social``. Raises ChannelError(PERMANENT) when it is no URL."""
    raw = value.strip()
    if "://" not in raw:
        raw = f"https://{raw}"
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username:
        raise ChannelError(Failure.PERMANENT, "invalid_instance", value)
    netloc = parts.hostname.lower()
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return f"{parts.scheme}://{netloc}"


# --- errors at the edge -----------------------------------------------------------------------


def rate_limit_from(headers: httpx.Headers) -> RateLimit:
    reset = headers.get("x-ratelimit-reset")
    return RateLimit(
        limit=transport.header_int(headers, "x-ratelimit-limit"),
        remaining=transport.header_int(headers, "x-ratelimit-remaining"),
        reset=parse_iso(reset) if reset else None,
    )


def retry_after_from(headers: httpx.Headers) -> float | None:
    """Seconds to wait: X-RateLimit-Reset (an ISO 8601 time) against the server's Date, else
    Retry-After (seconds or an HTTP date)."""
    # X-RateLimit-Reset is in the server's time.
    now = transport.server_now(headers)
    reset = headers.get("x-ratelimit-reset")
    moment = parse_iso(reset) if reset else None
    if moment is not None:
        return max(0.0, (moment - now).total_seconds())
    return transport.retry_after(headers.get("retry-after", ""), now)


def error_text(response: http_lite.Response) -> str:
    """The Error entity's ``error`` (plus ``error_description`` from OAuth endpoints), or the
    start of whatever else the server (or a proxy in front of it) sent."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        description = body.get("error_description")
        if isinstance(description, str) and description:
            return f"{body['error']}: {description}"
        return str(body["error"])
    return f"HTTP {response.status_code}: {response.text[:200]}".strip()


def error_from_response(
    response: http_lite.Response, *, unsafe: bool = False, refused: str = "invalid"
) -> ChannelError:
    """Map an unsuccessful response to a ChannelError.

    ``unsafe``: the request creates something (POST /api/v1/statuses). A 502 or 504 from the
    proxy in front of Mastodon may come after Mastodon created the status, so for such a
    request those are UNKNOWN_OUTCOME; a 500 or 503 from Mastodon itself is TRANSIENT (the
    Idempotency-Key makes a retry within the hour safe either way).
    """
    status = response.status_code
    detail = error_text(response)

    def err(failure: Failure, code: str, retry_after: float | None = None) -> ChannelError:
        return ChannelError(failure, code, detail, retry_after=retry_after, status=status)

    if status == 401:
        return err(Failure.AUTH, "auth")
    if status == 403:
        if any(marker in detail.lower() for marker in _AUTH_403):
            return err(Failure.AUTH, "auth")
        return err(Failure.PERMANENT, "forbidden")
    if status == 429:
        return err(Failure.RATE_LIMITED, "rate_limited", retry_after_from(response.headers))
    if unsafe and transport.gateway_lost(status):
        return err(Failure.UNKNOWN_OUTCOME, "timeout")
    if status >= 500 or status in (408, 409, 425):
        # 409: Mastodon is still handling the same Idempotency-Key; asking again is safe.
        return err(Failure.TRANSIENT, "server_error", retry_after_from(response.headers))
    if status == 404:
        return err(Failure.PERMANENT, "not_found")
    if status == 413:
        return err(Failure.PERMANENT, "media" if refused == "media" else "invalid")
    if status == 422:
        code = "too_long" if "character limit" in detail else refused
        return err(Failure.PERMANENT, code)
    return err(Failure.PERMANENT, refused)


# --- the client -------------------------------------------------------------------------------


class MastodonClient(transport.OwnsHTTP[http_lite.Client]):
    """One Mastodon instance, optionally as one user (``token``).

    ``timeout`` is for tests; everything goes through kaiku.http_lite (kaiku.http's policy).
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: httpx.Timeout | float | None = None,
        media_poll_interval: float = 1.0,
        media_max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        shared: http_lite.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        # Kaiku's network policy (no private addresses unless allowed, one UA).
        # ``shared``: a client (and its kept-alive connections) owned by the caller, who
        # closes it; it must have been made for this base URL.
        self._owns_http = shared is None
        self._http = shared or http_lite.Client(self.base_url, timeout=timeout)
        self._media_poll_interval = media_poll_interval
        self._media_max_wait = media_max_wait
        self._sleep = sleep
        self.rate_limit: RateLimit | None = None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str | list[str]] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        unsafe: bool = False,
        refused: str = "invalid",
        ok: tuple[int, ...] = (),
    ) -> http_lite.Response:
        """Send one request; return the response if it succeeded (or its status is in ``ok``).

        ``unsafe``: the request creates something, so losing the answer after it was sent is
        UNKNOWN_OUTCOME rather than TRANSIENT.
        """
        all_headers = {"Accept": "application/json", **(headers or {})}
        if auth and self._token:
            all_headers["Authorization"] = f"Bearer {self._token}"
        # The instance address comes from a person: a malformed one is PERMANENT.
        with transport.mapped_errors(unsafe=unsafe, target=path, invalid_url="invalid_instance"):
            response = self._http.request(
                method,
                path,
                params=params,
                data=data,
                files=files,
                headers=all_headers,
            )
        self.rate_limit = rate_limit_from(response.headers)
        if response.is_success or response.status_code in ok:
            return response
        raise error_from_response(response, unsafe=unsafe, refused=refused)

    @staticmethod
    def _json(response: http_lite.Response) -> object:
        return transport.json_body(response, bad_response)

    # --- apps and OAuth -------------------------------------------------------------------

    # https://docs.joinmastodon.org/methods/apps/#create
    def register_app(
        self, client_name: str, redirect_uri: str, *, scopes: str = SCOPES, website: str = ""
    ) -> AppCredentials:
        form = {"client_name": client_name, "redirect_uris": redirect_uri, "scopes": scopes}
        if website:
            form["website"] = website
        return parse_app(self._json(self._request("POST", "/api/v1/apps", data=form, auth=False)))

    # https://docs.joinmastodon.org/methods/oauth/#authorize
    def authorize_url(
        self,
        client_id: str,
        redirect_uri: str,
        *,
        state: str,
        code_challenge: str,
        scopes: str = SCOPES,
        force_login: bool = False,
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
        if force_login:  # needed to connect a second account of the same instance
            query["force_login"] = "true"
        return f"{self.base_url}/oauth/authorize?{urlencode(query)}"

    # https://docs.joinmastodon.org/methods/oauth/#token
    def obtain_token(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        code: str,
        code_verifier: str,
        scopes: str = SCOPES,
    ) -> Token:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": redirect_uri,
            "scope": scopes,
            "code_verifier": code_verifier,
        }
        try:
            response = self._request("POST", "/oauth/token", data=form, auth=False)
        except ChannelError as exc:
            if exc.status in (400, 401):  # invalid_grant, invalid_client: start over
                raise ChannelError(Failure.AUTH, "auth", exc.detail, status=exc.status) from exc
            raise
        return parse_token(self._json(response))

    # --- accounts -------------------------------------------------------------------------

    # https://docs.joinmastodon.org/methods/accounts/#verify_credentials
    def verify_credentials(self) -> MastodonAccount:
        return parse_account(
            self._json(self._request("GET", "/api/v1/accounts/verify_credentials"))
        )

    # https://docs.joinmastodon.org/methods/accounts/#lookup (public)
    def lookup_account(self, acct: str) -> MastodonAccount | None:
        response = self._request(
            "GET", "/api/v1/accounts/lookup", params={"acct": acct.lstrip("@")}, ok=(404,)
        )
        return None if response.status_code == 404 else parse_account(self._json(response))

    # https://docs.joinmastodon.org/methods/accounts/#statuses
    def account_statuses(
        self,
        account_id: str,
        *,
        limit: int = MAX_PAGE,
        max_id: str | None = None,
        exclude_replies: bool = False,
        exclude_reblogs: bool = True,
    ) -> list[Status]:
        params: dict[str, str | int] = {"limit": min(max(limit, 1), MAX_PAGE)}
        if max_id:
            params["max_id"] = max_id
        if exclude_replies:
            params["exclude_replies"] = "true"
        if exclude_reblogs:
            params["exclude_reblogs"] = "true"
        response = self._request("GET", f"/api/v1/accounts/{account_id}/statuses", params=params)
        return self._statuses(response)

    # https://docs.joinmastodon.org/methods/timelines/#tag (public unless the instance says not)
    def tag_timeline(
        self,
        hashtag: str,
        *,
        limit: int = MAX_PAGE,
        local: bool = False,
        max_id: str | None = None,
    ) -> list[Status]:
        params: dict[str, str | int] = {"limit": min(max(limit, 1), MAX_PAGE)}
        if local:
            params["local"] = "true"
        if max_id:
            params["max_id"] = max_id
        tag = hashtag.lstrip("#")
        response = self._request("GET", f"/api/v1/timelines/tag/{tag}", params=params)
        return self._statuses(response)

    def _statuses(self, response: http_lite.Response) -> list[Status]:
        body = self._json(response)
        if not isinstance(body, list):
            raise bad_response("status list")
        return [parse_status(item) for item in body]

    # --- instance -------------------------------------------------------------------------

    # https://docs.joinmastodon.org/methods/instance/#v2, falling back to #v1 (before 4.0)
    def instance(self) -> InstanceLimits:
        domain = urlsplit(self.base_url).netloc
        for path in ("/api/v2/instance", "/api/v1/instance"):
            response = self._request("GET", path, auth=False, ok=(404, 410))
            if response.is_success:
                return parse_instance(self._json(response), domain)
        return InstanceLimits(domain=domain, version="")

    # --- media ----------------------------------------------------------------------------

    # https://docs.joinmastodon.org/methods/media/#v2
    def upload_media(
        self, data: bytes, *, filename: str, mime: str, description: str = ""
    ) -> MediaAttachment:
        """Upload and wait (bounded) until the full-size file is processed: a status cannot
        attach media that is still processing (422). An unknown outcome here is TRANSIENT:
        at worst an unattached upload is left, which the instance removes by itself."""
        form = {"description": description} if description else {}
        response = self._request(
            "POST",
            "/api/v2/media",
            data=form,
            files={"file": (filename, data, mime)},
            refused="media",
        )
        media = parse_media(self._json(response))
        if response.status_code != 202 and media.url:
            return media
        deadline = time.monotonic() + self._media_max_wait
        interval = self._media_poll_interval
        while time.monotonic() < deadline:
            self._sleep(interval)
            ready = self.get_media(media.id)
            if ready is not None:
                return ready
            interval = min(interval * 1.5, 5.0)
        raise ChannelError(Failure.TRANSIENT, "server_error", f"media {media.id} still processing")

    # https://docs.joinmastodon.org/methods/media/#get: 206 while still processing
    def get_media(self, media_id: str) -> MediaAttachment | None:
        response = self._request("GET", f"/api/v1/media/{media_id}", ok=(206,))
        if response.status_code == 206:
            return None
        media = parse_media(self._json(response))
        return media if media.url else None

    # --- statuses -------------------------------------------------------------------------

    # https://docs.joinmastodon.org/methods/statuses/#create
    def create_status(
        self,
        text: str,
        *,
        idempotency_key: str,
        in_reply_to_id: str | None = None,
        media_ids: Sequence[str] = (),
        visibility: str | None = None,
        language: str | None = None,
        spoiler_text: str | None = None,
        sensitive: bool = False,
    ) -> Status:
        """Post a status. The Idempotency-Key makes a repeat of the same request within an hour
        return the first status instead of a duplicate."""
        form: dict[str, str | list[str]] = {"status": text}
        if media_ids:
            form["media_ids[]"] = list(media_ids)
        if in_reply_to_id:
            form["in_reply_to_id"] = in_reply_to_id
        if visibility:
            form["visibility"] = visibility
        if language:
            form["language"] = language
        if spoiler_text:
            form["spoiler_text"] = spoiler_text
        if sensitive:
            form["sensitive"] = "true"
        response = self._request(
            "POST",
            "/api/v1/statuses",
            data=form,
            headers={"Idempotency-Key": idempotency_key},
            unsafe=True,
        )
        try:
            return parse_status(self._json(response))
        except ChannelError as exc:
            # A 2xx we cannot read: the status most likely exists.
            raise ChannelError(
                Failure.UNKNOWN_OUTCOME, "unexpected", exc.detail, status=response.status_code
            ) from exc

    # https://docs.joinmastodon.org/methods/search/#v2
    def resolve_status(self, url: str) -> Status | None:
        """The status at ``url`` as this instance knows it (its local id), fetched from its
        home server when needed (``resolve=true`` needs a user token). None when not found."""
        params: dict[str, str | int] = {
            "q": url,
            "type": "statuses",
            "resolve": "true",
            "limit": 1,
        }
        body = self._json(self._request("GET", "/api/v2/search", params=params))
        statuses = body.get("statuses") if isinstance(body, dict) else None
        if not isinstance(statuses, list) or not statuses:
            return None
        return parse_status(statuses[0])

    # https://docs.joinmastodon.org/methods/statuses/#delete
    def delete_status(self, status_id: str) -> None:
        self._request("DELETE", f"/api/v1/statuses/{status_id}")
