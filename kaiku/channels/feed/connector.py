"""The organisation's own feed: a public page with Atom and RSS, kept in Kaiku's own database.

Needs no credentials, so it is the demo's channel. Publishing is idempotent by construction:
each part is a row keyed by the delivery key and part index.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from kaiku.channels.base import (
    AccountSetup,
    ChannelError,
    Connector,
    Failure,
    Limits,
    OutgoingPost,
    PublishedPart,
    Redirect,
)


class FeedConnector(Connector):
    platform: ClassVar[str] = "feed"
    label: ClassVar[str] = "Kaiku-syöte"
    needs_credentials: ClassVar[bool] = False
    default_limits: ClassVar[Limits] = Limits(
        max_chars=10_000, counter="feed", max_images=4, image_max_bytes=10_000_000
    )

    @classmethod
    def start_connect(cls, data: Mapping[str, str], callback_url: str) -> AccountSetup | Redirect:
        org_slug = data["organisation"]
        return AccountSetup(
            handle=org_slug,
            display_name=data.get("organisation_name", org_slug),
            base_url=settings.PUBLIC_URL,
            credentials={},
            settings={"organisation": org_slug},
        )

    def _organisation(self) -> Any:
        from kaiku.organisations.models import Organisation

        return Organisation.objects.get(slug=self.account.settings["organisation"])

    def _url(self, entry_id: int) -> str:
        slug = self.account.settings["organisation"]
        return settings.PUBLIC_URL + reverse("feed:entry", args=[slug, entry_id])

    def publish_part(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart]
    ) -> PublishedPart:
        from kaiku.site.models import FeedEntry

        self.reply_target(post)  # the feed has no replies: refused, never a post of its own
        image = post.images[0] if post.images and index == 0 else None
        key = f"{post.key}-{index}"
        try:
            with transaction.atomic():
                entry = FeedEntry.objects.create(
                    organisation=self._organisation(),
                    key=key,
                    text=post.parts[index],
                    link=post.link or "",
                    image=image.name if image else "",
                    image_alt=image.alt_text if image else "",
                )
        except IntegrityError:
            entry = FeedEntry.objects.get(key=key)
        return PublishedPart(index, str(entry.pk), self._url(entry.pk))

    def reconcile(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart] | None = None
    ) -> PublishedPart | None:
        from kaiku.site.models import FeedEntry

        entry = FeedEntry.objects.filter(key=f"{post.key}-{index}").first()
        return PublishedPart(index, str(entry.pk), self._url(entry.pk)) if entry else None

    def delete(self, remote_id: str) -> None:
        from django.utils import timezone

        from kaiku.site.models import FeedEntry

        updated = FeedEntry.objects.filter(pk=int(remote_id)).update(deleted_at=timezone.now())
        if not updated:
            raise ChannelError(Failure.PERMANENT, "not_found", remote_id)
