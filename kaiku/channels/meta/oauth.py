"""OAuth with the organisation's own Meta app, shared by the three Meta connectors.

Each organisation creates its own Meta app and types its App ID and App Secret into Kaiku's
connect form; the secret travels in the connect flow's server-side state (the session), as
Mastodon's client secret does, and is kept with the account's encrypted credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext_noop

from kaiku.channels import oauth
from kaiku.channels.base import ChannelError, ConnectField, Failure
from kaiku.channels.oauth import new_state as new_state  # the shared one, for the connectors

APP_FIELDS: tuple[ConnectField, ...] = (
    ConnectField(
        name="app_id",
        label=gettext_noop("App ID of your organisation's Meta app"),
        help=gettext_noop("developers.facebook.com → your app → App settings → Basic."),
    ),
    ConnectField(
        name="app_secret",
        label=gettext_noop("App secret of your organisation's Meta app"),
        kind="password",
        help=gettext_noop("On the same page; press Show. Kaiku keeps it encrypted."),
    ),
)


def app_credentials(data: Mapping[str, str]) -> tuple[str, str]:
    app_id = (data.get("app_id") or "").strip()
    app_secret = (data.get("app_secret") or "").strip()
    if not app_id.isdigit() or not app_secret:
        raise ChannelError(
            Failure.PERMANENT, "invalid", "the App ID is a number and the App secret is required"
        )
    return app_id, app_secret


def authorize_url(base: str, params: Mapping[str, str]) -> str:
    return f"{base}?{urlencode(params)}"


def checked_code(state: Mapping[str, Any], query: Mapping[str, str]) -> str:
    """The authorization code of a callback, after checking ``state`` (CSRF) and errors.

    Facebook sends ``error_reason``/``error_description`` when the person cancels
    (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow)."""
    code = oauth.checked_code(state, query, error_keys=("error_reason", "error"))
    # Facebook appends "#_=_" to the redirect; a browser drops the fragment, a copy may not.
    return code.removesuffix("#_=_")
