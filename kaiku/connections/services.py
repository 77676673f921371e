"""Connecting and disconnecting channel accounts: the logic behind the channels page and API.

Driven by the connector class only (``connect_fields``, ``start_connect``, ``finish_connect``):
no platform is named here. A platform whose connector cannot be imported is shown as
unavailable instead of breaking the page.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kaiku import crypto
from kaiku.accounts.models import User
from kaiku.channels.base import AccountSetup, ConnectField, Connector
from kaiku.channels.registry import connector_class, platforms
from kaiku.connections.models import ChannelAccount
from kaiku.organisations import audit
from kaiku.organisations.models import Organisation
from kaiku.publishing import engine, operator
from kaiku.publishing.models import Delivery

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Platform:
    """One platform as the channels page offers it."""

    platform: str
    label: str
    connector: type[Connector] | None  # None: its connector could not be loaded
    fields: tuple[ConnectField, ...] = ()

    @property
    def available(self) -> bool:
        return self.connector is not None

    @property
    def one_click(self) -> bool:
        return not self.fields


def load_platform(platform: str) -> Platform:
    try:
        cls = connector_class(platform)
    except Exception:  # an import error in one connector must not take the page down
        log.exception("connector of platform %r could not be loaded", platform)
        return Platform(platform=platform, label=platform.capitalize(), connector=None)
    return Platform(
        platform=platform, label=str(cls.label), connector=cls, fields=tuple(cls.connect_fields)
    )


def available_platforms() -> list[Platform]:
    return [load_platform(p) for p in platforms()]


def connect_data(org: Organisation, form_data: dict[str, str]) -> dict[str, str]:
    """What every connect flow is given: the organisation, and the platform's own fields."""
    return {"organisation": org.slug, "organisation_name": org.name, **form_data}


@dataclass(frozen=True)
class Connected:
    account: ChannelAccount
    created: bool
    released: int  # held deliveries that now go out


def save_account(
    org: Organisation,
    platform: str,
    setup: AccountSetup,
    *,
    user: User | None,
    request: HttpRequest | None = None,
) -> Connected:
    """Store a finished connect flow. Reconnecting (same platform and handle) updates the
    account, makes it active again and lets its held deliveries go out."""
    now = timezone.now()
    with transaction.atomic():
        account = (
            ChannelAccount.objects.select_for_update()
            .filter(organisation=org, platform=platform, handle=setup.handle)
            .first()
        )
        created = account is None
        if account is None:
            account = ChannelAccount(
                organisation=org, platform=platform, handle=setup.handle, created_by=user
            )
        account.display_name = setup.display_name[:255]
        account.base_url = setup.base_url[:255]
        account.set_credentials(dict(setup.credentials))
        account.settings = dict(setup.settings)
        account.expires_at = setup.expires_at
        account.status = ChannelAccount.Status.ACTIVE
        account.status_message = ""
        account.last_verified_at = now
        account.save()
        audit.record(
            "channel.connected" if created else "channel.reconnected",
            request=request,
            actor=user,
            organisation=org,
            target=str(account),
            platform=platform,
        )
    released = 0 if created else operator.release_held(account)
    return Connected(account=account, created=created, released=released)


def disconnect(account: ChannelAccount, *, request: HttpRequest | None = None) -> int:
    """Stop using an account. Its pending deliveries are held (not dropped) until it is
    connected again. Returns how many deliveries are held."""
    with transaction.atomic():
        account.status = ChannelAccount.Status.DISCONNECTED
        account.status_message = ""
        # Credentials of an account nobody uses any more are not worth keeping.
        account.set_credentials({})
        account.save(update_fields=["status", "status_message", "credentials_json"])
        held = Delivery.objects.filter(account=account, state__in=engine.PENDING).update(
            held=True, last_error_code="account_needs_reconnect", last_error_at=timezone.now()
        )
        audit.record(
            "channel.disconnected",
            request=request,
            organisation=account.organisation,
            target=str(account),
            platform=account.platform,
            held=held,
        )
    return held


def expires_soon(account: ChannelAccount, now: datetime | None = None) -> bool:
    if account.expires_at is None:
        return False
    return account.expires_at - (now or timezone.now()) < timedelta(days=7)


# --- connect state kept in the session between the redirect and the callback -----------------

_CONNECT_CONTEXT = "session.connect_state"


def seal_connect_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """The state a connector keeps during a connect (an app secret, a PKCE verifier), encrypted
    like every stored secret: sessions sit in the database, readable by anyone with a backup.
    Digests of its values let the callback find its attempt by the echoed ``state``."""
    values = [str(v) for v in state.values()]
    return {
        "sealed": crypto.encrypt(json.dumps(dict(state)), _CONNECT_CONTEXT),
        "match": [hashlib.sha256(v.encode()).hexdigest() for v in values],
    }


def connect_state_matches(sealed: Mapping[str, Any], returned: str) -> bool:
    digest = hashlib.sha256(returned.encode()).hexdigest()
    return bool(returned) and digest in sealed.get("match", [])


def open_connect_state(sealed: Mapping[str, Any]) -> dict[str, Any] | None:
    """The state, or None when it cannot be read (a rotated key, a session from before)."""
    try:
        state = json.loads(crypto.decrypt(str(sealed.get("sealed", "")), _CONNECT_CONTEXT))
    except (crypto.DecryptionError, ValueError):
        return None
    return state if isinstance(state, dict) else None
