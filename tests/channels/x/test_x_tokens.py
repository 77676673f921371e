"""Access tokens live two hours; refresh tokens rotate and are saved at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kaiku.channels.base import ChannelError, Failure
from tests.channels.x.conftest import FastX, make_account
from tests.channels.x.server import XServer


def test_a_token_about_to_expire_is_refreshed_first_and_the_rotated_pair_saved(
    x: XServer, saved: list[dict[str, Any]]
) -> None:
    account = make_account(x, saved)
    old_refresh = account.credentials["refresh_token"]
    account.credentials["access_expires_at"] = (
        datetime.now(UTC) + timedelta(minutes=2)
    ).isoformat()
    connector = FastX(account)

    connector.verify()

    (new,) = saved
    assert new["refresh_token"] != old_refresh
    assert new["refresh_token"] in x.refresh
    assert old_refresh not in x.refresh  # rotated: the old one no longer works
    assert datetime.fromisoformat(new["access_expires_at"]) > datetime.now(UTC) + timedelta(hours=1)
    assert account.credentials == new
    paths = [r.path for r in x.requests]
    assert paths == ["/2/oauth2/token", "/2/users/me"]  # refreshed before the call, not after


def test_a_fresh_token_is_not_refreshed(connector: FastX, x: XServer, saved: list[Any]) -> None:
    connector.verify()

    assert saved == []
    assert x.requests_to("POST", "/2/oauth2/token") == []


def test_a_401_refreshes_once_and_repeats_the_request(
    connector: FastX, x: XServer, saved: list[Any]
) -> None:
    x.expire_access_tokens()

    connector.verify()

    assert len(saved) == 1
    assert [r.path for r in x.requests] == ["/2/users/me", "/2/oauth2/token", "/2/users/me"]


def test_a_401_after_a_fresh_refresh_is_auth_and_refreshing_again_is_declined(
    connector: FastX, x: XServer
) -> None:
    x.script("GET /2/users/me", [401, 401])

    with pytest.raises(ChannelError) as caught:
        connector.verify()

    assert caught.value.failure is Failure.AUTH
    assert connector.refresh_credentials() is False
    assert len(x.requests_to("POST", "/2/oauth2/token")) == 1


def test_a_revoked_refresh_token_is_auth(connector: FastX, x: XServer) -> None:
    x.refresh.clear()
    x.expire_access_tokens()

    with pytest.raises(ChannelError) as caught:
        connector.verify()

    assert caught.value.failure is Failure.AUTH


def test_refresh_credentials_renews_and_saves(connector: FastX, saved: list[Any]) -> None:
    assert connector.refresh_credentials() is True
    assert saved and saved[-1]["access_token"] == connector.account.credentials["access_token"]
