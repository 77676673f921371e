"""The Graph API transport shared by Facebook Pages, Instagram and Threads.

One request goes out through kaiku.http; its answer is JSON or the documented error object
(https://developers.facebook.com/docs/graph-api/guides/error-handling), turned here into a
``ChannelError`` whose ``Failure`` tells the engine what to do. The usage headers
(https://developers.facebook.com/docs/graph-api/overview/rate-limiting/) are read on every
answer: once a bucket reaches 100 % the client refuses to send anything more that creates.

Threads (graph.threads.net) answers with the same error object; its docs show no usage headers,
which simply leaves ``usage`` at 0.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kaiku import http
from kaiku.channels import transport
from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.meta.models import (
    ContainerStatus,
    GraphError,
    Usage,
    bad_response,
    parse_container_status,
    parse_error,
    parse_usage,
)

# Graph API v26.0 was introduced on July 29, 2026 (developers.facebook.com/docs/graph-api/
# changelog). The changelog updated Oct 29, 2026 also lists a release of November 4, 2026, and
# some reference pages already show /v27.0/; v26.0 is the newest one named in the changelog
# text we could read, and the one this code was checked against. Meta keeps a version working
# for at least two years after its release (same changelog, "Versioning"), so it is a setting,
# KAIKU_GRAPH_VERSION, which the start-up check watches (``check_graph_version``); no account
# stores its own. An account may override the whole base with settings["graph_url"] (tests).
GRAPH_VERSION = "v26.0"
GRAPH_VERSION_RELEASED = date(2026, 7, 29)
GRAPH_HOST = "https://graph.facebook.com"
DIALOG_HOST = "https://www.facebook.com"
GRAPH_URL = f"{GRAPH_HOST}/{GRAPH_VERSION}"
# Warn this long after the release of the version in use, well before its two years are up.
VERSION_WARN_MONTHS = 18
_VERSION_RE = re.compile(r"v(\d{1,3})\.0")


def graph_version() -> str:
    """``KAIKU_GRAPH_VERSION`` when the settings define it, else ``GRAPH_VERSION``."""
    try:
        configured = str(getattr(settings, "KAIKU_GRAPH_VERSION", "") or "")
    except ImproperlyConfigured:  # used outside Django
        configured = ""
    return configured.strip() or GRAPH_VERSION


def graph_url() -> str:
    return f"{GRAPH_HOST}/{graph_version()}"


def dialog_url() -> str:
    return f"{DIALOG_HOST}/{graph_version()}/dialog/oauth"


def check_graph_version(version: str, today: date | None = None) -> str | None:
    """None when ``version`` is a well-formed Graph API version that is not behind, else an
    English sentence saying what is wrong (for a Django system check)."""
    m = _VERSION_RE.fullmatch(version.strip())
    if not m:
        return f"Graph API version {version!r} is not of the form vNN.0 (e.g. {GRAPH_VERSION})."
    number = int(m.group(1))
    known = int(GRAPH_VERSION[1:-2])
    if number < known:
        return (
            f"Graph API version {version} is older than {GRAPH_VERSION}, which this Kaiku was "
            "checked against. Meta turns a version off two years after its release, and then "
            "nothing reaches Facebook or Instagram: move to a newer version."
        )
    today = today or datetime.now(UTC).date()
    age = (today.year - GRAPH_VERSION_RELEASED.year) * 12 + (
        today.month - GRAPH_VERSION_RELEASED.month
    )
    if number == known and age >= VERSION_WARN_MONTHS:
        return (
            f"Graph API version {version} is {age} months old. Meta turns a version off two "
            "years after its release: set KAIKU_GRAPH_VERSION to a newer one (and update Kaiku)."
        )
    return None


# When Meta says "slow down" but not for how long. Platform limits are counted over a moving
# hour (rate-limiting docs), so a quarter of an hour is a modest first wait.
DEFAULT_RETRY_AFTER = 900.0

# Error codes from the error-handling guide's table and the rate-limiting page.
AUTH_CODES = frozenset({102, 190})
PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, *range(80001, 80015)})
TRANSIENT_CODES = frozenset({1, 2})
POLICY_BLOCK = 368
DUPLICATE = 506
INVALID_PARAMETER = 100
LINK_SCRAPE_ERROR = 1609005
OBJECT_MISSING_SUBCODE = 33  # code 100: "object does not exist, cannot be loaded…"
MEDIA_NOT_READY = 9007  # Instagram media_publish before the container is FINISHED


def error_from(
    status: int,
    error: GraphError | None,
    usage: Usage,
    *,
    unsafe: bool = False,
    refused: str = "invalid",
    fallback: str = "",
) -> ChannelError:
    """Map one unsuccessful answer to the engine's terms. The body's ``code`` decides; the HTTP
    status only when there is no error object (a proxy's 502, say)."""
    detail = error.describe() if error else fallback or f"HTTP {status}"

    def err(failure: Failure, code: str, retry_after: float | None = None) -> ChannelError:
        return ChannelError(failure, code, detail, retry_after=retry_after, status=status)

    code = error.code if error else None
    if code is not None:
        if code in AUTH_CODES:
            return err(Failure.AUTH, "auth")
        if code in PERMISSION_CODES:
            # A permission not granted or taken back: connecting again asks for it.
            return err(Failure.AUTH, "auth")
        if code in THROTTLE_CODES:
            return err(
                Failure.RATE_LIMITED, "rate_limited", usage.regain_seconds or DEFAULT_RETRY_AFTER
            )
        if code == DUPLICATE:
            return err(Failure.PERMANENT, "duplicate")
        if code == POLICY_BLOCK:
            # "Temporarily blocked for policies violations": the docs say wait and retry, but a
            # post held back by Meta should be looked at by a person, not sent again by itself.
            return err(Failure.PERMANENT, "policy_blocked")
        if code == MEDIA_NOT_READY:
            return err(Failure.TRANSIENT, "server_error", 30.0)
        if code in TRANSIENT_CODES or (error is not None and error.is_transient):
            return err(Failure.UNKNOWN_OUTCOME if unsafe else Failure.TRANSIENT, "server_error")
        if (
            code == INVALID_PARAMETER
            and error is not None
            and (error.subcode == OBJECT_MISSING_SUBCODE)
        ):
            return err(Failure.PERMANENT, "not_found")
        if code == LINK_SCRAPE_ERROR:
            return err(Failure.PERMANENT, "invalid")
        if status >= 500:
            return err(Failure.UNKNOWN_OUTCOME if unsafe else Failure.TRANSIENT, "server_error")
        return err(Failure.PERMANENT, refused)
    if status == 401:
        return err(Failure.AUTH, "auth")
    if status == 429:
        return err(
            Failure.RATE_LIMITED, "rate_limited", usage.regain_seconds or DEFAULT_RETRY_AFTER
        )
    if unsafe and transport.gateway_lost(status):
        return err(Failure.UNKNOWN_OUTCOME, "timeout")
    if status >= 500 or status == 408:
        return err(Failure.TRANSIENT, "server_error")
    if status == 404:
        return err(Failure.PERMANENT, "not_found")
    if status == 403:
        return err(Failure.PERMANENT, "forbidden")
    return err(Failure.PERMANENT, refused)


class GraphClient(transport.OwnsHTTP[httpx.Client]):
    """One Graph host (``base_url`` includes the version) as one token.

    ``transport``/``timeout`` are for tests; everything goes through kaiku.http. The token is
    sent in the ``Authorization: Bearer`` header, which the Graph API accepts as well as the
    ``access_token`` parameter of Meta's examples: a URL ends up in logs and proxies' access
    logs, a header does not.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        token_in_header: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        # Threads' pages document only the ``access_token`` parameter, so on that host the
        # token goes in the form body of a POST (never in its URL) and in the query of a GET,
        # whose logged URL kaiku.redact masks.
        self.token_in_header = token_in_header
        self._http = http.client(transport=transport, timeout=timeout)
        self._sleep = sleep
        self.usage = Usage()

    def url(self, path: str) -> str:
        return path if "://" in path else f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        auth: bool = True,
        unsafe: bool = False,
        refused: str = "invalid",
    ) -> Any:
        """Send one request and return its JSON. ``unsafe``: it creates something on the
        platform, so an answer lost after sending is UNKNOWN_OUTCOME, and nothing is sent while
        a usage header already said 100 %."""
        if unsafe and self.usage.exhausted:
            raise ChannelError(
                Failure.RATE_LIMITED,
                "rate_limited",
                f"Meta reported {self.usage.percent:.0f} % of the call limit used",
                retry_after=self.usage.regain_seconds or DEFAULT_RETRY_AFTER,
            )
        query: dict[str, str | int] = dict(params or {})
        form: dict[str, str] | None = dict(data) if data is not None else None
        headers = None
        if auth and self.token and self.token_in_header:
            headers = {"Authorization": f"Bearer {self.token}"}
        elif auth and self.token:
            if method != "GET" and files is None:
                form = {**(form or {}), "access_token": self.token}
            else:
                query["access_token"] = self.token
        # A malformed address (an account's own graph_url, a paging link) is PERMANENT.
        with transport.mapped_errors(unsafe=unsafe, target=path, invalid_url="invalid"):
            response = self._http.request(
                method,
                self.url(path),
                params=query or None,
                data=form,
                files=files,
                headers=headers,
            )
        self.usage = parse_usage(response.headers)
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if response.is_success and body is not None:
            if parse_error(body) is None:
                return body
        elif response.is_success:
            failure = Failure.UNKNOWN_OUTCOME if unsafe else Failure.TRANSIENT
            raise ChannelError(
                failure, "unexpected", "non-JSON answer from Meta", status=response.status_code
            )
        raise error_from(
            response.status_code,
            parse_error(body),
            self.usage,
            unsafe=unsafe,
            refused=refused,
            fallback=f"HTTP {response.status_code}: {response.text[:200]}",
        )

    def get(self, path: str, **params: str | int) -> Any:
        return self.request("GET", path, params=params)

    # --- containers (Instagram and Threads) -----------------------------------------------

    def wait_for_container(
        self,
        container_id: str,
        *,
        fields: str,
        interval: float,
        max_wait: float,
    ) -> ContainerStatus:
        """Poll a container until it is FINISHED (bounded). ERROR is the media's fault
        (PERMANENT "media"); EXPIRED or still IN_PROGRESS at the end is TRANSIENT (a retry makes
        a new container; an unpublished one simply expires after 24 hours)."""
        deadline = time.monotonic() + max_wait
        wait = interval
        while True:
            status = parse_container_status(self.get(container_id, fields=fields))
            if status.status in ("FINISHED", "PUBLISHED"):
                return status
            if status.status == "ERROR":
                raise ChannelError(
                    Failure.PERMANENT, "media", status.detail or "the platform refused the media"
                )
            if status.status == "EXPIRED":
                raise ChannelError(Failure.TRANSIENT, "server_error", "container expired")
            if status.status != "IN_PROGRESS":
                raise bad_response(f"container status {status.status!r}")
            if time.monotonic() + wait > deadline:
                raise ChannelError(
                    Failure.TRANSIENT, "server_error", f"container {container_id} still processing"
                )
            self._sleep(wait)
            wait = min(wait * 2, 10.0)
