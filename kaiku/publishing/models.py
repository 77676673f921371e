"""The deliveries of posts to connected accounts, and the ledger of what went out.

Each target (post and connected account) is a Delivery with its own state. Every effect on a
platform is a PublishedPart row (unique per delivery and part), written in the same transaction
that moves the delivery on: the ledger is how "exactly once" is kept.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.connections.models import ChannelAccount
from kaiku.posts.models import ClampedDateTimeField, Post


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
        db_table = "posts_delivery"  # its table from before publishing had its own app
        ordering = ["account__platform", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="one_delivery_per_account")
        ]
        # The dashboard's and the posts list's failed and held deliveries: without it they
        # read every delivery of the organisation (issue 17: 26 ms at 25,000 deliveries).
        # SQLite as Kaiku runs it (no ANALYZE) reads the OR through it; after an ANALYZE
        # without STAT4 its planner guesses a quarter of all rows per state and prefers the
        # organisation's posts again (two partial indexes lose without ANALYZE).
        indexes = [
            models.Index(fields=["state", "held"], name="delivery_state_idx"),
            # The dashboard's "needs attention" list per account of the organisation: only
            # the few deliveries in trouble of its accounts, not every delivery or post of the
            # organisation (issue 17: 12 ms walking the big organisation's 10,000 posts on an
            # ANALYZE'd SQLite, whose statistics rate an organisation by the average one). Not
            # a partial index: SQLite cannot prove one from a query's bound parameters.
            models.Index(fields=["account", "state", "held"], name="delivery_trouble_idx"),
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
        db_table = "posts_publishedpart"  # its table from before publishing had its own app
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
        db_table = "posts_deliverymetric"  # its table from before publishing had its own app
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.fetched_at:%Y-%m-%d %H:%M}"
