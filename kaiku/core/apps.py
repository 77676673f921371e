from django.apps import AppConfig

from kaiku import redact
from kaiku.core import checks  # noqa: F401  (registers the system checks)


class CoreConfig(AppConfig):
    name = "kaiku.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        redact.install()  # no secret in any log line, whoever logs it
