"""The own public site's data: the entries of the organisation's own feed."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from kaiku.organisations.models import Organisation
from kaiku.posts.models import ClampedDateTimeField


class FeedEntry(models.Model):
    """A post on the organisation's own public feed (the "feed" channel)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="feed_entries"
    )
    key = models.CharField(max_length=64, unique=True)  # the delivery key and part: idempotent
    text = models.TextField()
    link = models.URLField(blank=True, max_length=1000)
    image = models.CharField(max_length=500, blank=True)
    image_alt = models.TextField(blank=True)
    published_at = ClampedDateTimeField(default=timezone.now, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "posts_feedentry"  # its table from before the site had its own app
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]
