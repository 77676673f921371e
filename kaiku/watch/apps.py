from __future__ import annotations

from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "kaiku.watch"
    label = "watch"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Field watch"

    def ready(self) -> None:
        # Imported here, once the models are loaded: the rank stage imports them.
        from kaiku.watch.ingest import rank

        rank.connect()
