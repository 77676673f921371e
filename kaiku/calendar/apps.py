from django.apps import AppConfig


class CalendarConfig(AppConfig):
    """The calendar: what goes out when, moving posts, posting slots, the iCalendar feed."""

    name = "kaiku.calendar"
    label = "calendar"
    default_auto_field = "django.db.models.BigAutoField"
