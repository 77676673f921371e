# The calendar's feed address and the own site's entries move to their own apps
# (kaiku.calendar, kaiku.site). Only Django's state changes: the tables and their rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("posts", "0005_input_secrets_bound_to_rows")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CalendarFeed"),
                migrations.DeleteModel(name="FeedEntry"),
            ],
        ),
    ]
