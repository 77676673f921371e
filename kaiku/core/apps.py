from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kaiku.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kaiku.core import checks  # noqa: F401  (registers the system checks)
