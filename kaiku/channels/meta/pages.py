"""Connecting through Facebook Login (for Business) and choosing a Page: shared by the Facebook
Page connector and the Instagram connector (Instagram API with Facebook Login).

The flow (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow):
1. ``www.facebook.com/{version}/dialog/oauth`` with the permissions (or a Facebook Login for
   Business configuration ID, which replaces them) and a random ``state``.
2. The code becomes a short-lived user token (``GET /oauth/access_token``), which becomes a
   long-lived one (``grant_type=fb_exchange_token``, about 60 days:
   https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived).
3. ``GET /me/accounts`` with the long-lived user token lists the Pages with their Page tokens.
   A Page token obtained from a long-lived user token has no expiry date (same guide); Kaiku
   asks ``/debug_token`` to be sure and records an expiry only if Meta reports one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
from django.utils.translation import gettext_noop

from kaiku.channels.base import (
    AccountSetup,
    ChannelError,
    ConnectField,
    Connector,
    Failure,
    Redirect,
)
from kaiku.channels.meta import oauth
from kaiku.channels.meta.graph import GRAPH_HOST, GraphClient, dialog_url, graph_url
from kaiku.channels.meta.models import (
    Page,
    Token,
    TokenInfo,
    parse_pages,
    parse_token,
    parse_token_info,
)

PAGE_FIELD = ConnectField(
    name="page",
    label=gettext_noop("Facebook Page (name or ID)"),
    help=gettext_noop("Only needed if you manage several Pages. Empty: the first Page is used."),
    required=False,
)
CONFIG_FIELD = ConnectField(
    name="config_id",
    label=gettext_noop("Facebook Login for Business configuration ID"),
    help=gettext_noop(
        "Only if your app uses Facebook Login for Business configurations; see the guide."
    ),
    required=False,
)


class PageLoginConnector(Connector):
    """Base of the connectors whose account is a Facebook Page (or the Instagram account of
    one). Subclasses set ``scopes`` and implement ``choose``."""

    connect_fields: ClassVar[tuple[ConnectField, ...]] = (
        *oauth.APP_FIELDS,
        PAGE_FIELD,
        CONFIG_FIELD,
    )
    setup_guide: ClassVar[str] = "meta.md"
    scopes: ClassVar[tuple[str, ...]] = ()
    page_fields: ClassVar[str] = "id,name,access_token,tasks"

    # Test hooks (production keeps the defaults): where the Graph API and the login dialog
    # are, the transport and timeouts, and how long to wait between container polls.
    # Empty: graph.facebook.com at KAIKU_GRAPH_VERSION, read when used (never pinned).
    graph_url: ClassVar[str] = ""
    dialog_url: ClassVar[str] = ""
    transport: httpx.BaseTransport | None = None
    timeout: httpx.Timeout | float | None = None
    poll_interval: float = 2.0
    poll_max_wait: float = 120.0

    @classmethod
    def _graph(cls, token: str | None = None, base_url: str | None = None) -> GraphClient:
        return GraphClient(
            base_url or cls.graph_url or graph_url(),
            token,
            transport=cls.transport,
            timeout=cls.timeout,
        )

    @staticmethod
    def stored_graph_url(graph: str) -> dict[str, str]:
        """The account setting for ``graph``: nothing for Meta's own host, so that the version
        follows KAIKU_GRAPH_VERSION instead of staying what it was at connect."""
        return {} if graph.startswith(f"{GRAPH_HOST}/") else {"graph_url": graph}

    # --- connecting -------------------------------------------------------------------

    @classmethod
    def start_connect(cls, data: Mapping[str, str], callback_url: str) -> Redirect:
        app_id, app_secret = oauth.app_credentials(data)
        state = oauth.new_state()
        params = {
            "client_id": app_id,
            "redirect_uri": callback_url,
            "state": state,
            "response_type": "code",
        }
        config_id = (data.get("config_id") or "").strip()
        if config_id:
            params["config_id"] = config_id
        else:
            params["scope"] = ",".join(cls.scopes)
        return Redirect(
            url=oauth.authorize_url(cls.dialog_url or dialog_url(), params),
            state={
                "app_id": app_id,
                "app_secret": app_secret,
                "oauth_state": state,
                "redirect_uri": callback_url,
                "page": (data.get("page") or "").strip(),
                "graph_url": cls.graph_url or graph_url(),
            },
        )

    @classmethod
    def finish_connect(
        cls, state: Mapping[str, Any], query: Mapping[str, str], callback_url: str
    ) -> AccountSetup:
        code = oauth.checked_code(state, query)
        app_id, app_secret = str(state["app_id"]), str(state["app_secret"])
        graph_base = str(state.get("graph_url") or cls.graph_url or graph_url())
        with cls._graph(base_url=graph_base) as graph:
            # https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
            # ("Exchanging Code for an Access Token")
            short = parse_token(
                cls._token_request(
                    graph,
                    client_id=app_id,
                    client_secret=app_secret,
                    redirect_uri=str(state.get("redirect_uri") or callback_url),
                    code=code,
                )
            )
            # https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
            long = parse_token(
                cls._token_request(
                    graph,
                    grant_type="fb_exchange_token",
                    client_id=app_id,
                    client_secret=app_secret,
                    fb_exchange_token=short.access_token,
                )
            )
            graph.token = long.access_token
            # https://developers.facebook.com/docs/pages-api/getting-started (GET /me/accounts)
            pages = parse_pages(graph.get("me/accounts", fields=cls.page_fields, limit=100))
            page = cls.choose(pages, str(state.get("page") or ""))
            # https://developers.facebook.com/docs/graph-api/reference/debug_token, with the
            # app access token ("{app-id}|{app-secret}") in the Authorization header.
            graph.token = f"{app_id}|{app_secret}"
            info = parse_token_info(graph.get("debug_token", input_token=page.access_token))
        return cls.setup_for(
            page, info, app_id=app_id, app_secret=app_secret, graph=graph_base, user=long
        )

    @staticmethod
    def _token_request(graph: GraphClient, **params: str) -> Any:
        # POSTed as a form, not GET with the query string of the docs' examples (Graph accepts
        # both): the app secret and the code then stay out of every URL that gets logged.
        try:
            return graph.request("POST", "oauth/access_token", data=params, auth=False)
        except ChannelError as exc:
            if exc.failure is Failure.PERMANENT:  # a used or wrong code, a wrong secret
                raise ChannelError(Failure.AUTH, "auth", exc.detail, status=exc.status) from exc
            raise

    @classmethod
    def choose(cls, pages: list[Page], wanted: str) -> Page:
        """The Page to connect: the one named (by ID or name) or the first one."""
        if not pages:
            raise ChannelError(
                Failure.PERMANENT, "no_page", "the Facebook account manages no Page Kaiku may use"
            )
        if not wanted:
            return pages[0]
        for page in pages:
            if wanted in (page.id, page.name) or wanted.casefold() == page.name.casefold():
                return page
        names = ", ".join(p.name for p in pages)
        raise ChannelError(Failure.PERMANENT, "no_page", f"no Page {wanted!r} among: {names}")

    @classmethod
    def setup_for(
        cls,
        page: Page,
        info: TokenInfo,
        *,
        app_id: str,
        app_secret: str,
        graph: str,
        user: Token | None = None,
    ) -> AccountSetup:
        """The account to store: ``user`` is the long-lived user token the Page came from."""
        raise NotImplementedError

    @staticmethod
    def credentials_for(
        page: Page, info: TokenInfo, *, app_id: str, app_secret: str
    ) -> dict[str, Any]:
        credentials: dict[str, Any] = {
            "access_token": page.access_token,
            "app_id": app_id,
            "app_secret": app_secret,
        }
        if info.expires_at is not None:
            credentials["expires_at"] = info.expires_at.isoformat()
        return credentials

    # --- using an account --------------------------------------------------------------

    def _api(self) -> GraphClient:
        token = self.account.credentials.get("access_token")
        if not isinstance(token, str) or not token:
            raise ChannelError(Failure.AUTH, "auth", "no access token stored")
        base = self.account.settings.get("graph_url")
        return self._graph(token, base if isinstance(base, str) and base else None)

    def _setting(self, name: str) -> str:
        value = self.account.settings.get(name)
        if not isinstance(value, str | int) or not str(value):
            raise ChannelError(Failure.AUTH, "auth", f"account setting {name} missing: reconnect")
        return str(value)

    def verify(self) -> None:
        # A Page token's /me is the Page itself.
        with self._api() as graph:
            graph.get("me", fields="id")

    def refresh_credentials(self) -> bool:
        """Page tokens obtained from a long-lived user token do not expire; an invalidated one
        (password changed, app removed) needs the person to connect again."""
        return False


def now() -> datetime:
    return datetime.now(UTC)
