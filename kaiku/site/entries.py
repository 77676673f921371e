"""The own feed's entries as the feed channel writes them (``kaiku.channels.base.EntryStore``).

The platform package ``kaiku.channels.feed`` imports no domain app: it gets this store through
the channel registry (``SiteConfig.ready`` provides it) and hands it plain data.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from kaiku.organisations.models import Organisation
from kaiku.site.models import FeedEntry


class FeedEntries:
    def add(
        self, organisation: str, key: str, text: str, link: str, image: str, image_alt: str
    ) -> int:
        try:
            with transaction.atomic():
                entry = FeedEntry.objects.create(
                    organisation=Organisation.objects.get(slug=organisation),
                    key=key,
                    text=text,
                    link=link,
                    image=image,
                    image_alt=image_alt,
                )
        except IntegrityError:  # the key is taken: this part was published before
            entry = FeedEntry.objects.get(key=key)
        return entry.pk

    def find(self, key: str) -> int | None:
        found: int | None = FeedEntry.objects.filter(key=key).values_list("pk", flat=True).first()
        return found

    def hide(self, entry_id: int) -> bool:
        return FeedEntry.objects.filter(pk=entry_id).update(deleted_at=timezone.now()) > 0
