# Delivery, PublishedPart and DeliveryMetric move here from kaiku.posts; their tables
# (posts_delivery, posts_publishedpart, posts_deliverymetric) and rows stay.

import django.db.models.deletion
import django.utils.timezone
import kaiku.publishing.models
import uuid
from django.db import migrations, models

from kaiku.core.moves import relabel


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("connections", "0001_split_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("posts", "0007_split_connections_publishing_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Delivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('text_override', models.TextField(blank=True)),
                        ('parts', models.JSONField(blank=True, default=list)),
                        ('pending', models.JSONField(blank=True, default=dict)),
                        ('gate_stamp', models.CharField(blank=True, max_length=64)),
                        ('state', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('approved', 'Approved'), ('scheduled', 'Scheduled'), ('publishing', 'Publishing'), ('published', 'Published'), ('failed', 'Failed'), ('unconfirmed', 'Unconfirmed'), ('cancelled', 'Cancelled')], default='draft', max_length=16)),
                        ('key', models.CharField(default=kaiku.publishing.models._delivery_key, max_length=32, unique=True)),
                        ('due_at', models.DateTimeField(blank=True, db_index=True, null=True)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('publishing_since', models.DateTimeField(blank=True, null=True)),
                        ('first_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('part_keys', models.JSONField(blank=True, default=list)),
                        ('held', models.BooleanField(default=False)),
                        ('remote_id', models.CharField(blank=True, max_length=255)),
                        ('remote_url', models.URLField(blank=True, max_length=1000)),
                        ('published_at', models.DateTimeField(blank=True, null=True)),
                        ('removed_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error_code', models.CharField(blank=True, max_length=64)),
                        ('last_error_detail', models.TextField(blank=True)),
                        ('last_error_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='connections.channelaccount')),
                        ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='posts.post')),
                    ],
                    options={
                        'db_table': 'posts_delivery',
                        'ordering': ['account__platform', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='DeliveryMetric',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('fetched_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('values', models.JSONField(default=dict)),
                        ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='metrics', to='publishing.delivery')),
                    ],
                    options={
                        'db_table': 'posts_deliverymetric',
                        'ordering': ['-fetched_at'],
                    },
                ),
                migrations.CreateModel(
                    name='PublishedPart',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('index', models.PositiveSmallIntegerField()),
                        ('remote_id', models.CharField(max_length=255)),
                        ('url', models.URLField(blank=True, max_length=1000)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='published', to='publishing.delivery')),
                    ],
                    options={
                        'db_table': 'posts_publishedpart',
                        'ordering': ['delivery', 'index'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='delivery',
                    constraint=models.UniqueConstraint(fields=('post', 'account'), name='one_delivery_per_account'),
                ),
                migrations.AddConstraint(
                    model_name='publishedpart',
                    constraint=models.UniqueConstraint(fields=('delivery', 'index'), name='one_part_per_index'),
                ),
            ],
        ),
        relabel("posts", "publishing", ["delivery", "publishedpart", "deliverymetric"]),
    ]
