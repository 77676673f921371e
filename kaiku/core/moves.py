"""Moving a model to another app without touching its table.

A model that moves keeps its table (``db_table`` names the old one) and its rows; the migration
only changes Django's idea of which app owns it (``SeparateDatabaseAndState``). What Django keeps
about the model by app label, its content type, is relabelled here so that nothing that refers
to the content type (permissions) loses its row.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def relabel(old_app: str, new_app: str, models: list[str]) -> migrations.RunPython:
    """A migration step that moves the content types of ``models`` from one app to the other."""

    def move(apps: Any, from_app: str, to_app: str) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            # The new label may already exist (a fresh database gets its content types only
            # after every migration ran; a half-run one may hold both): keep the old row then.
            if not content_type.objects.filter(app_label=to_app, model=model).exists():
                content_type.objects.filter(app_label=from_app, model=model).update(
                    app_label=to_app
                )

    def forward(apps: Any, schema_editor: Any) -> None:
        move(apps, old_app, new_app)

    def backward(apps: Any, schema_editor: Any) -> None:
        move(apps, new_app, old_app)

    return migrations.RunPython(forward, backward)
