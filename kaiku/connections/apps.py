from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    """The organisation's connected accounts: connecting, keeping tokens alive, posting slots."""

    name = "kaiku.connections"
    label = "connections"
    default_auto_field = "django.db.models.BigAutoField"
