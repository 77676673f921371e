from __future__ import annotations

import hashlib
from typing import Any

from django.db import migrations, models

_B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"


def _old_rkey(key: str, at: Any) -> str:
    # The record key Bluesky deliveries used before part keys were stored (a frozen copy of
    # kaiku.channels.bluesky.client.deterministic_tid as it was), so that a delivery already
    # attempted keeps looking for, and writing to, the key its earlier attempt may have used.
    micros = int(at.timestamp()) * 1_000_000 + at.microsecond
    clock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:2], "big") & 0x3FF
    value = (micros << 10) | clock_id
    return "".join(_B32_SORTABLE[(value >> shift) & 31] for shift in range(60, -1, -5))


def keep_keys_of_attempted_bluesky_deliveries(apps: Any, schema_editor: Any) -> None:
    Delivery = apps.get_model("posts", "Delivery")
    attempted = Delivery.objects.filter(
        account__platform="bluesky", first_attempt_at__isnull=False
    ).exclude(state__in=["published", "cancelled"])
    for delivery in attempted:
        count = max(len(delivery.parts or []), 1)
        delivery.part_keys = [
            _old_rkey(f"{delivery.key}-{index}", delivery.first_attempt_at)
            for index in range(count)
        ]
        delivery.save(update_fields=["part_keys"])


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0002_connectors_pending"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="part_keys",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(
            keep_keys_of_attempted_bluesky_deliveries, migrations.RunPython.noop
        ),
    ]
