"""A Facebook Page as a Kaiku channel: connect with the organisation's own Meta app, publish
text, links and photos with alt text, reconcile, delete, read counts.

Exactly once: the Graph API has no idempotency key, so the engine's reconcile step is the only
guard. After an unknown outcome ``reconcile`` reads the Page's own posts since the first
attempt and takes the oldest one with the text that was sent; only when there is none does the
engine send again. Unpublished photos uploaded by a failed attempt are never shown to anyone.

Error 506 ("Duplicate status message"): Facebook refuses a text the Page has just posted. The
post it means is this delivery's only when the same lookup finds it (this text, not older than
the first attempt, not given by Kaiku's ledger to another delivery): then an earlier attempt of
this delivery went through unheard, and it is recorded. Otherwise it is another post's
(the same words from another delivery or an earlier day), which stays PERMANENT ``duplicate``
for a person to resolve, never a success.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kaiku.channels.base import (
    AccountSetup,
    ChannelError,
    Failure,
    Limits,
    OutgoingPost,
    PublishedPart,
)
from kaiku.channels.facebook import client as fb
from kaiku.channels.meta import reconcile as rec
from kaiku.channels.meta.models import Page, Token, TokenInfo
from kaiku.channels.meta.pages import PageLoginConnector

# https://developers.facebook.com/docs/pages-api/getting-started: publishing needs these.
SCOPES = ("pages_show_list", "pages_read_engagement", "pages_manage_posts")
MAX_CHARS = 63_206  # the same figure as kaiku.language.length
MAX_PHOTOS = 10  # not documented for attached_media; what Facebook's own composer takes


def message_for(post: OutgoingPost, index: int) -> str:
    """The message as sent. A post with photos cannot carry a link attachment, so then the link
    goes at the end of the text (publish and reconcile must agree on this)."""
    text = post.parts[index]
    if index == 0 and post.images and post.link and post.link not in text:
        text = f"{text}\n\n{post.link}" if text else post.link
    return text


class FacebookConnector(PageLoginConnector):
    platform: ClassVar[str] = "facebook"
    label: ClassVar[str] = "Facebook"
    scopes: ClassVar[tuple[str, ...]] = SCOPES
    default_limits: ClassVar[Limits] = Limits(
        max_chars=MAX_CHARS,
        counter="facebook",
        max_images=MAX_PHOTOS,
        # https://developers.facebook.com/docs/graph-api/photo-uploads/: "We recommend
        # uploading photos under 4MB"; PNG over 1 MB may look pixelated.
        image_max_bytes=4_000_000,
        image_types=("image/jpeg", "image/png", "image/gif"),
        threads=False,
        max_thread_parts=1,
        client_link_card=False,
    )

    @classmethod
    def setup_for(
        cls,
        page: Page,
        info: TokenInfo,
        *,
        app_id: str,
        app_secret: str,
        graph: str,
        user: Token | None = None,
    ) -> AccountSetup:
        settings: dict[str, Any] = {"page_id": page.id, "page_name": page.name}
        settings.update(cls.stored_graph_url(graph))
        return AccountSetup(
            handle=page.name or page.id,
            display_name=page.name or page.id,
            base_url=f"https://www.facebook.com/{page.id}",
            credentials=cls.credentials_for(page, info, app_id=app_id, app_secret=app_secret),
            settings=settings,
            expires_at=info.expires_at,
        )

    def part_text(self, post: OutgoingPost, index: int) -> str:
        return message_for(post, index)

    def publish_part(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart]
    ) -> PublishedPart:
        if index > 0:
            raise ChannelError(Failure.PERMANENT, "invalid", "Facebook posts are not threads")
        self.reply_target(post)  # a Page post cannot reply: refused, never posted on its own
        page_id = self._setting("page_id")
        images = post.images[:MAX_PHOTOS]
        with self._api() as graph:
            photo_ids = [
                fb.upload_photo(
                    graph,
                    page_id,
                    image.path.read_bytes(),
                    filename=image.path.name,
                    mime=image.mime,
                    alt_text=image.alt_text,
                )
                for image in images
            ]
            try:
                created = fb.create_post(
                    graph,
                    page_id,
                    message_for(post, index),
                    link=None if images else post.link,
                    photo_ids=photo_ids,
                )
            except ChannelError as exc:
                if exc.code != "duplicate":
                    raise
                found = self.reconcile(post, index)
                if found is None:
                    raise
                return found
            try:
                url = fb.permalink(graph, created.id)
            except ChannelError:  # the post exists; its address is a nicety
                url = ""
        return PublishedPart(index=index, remote_id=created.id, url=url)

    def reconcile(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart] | None = None
    ) -> PublishedPart | None:
        page_id = self._setting("page_id")
        since = rec.since_for(post.created_at)
        with self._api() as graph:
            posts = rec.recent(
                lambda after: fb.page_posts(graph, page_id, since=since, after=after), since
            )
        found = rec.first_match(
            posts,
            message_for(post, index),
            elsewhere=lambda rid: self.recorded_elsewhere(post, rid),
        )
        if found is None:
            return None
        return PublishedPart(index=index, remote_id=found.id, url=found.url)

    def delete(self, remote_id: str) -> None:
        with self._api() as graph:
            try:
                fb.delete_post(graph, remote_id)
            except ChannelError as exc:
                if exc.code != "not_found":  # already gone is what we wanted
                    raise
