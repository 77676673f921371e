# CalendarFeed moves here from kaiku.posts; its table (posts_calendarfeed) and rows stay.

import django.db.models.deletion
from django.db import migrations, models

import kaiku.calendar.models
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
                    name="CalendarFeed",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("token", models.CharField(default=kaiku.calendar.models._feed_token, max_length=64, unique=True)),
                        ("organisation", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="calendar_feed", to="organisations.organisation")),
                    ],
                    options={"db_table": "posts_calendarfeed"},
                ),
            ],
        ),
        relabel("posts", "calendar", ["calendarfeed"]),
    ]
