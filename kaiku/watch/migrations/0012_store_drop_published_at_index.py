"""Drop the index of ``watch_item.published_at`` on its own (issue 16 item 7).

Every query that reads items by publishing time keeps to one organisation, and
watch_item_when_idx (organisation, published_at; 0010) serves it: the digest's and the
debate's plans are the same without this one (bench/pages_cost.py --explain), while its upkeep
cost every stored item a write into one more B-tree. Dropped by name rather than by
AlterField, which on SQLite would rebuild the item table (and drop the search triggers of
0007/0011 with it).
"""

from django.db import migrations, models

INDEX = "watch_item_published_at_7bf16eb0"  # Django's name for the field's db_index


class Migration(migrations.Migration):

    dependencies = [
        ("watch", "0011_store_search_detail_none"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX "{INDEX}" ON "watch_item" ("published_at")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="item",
                    name="published_at",
                    field=models.DateTimeField(blank=True, null=True),
                ),
            ],
        ),
    ]
