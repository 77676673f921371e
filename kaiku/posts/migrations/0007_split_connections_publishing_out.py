# Channel accounts and posting slots move to kaiku.connections, deliveries and the ledger to
# kaiku.publishing. Only Django's state changes: the tables and their rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("posts", "0006_split_calendar_site_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='delivery',
                    name='account',
                ),
                migrations.RemoveField(
                    model_name='postingslot',
                    name='account',
                ),
                migrations.RemoveField(
                    model_name='delivery',
                    name='post',
                ),
                migrations.RemoveField(
                    model_name='deliverymetric',
                    name='delivery',
                ),
                migrations.RemoveField(
                    model_name='publishedpart',
                    name='delivery',
                ),
                migrations.DeleteModel(
                    name='ChannelAccount',
                ),
                migrations.DeleteModel(
                    name='PostingSlot',
                ),
                migrations.DeleteModel(
                    name='DeliveryMetric',
                ),
                migrations.DeleteModel(
                    name='Delivery',
                ),
                migrations.DeleteModel(
                    name='PublishedPart',
                ),
            ],
        ),
    ]
