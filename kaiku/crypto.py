"""Secrets at rest: AES-GCM with a random nonce and a key apart from SECRET_KEY.

A stored value is ``kaiku:v1:<key id>:<base64(nonce + ciphertext)>``. The associated data binds
each ciphertext to its table and column, so a token copied into another row does not decrypt.
Rotation: put the new key in KAIKU_ENCRYPTION_KEY (or let ``kaiku rotate-encryption-key``
write it), keep the old one in KAIKU_ENCRYPTION_OLD_KEYS until every row is re-encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

PREFIX = "kaiku:v1:"


class DecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


def _derive(material: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"kaiku-secrets-at-rest", info=b"aes-gcm-v1"
    ).derive(material.encode())


def key_id(material: str) -> str:
    return hashlib.sha256(b"kaiku-key-id" + material.encode()).hexdigest()[:8]


def _keys() -> list[tuple[str, bytes]]:
    materials = [settings.KAIKU_ENCRYPTION_KEY, *settings.KAIKU_ENCRYPTION_OLD_KEYS]
    return [(key_id(m), _derive(m)) for m in materials]


def encrypt(plaintext: str, context: str) -> str:
    kid, key = _keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(stored: str, context: str) -> str:
    if not stored.startswith(PREFIX):
        raise DecryptionError("the stored value is not an encrypted Kaiku secret")
    kid, _, payload = stored[len(PREFIX) :].partition(":")
    for candidate_id, key in _keys():
        if candidate_id == kid:
            raw = base64.urlsafe_b64decode(payload)
            try:
                return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
            except Exception as exc:  # cryptography raises InvalidTag
                raise DecryptionError("the stored secret does not match its key") from exc
    raise DecryptionError(f"no configured encryption key has the id {kid}")


def is_current(stored: str) -> bool:
    return stored.startswith(f"{PREFIX}{_keys()[0][0]}:")


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column whose value is encrypted before it reaches the database."""

    def contribute_to_class(self, cls: Any, name: str, private_only: bool = False) -> None:  # noqa: FBT001, FBT002
        super().contribute_to_class(cls, name, private_only=private_only)
        self._context = f"{cls._meta.label_lower}.{name}"

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        return encrypt(str(value), self._context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value, self._context)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(PREFIX):
            return decrypt(value, self._context)
        return value


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, EncryptedTextField):
                found.append((model, field))
    return found
