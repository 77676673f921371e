"""A small synchronous client of LinkedIn's versioned REST API and its OAuth 2.0, on httpx.

Every ``/rest`` call carries ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version: 2.0.0``
("All APIs require the request header Linkedin-Version … X-Restli-Protocol-Version: 2.0.0",
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api).
URNs in paths and query strings are percent-encoded (Rest.li 2.0).
Errors: https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
Rate limits: https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from kaiku import http
from kaiku.channels import transport
from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.linkedin.models import (
    DUPLICATE_RE,
    ImageUpload,
    Organization,
    OrganizationAcl,
    Post,
    Token,
    UserInfo,
    bad_response,
    parse_acls,
    parse_error,
    parse_image_upload,
    parse_organization,
    parse_organizations,
    parse_post,
    parse_posts,
    parse_token,
    parse_userinfo,
)

API_BASE = "https://api.linkedin.com"
OAUTH_BASE = "https://www.linkedin.com"
# The newest version when this was written (November 2026): 202609, listed as the latest by
# LinkedIn's versioning page in September 2026 (n8n-io/n8n#39065). Versions are sunset about a
# year after release (202504 answered 426 from mid-April 2026; 202604 is announced to stay until
# 15 April 2027), so this must move on at least yearly: see ``check_version``.
DEFAULT_VERSION = "202609"
RESTLI_PROTOCOL = "2.0.0"
# LinkedIn sunsets a version about 12 months after its release; warn a month before.
VERSION_WARN_MONTHS = 11
# "YYYYMM", or "YYYYMM.RR" for a revision (linkedin-developers/linkedin-api-js-client README).
_VERSION_RE = re.compile(r"(\d{4})(\d{2})(?:\.(\d{2}))?")

# Personal profile: "Share on LinkedIn" (w_member_social) and "Sign In with LinkedIn using OpenID
# Connect" (openid, profile: GET /v2/userinfo gives the member's id for urn:li:person:{sub}).
PERSON_SCOPES = ("openid", "profile", "w_member_social")
# Organisation page: the Community Management API product (w_organization_social to post,
# r_organization_social to read the page's posts back, rw_organization_admin for the page's
# access control and lookup). The developer portal allows that product only on an app with no
# other product (verbb/social-poster#52, trypostit/trypost#73), so no OpenID scopes here: the
# member is known from the organisation ACL answer instead.
ORGANIZATION_SCOPES = ("w_organization_social", "r_organization_social", "rw_organization_admin")
# Page roles that may post organic posts as the page. The Posts API lists ADMINISTRATOR,
# DIRECT_SPONSORED_CONTENT_POSTER and CONTENT_ADMIN for w_organization_social; the sponsored
# content poster role is for ads, so Kaiku asks for one of the other two.
POSTING_ROLES = frozenset({"ADMINISTRATOR", "CONTENT_ADMIN"})
# No Retry-After is documented for 429: the limits are daily and "reset at midnight UTC", but
# LinkedIn also answers 429 briefly "as part of infrastructure protection". Waiting an hour at
# most serves both: a spent daily quota costs one call an hour until midnight.
MAX_RATE_LIMIT_WAIT = 3600.0
# GET /rest/posts?q=author: the page size Kaiku asks for.
PAGE_SIZE = 20


def is_version(version: str) -> bool:
    """``version`` has the form LinkedIn accepts in ``LinkedIn-Version`` (YYYYMM[.RR])."""
    m = _VERSION_RE.fullmatch(version.strip())
    if m is None:
        return False
    # The first versioned release was June 2022.
    return int(m.group(1)) >= 2022 and 1 <= int(m.group(2)) <= 12


def check_version(version: str, today: date | None = None) -> str | None:
    """None when ``version`` is a well-formed LinkedIn API version young enough to use, else an
    English sentence saying what is wrong (for a Django system check or the connect flow)."""
    m = _VERSION_RE.fullmatch(version.strip())
    if not m:
        return f"LinkedIn API version {version!r} is not of the form YYYYMM (e.g. 202609)."
    if not is_version(version):
        return f"LinkedIn API version {version!r} is not a real release month."
    year, month = int(m.group(1)), int(m.group(2))
    today = today or datetime.now(UTC).date()
    age = (today.year - year) * 12 + today.month - month
    if age < 0:
        return f"LinkedIn API version {version} is in the future."
    if age >= VERSION_WARN_MONTHS:
        return (
            f"LinkedIn API version {version} is {age} months old. LinkedIn turns versions off "
            "about a year after release (it then answers 426 NONEXISTENT_VERSION and nothing "
            "is published): move to a newer version."
        )
    return None


def encode_urn(urn: str) -> str:
    return quote(urn, safe="")


# --- errors at the edge -----------------------------------------------------------------------


def retry_after_from(headers: httpx.Headers, now: datetime | None = None) -> float:
    """Retry-After when one is sent (not documented for LinkedIn), else until midnight UTC when
    the daily limits reset, at most ``MAX_RATE_LIMIT_WAIT``."""
    now = now or datetime.now(UTC)
    seconds = transport.retry_after(headers.get("retry-after", ""), now)
    if seconds is not None:
        return seconds
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    return min(max((midnight - now).total_seconds(), 1.0), MAX_RATE_LIMIT_WAIT)


def duplicate_of(response: httpx.Response) -> str | None:
    """The URN in LinkedIn's 422 duplicate answer (error_422_duplicate.json), if this is one."""
    if response.status_code != 422:
        return None
    m = DUPLICATE_RE.search(response.text)
    return m.group(1) if m else None


def error_from_response(
    response: httpx.Response,
    *,
    unsafe: bool = False,
    organization: bool = False,
    refused: str = "invalid",
) -> ChannelError:
    """Map an unsuccessful answer to a ChannelError.

    ``organization``: the request acts as an organisation page; a 403 then means the app lacks
    LinkedIn's approval for the Community Management API (or the member lost the page role).
    ``unsafe``: the request creates a post; a 502/504 from LinkedIn's edge may come after the
    post was made, so it is UNKNOWN_OUTCOME.
    """
    status = response.status_code
    try:
        body: object = response.json()
    except ValueError:
        body = None
    api = parse_error(body, status)
    detail = api.text or f"HTTP {status}: {response.text[:200]}".strip()

    def err(failure: Failure, code: str, retry_after: float | None = None) -> ChannelError:
        return ChannelError(failure, code, detail, retry_after=retry_after, status=status)

    if status == 426 or api.code in ("NONEXISTENT_VERSION", "VERSION_MISSING"):
        return err(Failure.PERMANENT, "api_version")
    if status == 401:
        return err(Failure.AUTH, "auth")
    if status == 403:
        return err(Failure.PERMANENT, "needs_approval" if organization else "forbidden")
    if status == 429:
        return err(Failure.RATE_LIMITED, "rate_limited", retry_after_from(response.headers))
    if unsafe and transport.gateway_lost(status):
        return err(Failure.UNKNOWN_OUTCOME, "timeout")
    if status >= 500 or status in (408, 409):
        return err(Failure.TRANSIENT, "server_error")
    if status == 404:
        return err(Failure.PERMANENT, "not_found")
    if status == 422 and duplicate_of(response):
        return err(Failure.PERMANENT, "duplicate")
    return err(Failure.PERMANENT, refused)


# --- the client -------------------------------------------------------------------------------


class LinkedInClient(transport.OwnsHTTP[httpx.Client]):
    """LinkedIn as one member (``token``). ``transport``/``timeout`` are for tests."""

    def __init__(
        self,
        token: str | None = None,
        *,
        version: str = DEFAULT_VERSION,
        api_base: str = API_BASE,
        oauth_base: str = OAUTH_BASE,
        organization: bool = False,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.oauth_base = oauth_base.rstrip("/")
        self.version = version
        self.as_organization = organization
        self._token = token
        # kaiku.http: Kaiku's network policy (no private addresses unless allowed, one UA).
        self._http = http.client(transport=transport, timeout=timeout)

    def _request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        versioned: bool = True,
        auth: bool = True,
        unsafe: bool = False,
        refused: str = "invalid",
        ok: tuple[int, ...] = (),
    ) -> httpx.Response:
        all_headers = {"Accept": "application/json", **(headers or {})}
        if auth and self._token:
            all_headers["Authorization"] = f"Bearer {self._token}"
        if versioned:
            all_headers["LinkedIn-Version"] = self.version
            all_headers["X-Restli-Protocol-Version"] = RESTLI_PROTOCOL
        with transport.mapped_errors(unsafe=unsafe, target=url):
            response = self._http.request(
                method, url, json=json, data=data, content=content, headers=all_headers
            )
        if response.is_success or response.status_code in ok:
            return response
        raise error_from_response(
            response, unsafe=unsafe, organization=self.as_organization, refused=refused
        )

    def _rest(self, path: str, query: Mapping[str, str] | None = None) -> str:
        """A /rest URL; query values are percent-encoded whole (URNs included)."""
        url = f"{self.api_base}/rest/{path}"
        if query:
            url += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
        return url

    @staticmethod
    def _json(response: httpx.Response) -> object:
        return transport.json_body(response, bad_response)

    # --- OAuth 2.0 ----------------------------------------------------------------------------

    # https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
    def authorize_url(
        self, client_id: str, redirect_uri: str, *, state: str, scopes: tuple[str, ...]
    ) -> str:
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": " ".join(scopes),
        }
        return f"{self.oauth_base}/oauth/v2/authorization?{urlencode(query)}"

    def _token_call(self, form: Mapping[str, str]) -> Token:
        try:
            response = self._request(
                "POST",
                f"{self.oauth_base}/oauth/v2/accessToken",
                data=form,
                versioned=False,
                auth=False,
            )
        except ChannelError as exc:
            if exc.status in (400, 401):  # invalid_request / invalid_client: start over
                detail = _oauth_error(exc.detail)
                raise ChannelError(Failure.AUTH, "auth", detail, status=exc.status) from exc
            raise
        return parse_token(self._json(response))

    # https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
    def exchange_code(
        self, *, client_id: str, client_secret: str, code: str, redirect_uri: str
    ) -> Token:
        return self._token_call(
            {
                "grant_type": "authorization_code",
                "code": code,
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uri": redirect_uri,
            }
        )

    # https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
    def refresh(self, *, client_id: str, client_secret: str, refresh_token: str) -> Token:
        return self._token_call(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": client_id,
                "client_secret": client_secret,
            }
        )

    # --- who and where --------------------------------------------------------------------------

    # https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
    def userinfo(self) -> UserInfo:
        # /v2/userinfo is not a versioned /rest resource: no LinkedIn-Version header.
        response = self._request("GET", f"{self.api_base}/v2/userinfo", versioned=False)
        return parse_userinfo(self._json(response))

    # https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
    def my_organization_acls(self) -> list[OrganizationAcl]:
        """The page roles of the member the token belongs to (approved ones)."""
        url = self._rest("organizationAcls", {"q": "roleAssignee", "state": "APPROVED"})
        return parse_acls(self._json(self._request("GET", url)))

    # https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api
    def organization(self, organization_id: str) -> Organization:
        url = self._rest(f"organizations/{quote(organization_id, safe='')}")
        return parse_organization(self._json(self._request("GET", url)))

    # https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api
    def organization_by_vanity_name(self, vanity_name: str) -> Organization | None:
        url = self._rest("organizations", {"q": "vanityName", "vanityName": vanity_name})
        found = parse_organizations(self._json(self._request("GET", url)))
        return found[0] if found else None

    # --- images -------------------------------------------------------------------------------

    # https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api
    def initialize_image_upload(self, owner: str) -> ImageUpload:
        url = self._rest("images") + "?action=initializeUpload"
        response = self._request(
            "POST", url, json={"initializeUploadRequest": {"owner": owner}}, refused="media"
        )
        return parse_image_upload(self._json(response))

    # https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api
    # ("Upload the Image": PUT the bytes to uploadUrl with the member's token).
    def upload_image(self, upload_url: str, data: bytes, mime: str) -> None:
        self._request(
            "PUT",
            upload_url,
            content=data,
            headers={"Content-Type": mime},
            versioned=False,
            refused="media",
        )

    # --- posts --------------------------------------------------------------------------------

    # https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
    def create_post(self, body: Mapping[str, Any]) -> str:
        """Create a post; its URN comes back in the ``x-restli-id`` header of the 201.

        A 422 "Content is a duplicate of urn:li:share:…" raises ChannelError("duplicate") whose
        ``detail`` carries that URN (see ``duplicate_urn``)."""
        response = self._request("POST", self._rest("posts"), json=body, unsafe=True)
        urn = str(response.headers.get("x-restli-id", "")).strip()
        if not urn:
            # A 2xx without the id: the post most likely exists.
            raise ChannelError(
                Failure.UNKNOWN_OUTCOME,
                "unexpected",
                "post created without x-restli-id",
                status=response.status_code,
            )
        return urn

    # https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
    def get_post(self, urn: str) -> Post:
        response = self._request("GET", self._rest(f"posts/{encode_urn(urn)}"))
        return parse_post(self._json(response))

    # https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
    # ("Find Posts by Authors": r_organization_social for a page; for a member it needs the
    # restricted r_member_social, so a personal profile normally gets 403 here).
    def posts_by_author(self, author: str, *, count: int = PAGE_SIZE, start: int = 0) -> list[Post]:
        url = self._rest(
            "posts",
            {
                "author": author,
                "q": "author",
                "count": str(count),
                "start": str(start),
                "sortBy": "LAST_MODIFIED",
            },
        )
        return parse_posts(self._json(self._request("GET", url)))

    # https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
    # ("Delete Posts"; the docs' sample sends X-RestLi-Method: DELETE as well).
    def delete_post(self, urn: str) -> None:
        self._request(
            "DELETE",
            self._rest(f"posts/{encode_urn(urn)}"),
            headers={"X-RestLi-Method": "DELETE"},
        )


def _oauth_error(detail: str) -> str:
    return detail or "LinkedIn refused the authorisation code or refresh token"


def duplicate_urn(error: ChannelError) -> str | None:
    """The existing post's URN of a ``duplicate`` ChannelError."""
    if error.code != "duplicate":
        return None
    m = DUPLICATE_RE.search(error.detail)
    return m.group(1) if m else None
