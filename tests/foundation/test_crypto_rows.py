"""Secrets are bound to their row: a value copied to another row does not decrypt, and the data
migration re-encrypts the values stored before (bound to table and column only)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kaiku import crypto
from kaiku.connections.models import ChannelAccount
from kaiku.watch.models import WatchSettings


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def _write_raw(table: str, column: str, pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])


def _account(org: Any, handle: str, token: str) -> ChannelAccount:
    account = ChannelAccount(organisation=org, platform="mastodon", handle=handle)
    account.set_credentials({"access_token": token})
    account.save()
    return account


@pytest.mark.django_db
def test_a_platform_token_copied_into_another_accounts_row_does_not_decrypt(org: Any) -> None:
    ours = _account(org, "@meidan@example.social", "OUR-TOKEN")
    theirs = _account(org, "@toinen@example.social", "OTHER-TOKEN")
    _write_raw(
        "posts_channelaccount",
        "credentials_json",
        theirs.pk,
        _raw("posts_channelaccount", "credentials_json", ours.pk),
    )
    with pytest.raises(crypto.DecryptionError):
        _ = ChannelAccount.objects.get(pk=theirs.pk).credentials
    assert ChannelAccount.objects.get(pk=ours.pk).credentials == {"access_token": "OUR-TOKEN"}


@pytest.mark.django_db
def test_a_two_factor_secret_copied_to_another_user_does_not_decrypt(members: Any) -> None:
    editor, viewer = members["editor"], members["viewer"]
    editor.totp_secret = "EDITORSECRET"
    editor.save()
    _write_raw(
        "accounts_user", "totp_secret", viewer.pk, _raw("accounts_user", "totp_secret", editor.pk)
    )
    from kaiku.accounts.models import User

    with pytest.raises(crypto.DecryptionError):
        _ = User.objects.get(pk=viewer.pk).totp_secret


@pytest.mark.django_db
def test_a_saved_token_reads_back_and_a_refresh_saves_it_for_its_own_row(org: Any) -> None:
    account = _account(org, "@meidan@example.social", "FIRST")
    save = account.connector().account.save_credentials
    save({"access_token": "ROTATED"})
    assert ChannelAccount.objects.get(pk=account.pk).credentials == {"access_token": "ROTATED"}


@pytest.mark.slow  # 5 s or more on the shared machine: `make test` runs it, `make unit` not
@pytest.mark.django_db(transaction=True)
def test_the_migration_binds_secrets_stored_before_to_their_rows(org: Any) -> None:
    before = [
        ("posts", "0001_initial"),
        ("accounts", "0001_initial"),
        ("watch", "0004_stored_rank"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    account = old.get_model("posts", "ChannelAccount").objects.create(
        organisation_id=org.pk, platform="mastodon", handle="@vanha@example.social"
    )
    settings_row = old.get_model("watch", "WatchSettings").objects.create(organisation_id=org.pk)
    # What the old code wrote: bound to the table and column only.
    old_token = crypto.encrypt('{"access_token": "VANHA"}', "posts.channelaccount.credentials_json")
    _write_raw("posts_channelaccount", "credentials_json", account.pk, old_token)
    old_bearer = crypto.encrypt("X-BEARER", "watch.watchsettings.x_bearer_token")
    _write_raw("watch_watchsettings", "x_bearer_token", settings_row.pk, old_bearer)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    stored = _raw("posts_channelaccount", "credentials_json", account.pk)
    assert stored.startswith("kaiku:v2:")
    assert ChannelAccount.objects.get(pk=account.pk).credentials == {"access_token": "VANHA"}
    # The bearer token, bound to its row by 0005, then moved to an X channel account (watch
    # 0008_onehome): still sealed to a row, still readable.
    moved = ChannelAccount.objects.get(organisation_id=org.pk, platform="x")
    assert _raw("posts_channelaccount", "credentials_json", moved.pk).startswith("kaiku:v2:")
    assert moved.credentials["app_bearer_token"] == "X-BEARER"
    assert WatchSettings.objects.filter(pk=settings_row.pk).exists()
