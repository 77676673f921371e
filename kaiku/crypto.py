"""Secrets at rest: AES-GCM with a random nonce and a key apart from SECRET_KEY.

A column value is ``kaiku:v2:<key id>:<base64(nonce + ciphertext)>``. The associated data binds
each ciphertext to its table, its column and its row (``<app>.<model>.<field>#<row key>``), so a
token copied into another column or another row does not decrypt. ``kaiku:v1:`` values (bound
to table and column only) are what ``encrypt`` makes for secrets kept outside a row; in a
column they were re-encrypted as v2 by a data migration and are refused there since.
Rotation: put the new key in KAIKU_ENCRYPTION_KEY (or let ``kaiku rotate-encryption-key``
write it), keep the old one in KAIKU_ENCRYPTION_OLD_KEYS until every row is re-encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models.query_utils import DeferredAttribute

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


PREFIX_ROW = "kaiku:v2:"


def _seal(prefix: str, plaintext: str, associated: str) -> str:
    kid, key = _keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), associated.encode())
    return f"{prefix}{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def _open(prefix: str, stored: str, associated: str) -> str:
    if not stored.startswith(prefix):
        raise DecryptionError("the stored value is not an encrypted Kaiku secret of this kind")
    kid, _, payload = stored[len(prefix) :].partition(":")
    for candidate_id, key in _keys():
        if candidate_id == kid:
            raw = base64.urlsafe_b64decode(payload)
            try:
                return AESGCM(key).decrypt(raw[:12], raw[12:], associated.encode()).decode()
            except Exception as exc:  # cryptography raises InvalidTag
                raise DecryptionError("the stored secret does not match its key") from exc
    raise DecryptionError(f"no configured encryption key has the id {kid}")


def encrypt(plaintext: str, context: str) -> str:
    """A secret kept outside a table row (bound to ``context`` only)."""
    return _seal(PREFIX, plaintext, context)


def decrypt(stored: str, context: str) -> str:
    return _open(PREFIX, stored, context)


def row_associated_data(context: str, row: object) -> str:
    return f"{context}#{row}"


def encrypt_for_row(plaintext: str, context: str, row: object) -> str:
    return _seal(PREFIX_ROW, plaintext, row_associated_data(context, row))


def decrypt_for_row(stored: str, context: str, row: object) -> str:
    return _open(PREFIX_ROW, stored, row_associated_data(context, row))


def is_current(stored: str) -> bool:
    kid = _keys()[0][0]
    return stored.startswith((f"{PREFIX}{kid}:", f"{PREFIX_ROW}{kid}:"))


class Sealed:
    """A column value as stored (encrypted), not yet opened: the row opens it on first read."""

    __slots__ = ("stored",)

    def __init__(self, stored: str) -> None:
        self.stored = stored

    def __repr__(self) -> str:
        return "Sealed(…)"


class _SecretAttribute(DeferredAttribute):
    """Opens a sealed value with the row it belongs to, when the attribute is first read."""

    field: EncryptedTextField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            value = decrypt_for_row(value.stored, self.field.context, self.field.row_of(instance))
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column whose value is encrypted, bound to its row, before it reaches the database.

    ``row_key`` names the attribute that identifies the row: known before the row is inserted
    and never changed afterwards (a public UUID, the owner's id). It is not part of the schema,
    so it is left out of migrations.
    """

    descriptor_class = _SecretAttribute

    def __init__(self, *args: Any, row_key: str = "pk", context: str = "", **kwargs: Any) -> None:
        self.row_key = row_key
        # The associated data of every stored value: the model's label and the field's name,
        # unless given. A model that moves to another app gives its old one here, or every
        # stored secret would stop decrypting. Not part of the schema either.
        self.fixed_context = context
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls: Any, name: str, private_only: bool = False) -> None:  # noqa: FBT001, FBT002
        super().contribute_to_class(cls, name, private_only=private_only)
        self.context = self.fixed_context or f"{cls._meta.label_lower}.{name}"

    def row_of(self, instance: Any) -> object:
        row = getattr(instance, self.row_key)
        if row is None:
            raise ValueError(
                f"{self.context} is bound to its row's {self.row_key}, which is not set yet: "
                "save the row first, then give it the secret"
            )
        return row

    def seal(self, instance: Any, plaintext: str) -> Sealed | str:
        """The value to write for ``instance`` (for ``QuerySet.update``, which has no row)."""
        if plaintext in (None, ""):
            return plaintext
        return Sealed(encrypt_for_row(str(plaintext), self.context, self.row_of(instance)))

    def pre_save(self, model_instance: Any, add: bool) -> Any:  # noqa: FBT001
        value = model_instance.__dict__.get(self.attname)
        if isinstance(value, Sealed) or value in (None, ""):
            return value
        return self.seal(model_instance, str(value))

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(value, Sealed):
            return value.stored
        raise TypeError(
            f"{self.context} is encrypted for its row: save the instance, or pass "
            "field.seal(instance, value) to QuerySet.update"
        )

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return Sealed(value)

    def to_python(self, value: Any) -> Any:
        return value


def seal(instance: models.Model, field_name: str, plaintext: str) -> Sealed | str:
    """``plaintext`` encrypted for ``instance``'s ``field_name`` column, for QuerySet.update."""
    field = instance._meta.get_field(field_name)
    assert isinstance(field, EncryptedTextField)
    return field.seal(instance, plaintext)


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, EncryptedTextField):
                found.append((model, field))
    return found


def bind_to_rows(
    schema_editor: Any, table: str, column: str, context: str, row_column: str, *, forward: bool
) -> int:
    """Re-encrypt a column's values from v1 (table and column) to v2 (and row), or back.

    Raw SQL: a data migration must not depend on today's model or field code."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('id')}, {quote(row_column)}, {quote(column)} FROM {quote(table)} "
            f"WHERE {quote(column)} <> ''"
        )
        rows = cursor.fetchall()
        for pk, row, stored in rows:
            if forward and stored.startswith(PREFIX):
                new = encrypt_for_row(decrypt(stored, context), context, _row_text(row))
            elif not forward and stored.startswith(PREFIX_ROW):
                new = encrypt(decrypt_for_row(stored, context, _row_text(row)), context)
            else:
                continue
            cursor.execute(
                f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote('id')} = %s",
                [new, pk],
            )
            count += 1
    return count


def _row_text(row: object) -> object:
    # A UUID column reads back as a UUID on PostgreSQL and as 32 hex digits on SQLite; the
    # model gives a UUID. str(UUID) is the one spelling all three agree on.
    if isinstance(row, str) and len(row) == 32:
        try:
            return uuid.UUID(row)
        except ValueError:
            return row
    return row
