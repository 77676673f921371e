"""Connected accounts on the platforms (and the own feed), and when each likes to post."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.apps import apps
from django.conf import settings as conf
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.channels.base import Account, Connector
from kaiku.channels.registry import connector_class, entry_store
from kaiku.crypto import EncryptedTextField, seal
from kaiku.organisations.models import Organisation


class ChannelAccount(models.Model):
    """A connected account on one platform (or the organisation's own feed)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Working")
        NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")
        DISCONNECTED = "disconnected", _("Disconnected")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="channel_accounts"
    )
    platform = models.CharField(max_length=32)
    handle = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True)
    base_url = models.CharField(max_length=255, blank=True)
    # Bound to the context it had in kaiku.posts: the stored secrets stay readable.
    credentials_json = EncryptedTextField(
        blank=True,
        default="",
        row_key="public_id",
        context="posts.channelaccount.credentials_json",
    )
    settings = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_message = models.TextField(blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        conf.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "posts_channelaccount"  # its table from before connections had their own app
        ordering = ["platform", "handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "platform", "handle"], name="one_account_per_handle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform}: {self.handle}"

    @property
    def credentials(self) -> dict[str, Any]:
        return json.loads(self.credentials_json) if self.credentials_json else {}

    def set_credentials(self, value: dict[str, Any]) -> None:
        self.credentials_json = json.dumps(value)

    def connector(self) -> Connector:
        def save(new: dict[str, Any]) -> None:
            # Saved at once and on its own: a rotated refresh token must never be lost.
            self.set_credentials(new)
            ChannelAccount.objects.filter(pk=self.pk).update(
                credentials_json=seal(self, "credentials_json", self.credentials_json)
            )

        def save_settings(new: dict[str, Any]) -> None:
            self.settings = dict(new)
            ChannelAccount.objects.filter(pk=self.pk).update(settings=self.settings)

        # The ledger lives in kaiku.publishing, whose models point at this one: looked up by
        # the app registry when called, not imported (that would be an import circle).
        published_part = apps.get_model("publishing", "PublishedPart")
        delivery_model = apps.get_model("publishing", "Delivery")

        def recorded_for(remote_id: str) -> str | None:
            key: str | None = (
                published_part._default_manager.filter(
                    delivery__account_id=self.pk, remote_id=remote_id
                )
                .values_list("delivery__key", flat=True)
                .first()
            )
            return key

        def save_pending(key: str, index: int, handle: str) -> None:
            # Read and written by the one worker that holds the delivery's claim.
            row = (
                delivery_model._default_manager.filter(account_id=self.pk, key=key)
                .only("pending")
                .first()
            )
            if row is not None:
                row.pending = {**row.pending, str(index): handle}
                row.save(update_fields=["pending"])

        def pending(key: str, index: int) -> str:
            value = (
                delivery_model._default_manager.filter(account_id=self.pk, key=key)
                .values_list("pending", flat=True)
                .first()
            )
            handle = value.get(str(index)) if isinstance(value, dict) else None
            return handle if isinstance(handle, str) else ""

        cls = connector_class(self.platform)
        return cls(
            Account(
                handle=self.handle,
                base_url=self.base_url,
                credentials=self.credentials,
                settings=dict(self.settings),
                save_credentials=save,
                save_settings=save_settings,
                recorded_for=recorded_for,
                entries=entry_store(self.platform),
                save_pending=save_pending,
                pending=pending,
            )
        )

    @property
    def label(self) -> str:
        return str(connector_class(self.platform).label)


class PostingSlot(models.Model):
    """A weekly time when the organisation likes to post on an account (local time)."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField()  # 0 = Monday
    time = models.TimeField()

    class Meta:
        db_table = "posts_postingslot"  # its table from before connections had their own app
        ordering = ["weekday", "time"]
        constraints = [
            models.UniqueConstraint(fields=["account", "weekday", "time"], name="one_slot")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.weekday} {self.time}"
