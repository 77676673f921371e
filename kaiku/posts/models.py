"""Posts and their images: what is written once and approved before it goes anywhere.

Where it goes is kaiku.publishing (deliveries and the ledger); to which accounts,
kaiku.connections.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings as conf
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Still read from here by kaiku.watch.discovery (another branch is reshaping kaiku.watch):
# remove once that import names kaiku.connections.models.
from kaiku.connections.models import ChannelAccount as ChannelAccount
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
    # Base forms of every text (the post's, its channels' own, its images' alt texts) and the
    # other texts' words as written, for the full-text index (kaiku.posts.search); filled
    # whenever the texts are saved.
    lemmas = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organisation", "scheduled_at"], name="post_org_when_idx"),
            # The posts list's drafts and sent sections: a state's newest edits first, read
            # from the end of the index instead of sorting the state's every post (issue 17).
            models.Index(
                fields=["organisation", "state", "updated_at"], name="post_org_state_updated_idx"
            ),
            # Its upcoming section: the scheduled and approved posts in time order. Through
            # (organisation, scheduled_at) SQLite walked the organisation's past posts first,
            # 20 ms at 10,000 posts.
            models.Index(
                fields=["organisation", "state", "scheduled_at"], name="post_org_state_when_idx"
            ),
            # The calendar's recurring posts: the few with a repeat, not every post. The repeat
            # first: no query of the organisation's posts in general can start from it.
            models.Index(fields=["repeat", "organisation"], name="post_repeat_org_idx"),
        ]

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
