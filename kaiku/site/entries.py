"""The own feed's entries as the feed channel writes them (``kaiku.channels.base.EntryStore``).

The platform package ``kaiku.channels.feed`` imports no domain app: it gets this store through
the channel registry (``SiteConfig.ready`` provides it) and hands it plain data.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from kaiku.channels.base import EntryData
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

    def add_many(self, organisation: str, entries: list[EntryData]) -> list[int]:
        if not entries:
            return []
        with transaction.atomic():
            org_id = Organisation.objects.values_list("pk", flat=True).get(slug=organisation)
            # A key already taken was published before (a reconcile that found nothing, then
            # a retry racing it): its entry stands, as ``add`` does one by one.
            found = dict(
                FeedEntry.objects.filter(key__in=[e.key for e in entries]).values_list("key", "pk")
            )
            now = timezone.now()
            made = FeedEntry.objects.bulk_create(
                [
                    FeedEntry(
                        organisation_id=org_id,
                        key=e.key,
                        text=e.text,
                        link=e.link,
                        image=e.image,
                        image_alt=e.image_alt,
                        published_at=now,
                    )
                    for e in entries
                    if e.key not in found
                ]
            )
            found.update((entry.key, entry.pk) for entry in made if entry.pk is not None)
            if len(found) < len({e.key for e in entries}):
                # A database that does not return the new ids from a bulk insert.
                found = dict(
                    FeedEntry.objects.filter(key__in=[e.key for e in entries]).values_list(
                        "key", "pk"
                    )
                )
        return [found[e.key] for e in entries]

    def find(self, key: str) -> int | None:
        found: int | None = FeedEntry.objects.filter(key=key).values_list("pk", flat=True).first()
        return found

    def hide(self, entry_id: int) -> bool:
        return FeedEntry.objects.filter(pk=entry_id).update(deleted_at=timezone.now()) > 0
