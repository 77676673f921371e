"""Posts, their deliveries to connected accounts, and the ledger of what went out.

A post is written once; each target (post and connected account) is a Delivery with its own
state. Every effect on a platform is a PublishedPart row (unique per delivery and part), written
in the same transaction that moves the delivery on: the ledger is how "exactly once" is kept.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings as conf
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.channels.base import Account, Connector
from kaiku.channels.registry import connector_class
from kaiku.crypto import EncryptedTextField, seal
from kaiku.organisations.models import Organisation

# Every page converts a time to the reader's zone, and near the ends of the calendar that
# overflows (year 9999 in UTC is year 10000 in Helsinki): a page must not fail for one stored row.
_SAFE_MIN = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
_SAFE_MAX = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)


class ClampedDateTimeField(models.DateTimeField):  # type: ignore[type-arg]
    """A time read back within two days of the calendar's ends, whatever the column holds.

    The edges (forms, API) refuse such times; this keeps the pages working for a row that got
    one anyway (written before the bounds, or straight to the database). The same column type
    as DateTimeField, so no migration."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return min(max(value, _SAFE_MIN), _SAFE_MAX)
        return value

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


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
    credentials_json = EncryptedTextField(blank=True, default="", row_key="public_id")
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

        def recorded_for(remote_id: str) -> str | None:
            key: str | None = (
                PublishedPart.objects.filter(delivery__account_id=self.pk, remote_id=remote_id)
                .values_list("delivery__key", flat=True)
                .first()
            )
            return key

        def save_pending(key: str, index: int, handle: str) -> None:
            # Read and written by the one worker that holds the delivery's claim.
            row = Delivery.objects.filter(account_id=self.pk, key=key).only("pending").first()
            if row is not None:
                row.pending = {**row.pending, str(index): handle}
                row.save(update_fields=["pending"])

        def pending(key: str, index: int) -> str:
            value = (
                Delivery.objects.filter(account_id=self.pk, key=key)
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
                save_pending=save_pending,
                pending=pending,
            )
        )

    @property
    def label(self) -> str:
        return str(connector_class(self.platform).label)


class Post(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Sent")

    class Repeat(models.TextChoices):
        NONE = "", _("Does not repeat")
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week")
        MONTHLY = "monthly", _("Every month")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        conf.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="posts"
    )
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    link = models.URLField(_("link"), blank=True, max_length=1000)
    link_card = models.JSONField(default=dict, blank=True)  # title, description of the link
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    scheduled_at = ClampedDateTimeField(_("publish at"), null=True, blank=True)
    repeat = models.CharField(_("repeat"), max_length=10, choices=Repeat.choices, blank=True)
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    repeat_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="repeats"
    )
    # Review: why a reviewer must look, and what the reviewer decided.
    review_required_reason = models.CharField(max_length=64, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        conf.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="approved_posts",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_reason = models.TextField(_("reason for approval"), blank=True)
    findings_summary = models.JSONField(default=dict, blank=True)
    # The safety gate (kaiku.posts.gate): the digest of every publishable text when it was last
    # checked, and the digest the approval covered. An approval never covers other words.
    gate_digest = models.CharField(max_length=64, blank=True)
    # Per text at that check: [{"target": "variant:3", "block": 1, "warn": 0, "hetu": false}].
    gate_summary = models.JSONField(default=list, blank=True)
    approved_digest = models.CharField(max_length=64, blank=True)
    # Everyone who changed a publishable text since the last approval: none of them approves.
    editors = models.ManyToManyField(conf.AUTH_USER_MODEL, blank=True, related_name="edited_posts")
    # The one-person organisation's first confirmation of its own post (confirmed again later).
    first_confirmed_by = models.ForeignKey(
        conf.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_confirmed_at = models.DateTimeField(null=True, blank=True)
    first_confirmed_digest = models.CharField(max_length=64, blank=True)
    reply_to_url = models.URLField(blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "scheduled_at"], name="post_org_when_idx")]

    def __str__(self) -> str:
        return self.text[:60]


def _image_path(instance: PostImage, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"posts/{instance.post.organisation_id}/{uuid.uuid4().hex}.{suffix}"


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to=_image_path)
    mime = models.CharField(max_length=64)
    size_bytes = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt_text = models.TextField(_("alt text"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(self.file.name)


def _delivery_key() -> str:
    return uuid.uuid4().hex


class Delivery(models.Model):
    """One post to one connected account."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHING = "publishing", _("Publishing")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")
        UNCONFIRMED = "unconfirmed", _("Unconfirmed")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    account = models.ForeignKey(ChannelAccount, on_delete=models.PROTECT, related_name="deliveries")
    text_override = models.TextField(blank=True)
    # The thread as it will go out, fixed when the post is scheduled.
    parts = models.JSONField(default=list, blank=True)
    # Per part index ("0", "1", …), what a two-step platform made before the step that publishes
    # (Instagram's and Threads' media container), written before that step so that after a lost
    # answer the part is looked up by it rather than guessed by its text.
    pending = models.JSONField(default=dict, blank=True)
    # The digest of the exact outgoing texts the gate let through when it scheduled the delivery;
    # the engine publishes nothing else (kaiku.posts.gate.refusal).
    gate_stamp = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    key = models.CharField(max_length=32, unique=True, default=_delivery_key)
    due_at = ClampedDateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    publishing_since = models.DateTimeField(null=True, blank=True)
    # When the first attempt began; fixed thereafter, so connectors can derive stable keys.
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    # One unique key per part (kaiku.channels.tid), written before the first request and reused
    # on every retry: a platform's record or idempotency key never depends on timing.
    part_keys = models.JSONField(default=list, blank=True)
    held = models.BooleanField(default=False)  # waiting for its account to be reconnected
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.URLField(blank=True, max_length=1000)
    published_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)  # taken down from the platform
    last_error_code = models.CharField(max_length=64, blank=True)
    last_error_detail = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account__platform", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="one_delivery_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.account} ({self.state})"


class PublishedPart(models.Model):
    """The ledger: one row per platform post made for a delivery (a thread has several)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="published")
    index = models.PositiveSmallIntegerField()
    remote_id = models.CharField(max_length=255)
    url = models.URLField(blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["delivery", "index"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "index"], name="one_part_per_index")
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.index} {self.remote_id}"


class DeliveryMetric(models.Model):
    """Reach and engagement of a delivery at one moment (insights read the series)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="metrics")
    fetched_at = models.DateTimeField(default=timezone.now)
    values = models.JSONField(default=dict)

    class Meta:
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.fetched_at:%Y-%m-%d %H:%M}"


class PostingSlot(models.Model):
    """A weekly time when the organisation likes to post on an account (local time)."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField()  # 0 = Monday
    time = models.TimeField()

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [
            models.UniqueConstraint(fields=["account", "weekday", "time"], name="one_slot")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.weekday} {self.time}"
