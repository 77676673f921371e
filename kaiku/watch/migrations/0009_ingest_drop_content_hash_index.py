"""The content hash is no longer a merge key (issue 16 item 1) and no query reads it by
index: dropping the index spares every item insert its upkeep (issue 16 item 7)."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("watch", "0008_onehome_x_token_to_channel_account")]

    operations = [
        migrations.RemoveIndex(model_name="item", name="watch_item_hash_idx"),
    ]
