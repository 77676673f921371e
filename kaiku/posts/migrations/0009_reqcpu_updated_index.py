"""The posts list's sections read their first page from an index (issue 17): the drafts and
sent sections sorted every post of their state (``updated_at`` had no index), the upcoming
one walked the organisation's past posts before the scheduled ones; the calendar read every
post of the organisation for its recurring ones."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0008_postsearch_full_text"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                fields=["organisation", "state", "updated_at"], name="post_org_state_updated_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                fields=["organisation", "state", "scheduled_at"], name="post_org_state_when_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["repeat", "organisation"], name="post_repeat_org_idx"),
        ),
    ]
