from django.apps import AppConfig


class PublishingConfig(AppConfig):
    """The publishing engine: claim, send, the ledger, retries, the operator's actions."""

    name = "kaiku.publishing"
    label = "publishing"
    default_auto_field = "django.db.models.BigAutoField"
