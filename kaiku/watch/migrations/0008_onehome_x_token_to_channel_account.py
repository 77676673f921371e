"""X's credentials in one place (issue 15): the watch's app-only bearer token moves to the
organisation's X channel account, and ``WatchSettings.x_bearer_token`` goes.

The watch now reads X through the X package's client with the X channel account's token
(docs/architecture.md, "One credential per platform"). A stored bearer token is not lost:

- an organisation with an X account keeps it in that account's sealed credentials as
  ``app_bearer_token`` (the account's own user token reads from now on);
- an organisation without one gets an X account holding the bearer token as its access token
  (X's read endpoints accept an app-only token), marked ``app_only`` and "needs reconnecting":
  the watch goes on reading with it, it is never offered for publishing, and connecting the
  organisation's X account on the channels page gives the watch a user token.

Raw SQL and the crypto functions with the contexts the columns were sealed with: a data
migration must not depend on today's models. Reversible.
"""

import json
import uuid

from django.db import migrations
from django.utils import timezone

from kaiku import crypto

WATCH_CONTEXT = "watch.watchsettings.x_bearer_token"
ACCOUNT_CONTEXT = "posts.channelaccount.credentials_json"  # ChannelAccount's fixed context
APP_ONLY_HANDLE = "X API"
APP_ONLY_MESSAGE = (
    "Created from the X API bearer token of the watch settings: the watch reads X with it. "
    "Connect the organisation's X account to publish."
)


def _row(public_id):
    # PostgreSQL answers a UUID, SQLite 32 hex digits: str(UUID) is what the model binds to.
    return uuid.UUID(str(public_id))


def _open_bearer(stored, organisation_id):
    if stored.startswith(crypto.PREFIX_ROW):
        return crypto.decrypt_for_row(stored, WATCH_CONTEXT, organisation_id)
    return crypto.decrypt(stored, WATCH_CONTEXT)


def _open_credentials(stored, public_id):
    if not stored:
        return {}
    if stored.startswith(crypto.PREFIX_ROW):
        return json.loads(crypto.decrypt_for_row(stored, ACCOUNT_CONTEXT, _row(public_id)))
    return json.loads(crypto.decrypt(stored, ACCOUNT_CONTEXT))


def _seal_credentials(credentials, public_id):
    return crypto.encrypt_for_row(json.dumps(credentials), ACCOUNT_CONTEXT, _row(public_id))


def forward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT organisation_id, x_bearer_token FROM watch_watchsettings "
            "WHERE x_bearer_token <> ''"
        )
        for organisation_id, stored in cursor.fetchall():
            bearer = _open_bearer(stored, organisation_id)
            if not bearer:
                continue
            cursor.execute(
                "SELECT id, public_id, credentials_json, status FROM posts_channelaccount "
                "WHERE organisation_id = %s AND platform = 'x' ORDER BY created_at, id",
                [organisation_id],
            )
            accounts = cursor.fetchall()
            # The account the watch will read with: a working one first, a disconnected last.
            rank = {"active": 0, "needs_reconnect": 1}
            accounts.sort(key=lambda row: rank.get(row[3], 2))
            if accounts:
                pk, public_id, sealed, _status = accounts[0]
                credentials = _open_credentials(sealed, public_id)
                credentials["app_bearer_token"] = bearer
                cursor.execute(
                    "UPDATE posts_channelaccount SET credentials_json = %s WHERE id = %s",
                    [_seal_credentials(credentials, public_id), pk],
                )
                continue
            public_id = uuid.uuid4()
            account = apps.get_model("connections", "ChannelAccount")(
                public_id=public_id,
                organisation_id=organisation_id,
                platform="x",
                handle=APP_ONLY_HANDLE,
                display_name=APP_ONLY_HANDLE,
                base_url="https://x.com",
                settings={"app_only": True},
                status="needs_reconnect",
                status_message=APP_ONLY_MESSAGE,
                created_at=timezone.now(),
            )
            credentials = {"access_token": bearer, "app_bearer_token": bearer}
            account.credentials_json = crypto.Sealed(_seal_credentials(credentials, public_id))
            account.save()


def backward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, organisation_id, public_id, credentials_json, settings "
            "FROM posts_channelaccount WHERE platform = 'x' AND credentials_json <> ''"
        )
        for pk, organisation_id, public_id, sealed, settings in cursor.fetchall():
            credentials = _open_credentials(sealed, public_id)
            bearer = credentials.pop("app_bearer_token", "")
            if not bearer:
                continue
            back = crypto.encrypt_for_row(bearer, WATCH_CONTEXT, organisation_id)
            cursor.execute(
                "UPDATE watch_watchsettings SET x_bearer_token = %s WHERE organisation_id = %s",
                [back, organisation_id],
            )
            if isinstance(settings, str):
                settings = json.loads(settings or "{}")
            if (settings or {}).get("app_only"):
                cursor.execute("DELETE FROM posts_channelaccount WHERE id = %s", [pk])
            else:
                cursor.execute(
                    "UPDATE posts_channelaccount SET credentials_json = %s WHERE id = %s",
                    [_seal_credentials(credentials, public_id), pk],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("watch", "0007_search_full_text"),
        ("connections", "0001_split_initial"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="watchsettings", name="x_bearer_token"),
    ]
