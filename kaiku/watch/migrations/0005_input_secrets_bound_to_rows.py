"""Secrets in watch_watchsettings.x_bearer_token bound to their row (organisation_id), re-encrypted (issue 14.11).

Before, the associated data named only the table and the column, so a value copied into
another row of the same column decrypted there. Reversible."""

from django.db import migrations

from kaiku.crypto import bind_to_rows

ARGS = ("watch_watchsettings", "x_bearer_token", "watch.watchsettings.x_bearer_token", "organisation_id")


def forward(apps, schema_editor):
    bind_to_rows(schema_editor, *ARGS, forward=True)


def backward(apps, schema_editor):
    bind_to_rows(schema_editor, *ARGS, forward=False)


class Migration(migrations.Migration):
    dependencies = [("watch", "0004_stored_rank")]
    operations = [migrations.RunPython(forward, backward)]
