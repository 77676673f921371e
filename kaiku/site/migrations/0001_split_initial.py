# FeedEntry moves here from kaiku.posts; its table (posts_feedentry) and rows stay.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from kaiku.core.moves import relabel


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("organisations", "0001_initial"),
        ("posts", "0006_split_calendar_site_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FeedEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=64, unique=True)),
                        ("text", models.TextField()),
                        ("link", models.URLField(blank=True, max_length=1000)),
                        ("image", models.CharField(blank=True, max_length=500)),
                        ("image_alt", models.TextField(blank=True)),
                        ("published_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ("deleted_at", models.DateTimeField(blank=True, null=True)),
                        ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="feed_entries", to="organisations.organisation")),
                    ],
                    options={"db_table": "posts_feedentry", "ordering": ["-published_at", "-id"]},
                ),
            ],
        ),
        relabel("posts", "site", ["feedentry"]),
    ]
