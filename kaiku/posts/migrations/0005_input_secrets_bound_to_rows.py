"""Secrets in posts_channelaccount.credentials_json bound to their row (public_id), re-encrypted (issue 14.11).

Before, the associated data named only the table and the column, so a value copied into
another row of the same column decrypted there. Reversible."""

from django.db import migrations

from kaiku.crypto import bind_to_rows

ARGS = ("posts_channelaccount", "credentials_json", "posts.channelaccount.credentials_json", "public_id")


def forward(apps, schema_editor):
    bind_to_rows(schema_editor, *ARGS, forward=True)


def backward(apps, schema_editor):
    bind_to_rows(schema_editor, *ARGS, forward=False)


class Migration(migrations.Migration):
    dependencies = [("posts", "0004_gate_safety")]
    operations = [migrations.RunPython(forward, backward)]
