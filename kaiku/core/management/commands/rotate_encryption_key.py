"""Re-encrypt every stored secret with a new key.

With the key kept in the data directory, the command makes the new key itself. The key file
first gets the new key on top of the old (both can decrypt), then every secret is re-encrypted,
then the old key is dropped: a crash at any point leaves every secret readable.
With KAIKU_ENCRYPTION_KEY from the environment, set the new key there and the old one in
KAIKU_ENCRYPTION_OLD_KEYS, run this command, then remove the old key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from kaiku import crypto


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


class Command(BaseCommand):
    help = "Re-encrypt all stored platform tokens and secrets with a new encryption key."

    def handle(self, *args: Any, **options: Any) -> None:
        key_file: Path = settings.KAIKU_ENCRYPTION_KEY_FILE
        old = [settings.KAIKU_ENCRYPTION_KEY, *settings.KAIKU_ENCRYPTION_OLD_KEYS]
        if settings.KAIKU_ENCRYPTION_KEY_FROM_FILE:
            new = secrets.token_urlsafe(48)
            _write_atomically(key_file, "\n".join([new, *old]) + "\n")
            settings.KAIKU_ENCRYPTION_KEY = new
            settings.KAIKU_ENCRYPTION_OLD_KEYS = old
        count = 0
        for model, field in crypto.encrypted_fields():
            with transaction.atomic():
                # Each value is opened with its row and sealed again for it with the new key.
                for row in model._base_manager.exclude(**{field.attname: ""}):
                    value = getattr(row, field.attname)
                    if value:
                        model._base_manager.filter(pk=row.pk).update(
                            **{field.attname: field.seal(row, value)}
                        )
                        count += 1
        if settings.KAIKU_ENCRYPTION_KEY_FROM_FILE:
            _write_atomically(key_file, settings.KAIKU_ENCRYPTION_KEY + "\n")
            settings.KAIKU_ENCRYPTION_OLD_KEYS = []
        self.stdout.write(
            f"Re-encrypted {count} secrets with key {crypto.key_id(settings.KAIKU_ENCRYPTION_KEY)}."
        )
