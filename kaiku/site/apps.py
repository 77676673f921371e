from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The organisation's own public site: its feed (the "feed" channel) as pages, Atom and RSS."""

    name = "kaiku.site"
    label = "site"
    default_auto_field = "django.db.models.BigAutoField"
