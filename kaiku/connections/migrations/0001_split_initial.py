# ChannelAccount and PostingSlot move here from kaiku.posts; their tables
# (posts_channelaccount, posts_postingslot) and rows stay.

import django.db.models.deletion
import django.utils.timezone
import kaiku.crypto
import uuid
from django.conf import settings
from django.db import migrations, models

from kaiku.core.moves import relabel


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("organisations", "0003_gate_self_review_wait"),
        ("posts", "0007_split_connections_publishing_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ChannelAccount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('platform', models.CharField(max_length=32)),
                        ('handle', models.CharField(max_length=255)),
                        ('display_name', models.CharField(blank=True, max_length=255)),
                        ('base_url', models.CharField(blank=True, max_length=255)),
                        ('credentials_json', kaiku.crypto.EncryptedTextField(blank=True, default='')),
                        ('settings', models.JSONField(blank=True, default=dict)),
                        ('status', models.CharField(choices=[('active', 'Working'), ('needs_reconnect', 'Needs reconnecting'), ('disconnected', 'Disconnected')], default='active', max_length=20)),
                        ('status_message', models.TextField(blank=True)),
                        ('last_verified_at', models.DateTimeField(blank=True, null=True)),
                        ('expires_at', models.DateTimeField(blank=True, null=True)),
                        ('expiry_warned_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='channel_accounts', to='organisations.organisation')),
                    ],
                    options={
                        'db_table': 'posts_channelaccount',
                        'ordering': ['platform', 'handle'],
                    },
                ),
                migrations.CreateModel(
                    name='PostingSlot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('weekday', models.PositiveSmallIntegerField()),
                        ('time', models.TimeField()),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='slots', to='connections.channelaccount')),
                    ],
                    options={
                        'db_table': 'posts_postingslot',
                        'ordering': ['weekday', 'time'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='channelaccount',
                    constraint=models.UniqueConstraint(fields=('organisation', 'platform', 'handle'), name='one_account_per_handle'),
                ),
                migrations.AddConstraint(
                    model_name='postingslot',
                    constraint=models.UniqueConstraint(fields=('account', 'weekday', 'time'), name='one_slot'),
                ),
            ],
        ),
        relabel("posts", "connections", ["channelaccount", "postingslot"]),
    ]
