"""The organisation's own feed: a public page with Atom and RSS, kept in Kaiku's own database.

Needs no credentials, so it is the demo's channel. Publishing is idempotent by construction:
each part is a row keyed by the delivery key and part index. The rows are the site app's; this
package writes them through the ``EntryStore`` the registry gives (``Account.entries``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, cast

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy

from kaiku.channels.base import (
    AccountSetup,
    ChannelError,
    Connector,
    EntryData,
    EntryStore,
    Failure,
    Limits,
    OutgoingPost,
    PublishedPart,
    Redirect,
)


class FeedConnector(Connector):
    platform: ClassVar[str] = "feed"
    # The one platform that is Kaiku's own, so its name is a word of the user's language
    # (others keep the platform's own name); lazy, read with str() when shown.
    label: ClassVar[str] = cast("str", gettext_lazy("Kaiku feed"))
    needs_credentials: ClassVar[bool] = False
    batch_publish: ClassVar[bool] = True
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

    def _entries(self) -> EntryStore:
        if self.account.entries is None:  # the site app is not installed
            raise ChannelError(Failure.PERMANENT, "no_store", "the own feed has no store")
        return self.account.entries

    def _url(self, entry_id: int) -> str:
        slug = self.account.settings["organisation"]
        return settings.PUBLIC_URL + reverse("feed:entry", args=[slug, entry_id])

    def publish_part(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart]
    ) -> PublishedPart:
        self.reply_target(post)  # the feed has no replies: refused, never a post of its own
        image = post.images[0] if post.images and index == 0 else None
        entry_id = self._entries().add(
            organisation=self.account.settings["organisation"],
            key=f"{post.key}-{index}",
            text=post.parts[index],
            link=post.link or "",
            image=image.name if image else "",
            image_alt=image.alt_text if image else "",
        )
        return PublishedPart(index, str(entry_id), self._url(entry_id))

    def publish_firsts(self, posts: list[OutgoingPost]) -> list[PublishedPart | ChannelError]:
        """Many due posts at once: their entries are written in one transaction, not one
        each (a burst of 1,000 posts spent most of its time on 1,000 commits and on looking
        the organisation up 1,000 times)."""
        results: list[PublishedPart | ChannelError | None] = []
        wanted: list[EntryData] = []
        for post in posts:
            try:
                self.reply_target(post)
            except ChannelError as error:
                results.append(error)
                continue
            image = post.images[0] if post.images else None
            wanted.append(
                EntryData(
                    key=f"{post.key}-0",
                    text=post.parts[0],
                    link=post.link or "",
                    image=image.name if image else "",
                    image_alt=image.alt_text if image else "",
                )
            )
            results.append(None)
        ids = iter(self._entries().add_many(self.account.settings["organisation"], wanted))
        return [result if result is not None else self._part(next(ids)) for result in results]

    def _part(self, entry_id: int) -> PublishedPart:
        return PublishedPart(0, str(entry_id), self._url(entry_id))

    def reconcile(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart] | None = None
    ) -> PublishedPart | None:
        entry_id = self._entries().find(f"{post.key}-{index}")
        return PublishedPart(index, str(entry_id), self._url(entry_id)) if entry_id else None

    def delete(self, remote_id: str) -> None:
        if not self._entries().hide(int(remote_id)):
            raise ChannelError(Failure.PERMANENT, "not_found", remote_id)
