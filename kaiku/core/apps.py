from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kaiku.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kaiku import redact
        from kaiku.core import checks  # noqa: F401  (registers the system checks)

        redact.install()  # no secret in any log line, whoever logs it
