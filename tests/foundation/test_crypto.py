from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from kaiku import crypto

pytestmark = pytest.mark.django_db


def _raw_secret(user_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM accounts_user WHERE id = %s", [user_id])
        return str(cursor.fetchone()[0])


def test_the_database_never_holds_the_plaintext(members: Any) -> None:
    user = members["editor"]
    user.totp_secret = "PLAINTEXTSECRETVALUE"
    user.save()
    raw = _raw_secret(user.pk)
    assert "PLAINTEXTSECRETVALUE" not in raw
    user.refresh_from_db()
    assert user.totp_secret == "PLAINTEXTSECRETVALUE"


def test_each_encryption_uses_a_fresh_nonce() -> None:
    assert crypto.encrypt("sama", "a.b") != crypto.encrypt("sama", "a.b")


def test_a_secret_copied_to_another_column_does_not_decrypt() -> None:
    sealed = crypto.encrypt("token", "accounts.user.totp_secret")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(sealed, "channels.account.access_token")


def test_rotating_the_key_re_encrypts_every_secret(
    members: Any, settings: Any, tmp_path: Any
) -> None:
    settings.KAIKU_ENCRYPTION_KEY_FILE = tmp_path / "encryption_key"
    settings.KAIKU_ENCRYPTION_KEY_FROM_FILE = True
    user = members["editor"]
    user.totp_secret = "ROTATEME"
    user.save()
    before = _raw_secret(user.pk)
    old_key = settings.KAIKU_ENCRYPTION_KEY
    call_command("rotate_encryption_key", verbosity=0)
    after = _raw_secret(user.pk)
    assert old_key != settings.KAIKU_ENCRYPTION_KEY
    assert before.split(":")[2] != after.split(":")[2]  # another key id
    assert crypto.is_current(after)
    assert (tmp_path / "encryption_key").read_text().split() == [settings.KAIKU_ENCRYPTION_KEY]
    assert (tmp_path / "encryption_key").stat().st_mode & 0o777 == 0o600
    user.refresh_from_db()
    assert user.totp_secret == "ROTATEME"
