"""Secrets in accounts_user.totp_secret bound to their row (id), re-encrypted (issue 14.11).

Before, the associated data named only the table and the column, so a value copied into
another row of the same column decrypted there. Reversible."""

from django.db import migrations

from kaiku.crypto import bind_to_rows

ARGS = ("accounts_user", "totp_secret", "accounts.user.totp_secret", "id")


def forward(apps, schema_editor):
    bind_to_rows(schema_editor, *ARGS, forward=True)


def backward(apps, schema_editor):
    bind_to_rows(schema_editor, *ARGS, forward=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_auth_sign_in_link")]
    operations = [migrations.RunPython(forward, backward)]
