"""The calendar's own data: the secret address of an organisation's schedule as iCalendar."""

from __future__ import annotations

import secrets

from django.db import models

from kaiku.organisations.models import Organisation


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


def new_feed_token() -> str:
    return _feed_token()


class CalendarFeed(models.Model):
    """The secret address of an organisation's schedule as iCalendar."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_feed_token)

    class Meta:
        db_table = "posts_calendarfeed"  # its table from before the calendar had its own app

    def __str__(self) -> str:
        return f"calendar of {self.organisation}"
