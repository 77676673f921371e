"""An Instagram professional account as a Kaiku channel (Instagram API with Facebook Login).

Why Facebook Login and not Instagram Login: Meta documents both
(https://developers.facebook.com/docs/instagram-platform/content-publishing/, "Instagram API
with Instagram Login" on graph.instagram.com and "with Facebook Login" on graph.facebook.com)
and recommends neither for every case. The Facebook Login variant needs the Instagram account
to be linked to a Facebook Page, which is how the organisations Kaiku serves already run their
accounts; in exchange it shares the organisation's one Meta app, login and Page token with the
Facebook connector, and a Page token obtained from a long-lived user token does not expire.
Tokens. The IG reference pages ("Instagram API with Facebook Login") and the content-publishing
guide name a Facebook *User* access token for every call ("All requests must include the app
user's User access token"; IG Container: "Facebook User access token"), not a Page token. So
the account keeps the long-lived user token of the connect flow (about 60 days:
https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived) and
renews it ``renew_before_days`` ahead by exchanging it again (``fb_exchange_token``); the new
token is saved through ``save_credentials`` before anything else. Meta documents the exchange
for a short-lived token; that a valid long-lived one is exchanged the same way is how it is
used in practice. When Meta refuses, the account is asked to reconnect, and the expiry job has
warned in time. Accounts connected before kept a Page token, which goes on being used until
they reconnect.

Publishing (content-publishing guide): the image URLs must be public, because Meta fetches
them, so an image without ``public_url`` fails PERMANENT ``no_public_url``. One image becomes
an image container, 2-10 a carousel of item containers; the container is polled until
FINISHED, then published. The publishing quota is read first; when it is used up the part is
refused RATE_LIMITED before anything is made.

Exactly once: ``media_publish`` has no idempotency key, so the container that is about to be
published is kept with the delivery (``Account.save_pending``) before ``media_publish`` is
sent. After an unknown outcome ``reconcile`` asks that container its ``status_code`` (IG
Container reference): FINISHED, IN_PROGRESS, ERROR or EXPIRED mean nothing was published, and
the next attempt publishes the same container if it still can (FINISHED, IN_PROGRESS) or makes
a new one; PUBLISHED means the post is out, and its media id is the oldest of the account's
media since the first attempt with the same caption and kind that Kaiku's ledger gives to no
other delivery (the container does not name its media). Only when no container is known
(an attempt that never got that far, or an account without the ledger) is the post looked up
by its caption alone. A container created by a failed attempt and never published simply
expires after 24 hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from kaiku.channels.base import (
    AccountSetup,
    ChannelError,
    Failure,
    Limits,
    OutgoingPost,
    PublishedPart,
)
from kaiku.channels.instagram import client as ig
from kaiku.channels.meta import reconcile as rec
from kaiku.channels.meta.models import Page, RemotePost, Token, TokenInfo, parse_token
from kaiku.channels.meta.pages import PageLoginConnector
from kaiku.language.text import HASHTAG_RE, MENTION_RE

# IG Container reference, "Instagram API with Facebook Login" column.
SCOPES = (
    "instagram_basic",
    "instagram_content_publish",
    "pages_show_list",
    "pages_read_engagement",
)
MAX_CAPTION = 2200
MAX_CAROUSEL = 10
# The IG Media reference has long said at most 30 hashtags per caption. Third-party services
# report that Instagram lowered this to 5 in December 2025 (and kaiku.language warns at 5);
# we found no Meta page saying so, so the connector keeps Meta's 30 and an account may set
# settings["max_hashtags"]. Meta refuses a caption over its real limit either way.
MAX_HASHTAGS = 30
# The IG User Media reference's ``caption`` row has said "Maximum 2200 characters, 30
# hashtags, and 20 @ tags" for years; the row itself was not in what we could read on
# 2026-12-06 (the search found the page but not that row), and third-party services agree on
# 2,200 and 20 mentions, so this is kept with that caveat.
MAX_MENTIONS = 20
# When the quota is used up Meta does not say when the oldest post leaves its moving window.
QUOTA_RETRY_AFTER = 3600.0


# A long-lived user token's life when Meta's answer has no expires_in ("about 60 days").
USER_TOKEN_SECONDS = 60 * 24 * 3600


def _user_credentials(token: Token, *, app_id: str, app_secret: str) -> dict[str, Any]:
    seconds = token.expires_in or USER_TOKEN_SECONDS
    return {
        "access_token": token.access_token,
        "token_kind": "user",
        "app_id": app_id,
        "app_secret": app_secret,
        # kaiku.connections.tokens reads this to move the account's expires_at after a renewal.
        "expires_at": (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(),
    }


def _expiry(credentials: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(credentials["expires_at"]))


def caption_for(post: OutgoingPost, index: int) -> str:
    """The caption as sent: links are not clickable on Instagram, but one that the text does not
    carry goes at its end so that it is there to copy (publish and reconcile agree on this)."""
    text = post.parts[index]
    if post.link and post.link not in text:
        text = f"{text}\n\n{post.link}" if text else post.link
    return text


class InstagramConnector(rec.KeptContainers, PageLoginConnector):
    platform: ClassVar[str] = "instagram"
    label: ClassVar[str] = "Instagram"
    container_fields = ig.CONTAINER_FIELDS  # what rec.KeptContainers asks of a container
    scopes: ClassVar[tuple[str, ...]] = SCOPES
    page_fields: ClassVar[str] = (
        "id,name,access_token,tasks,instagram_business_account{id,username}"
    )
    default_limits: ClassVar[Limits] = Limits(
        max_chars=MAX_CAPTION,
        counter="instagram",
        max_images=MAX_CAROUSEL,
        # 8 MB and JPEG: what the content-publishing guide's image specification says as we
        # remember it; we could not re-read that section (third-party services agree on 8 MB and
        # disagree on PNG), so this is conservative and unverified.
        image_max_bytes=8_000_000,
        image_types=("image/jpeg",),
        threads=False,
        max_thread_parts=1,
        client_link_card=False,
    )

    @classmethod
    def choose(cls, pages: list[Page], wanted: str) -> Page:
        linked = [p for p in pages if p.instagram_id]
        if not linked:
            raise ChannelError(
                Failure.PERMANENT,
                "no_instagram",
                "none of the account's Facebook Pages has an Instagram professional account",
            )
        for page in linked:
            if wanted and wanted.lstrip("@").casefold() == page.instagram_username.casefold():
                return page
        return super().choose(linked, wanted)

    renew_before_days: ClassVar[int] = 14

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
        username = page.instagram_username or page.instagram_id
        settings: dict[str, Any] = {
            "ig_user_id": page.instagram_id,
            "username": username,
            "page_id": page.id,
            "page_name": page.name,
        }
        settings.update(cls.stored_graph_url(graph))
        if user is None:
            raise ChannelError(Failure.AUTH, "auth", "no user token from the connect flow")
        credentials = _user_credentials(user, app_id=app_id, app_secret=app_secret)
        return AccountSetup(
            handle=f"@{username}",
            display_name=page.name or username,
            base_url=f"https://www.instagram.com/{username}",
            credentials=credentials,
            settings=settings,
            expires_at=_expiry(credentials),
        )

    def refresh_credentials(self) -> bool:
        """Exchange the long-lived user token for a new one and save it at once. A Page token
        (an account connected before Kaiku kept the user token) cannot be renewed: False."""
        creds = self.account.credentials
        if creds.get("token_kind") != "user":
            return False
        app_id, app_secret = str(creds.get("app_id") or ""), str(creds.get("app_secret") or "")
        with self._api() as graph:
            renewed = parse_token(
                self._token_request(
                    graph,
                    grant_type="fb_exchange_token",
                    client_id=app_id,
                    client_secret=app_secret,
                    fb_exchange_token=str(creds.get("access_token") or ""),
                )
            )
        new = {**creds, **_user_credentials(renewed, app_id=app_id, app_secret=app_secret)}
        self.account.save_credentials(new)
        self.account.credentials = new
        return True

    def _max_hashtags(self) -> int:
        value = self.account.settings.get("max_hashtags")
        return value if isinstance(value, int) and value > 0 else MAX_HASHTAGS

    def _check(self, post: OutgoingPost, caption: str) -> None:
        if not post.images:
            raise ChannelError(
                Failure.PERMANENT, "image_required", "an Instagram post needs at least one image"
            )
        if len(post.images) > MAX_CAROUSEL:
            raise ChannelError(
                Failure.PERMANENT, "media", f"at most {MAX_CAROUSEL} images in one post"
            )
        if any(not image.public_url for image in post.images):
            raise ChannelError(
                Failure.PERMANENT,
                "no_public_url",
                "Instagram fetches images from Kaiku's public address, and this Kaiku has none "
                "(KAIKU_PUBLIC_URL is a local address)",
            )
        self.refuse_if_needed(post)

    def part_text(self, post: OutgoingPost, index: int) -> str:
        return caption_for(post, index)

    def refusals(self, post: OutgoingPost) -> list[ChannelError]:
        caption = caption_for(post, 0)
        problems = []
        if len(caption) > MAX_CAPTION:
            problems.append(
                ChannelError(
                    Failure.PERMANENT,
                    "too_long",
                    f"{len(caption)} characters, at most {MAX_CAPTION}",
                )
            )
        tags = len(HASHTAG_RE.findall(caption))
        if tags > self._max_hashtags():
            problems.append(
                ChannelError(
                    Failure.PERMANENT,
                    "too_many_hashtags",
                    f"{tags} hashtags, Instagram takes at most {self._max_hashtags()}",
                )
            )
        mentions = len(MENTION_RE.findall(caption))
        if mentions > MAX_MENTIONS:
            problems.append(
                ChannelError(
                    Failure.PERMANENT,
                    "too_many_mentions",
                    f"{mentions} @ mentions, Instagram takes at most {MAX_MENTIONS}",
                )
            )
        return problems

    def publish_part(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart]
    ) -> PublishedPart:
        if index > 0:
            raise ChannelError(Failure.PERMANENT, "invalid", "Instagram posts are not threads")
        self.reply_target(post)  # Instagram cannot reply: refused, never posted on its own
        caption = caption_for(post, index)
        self._check(post, caption)
        ig_user = self._setting("ig_user_id")
        wait = {"interval": self.poll_interval, "max_wait": self.poll_max_wait}
        with self._api() as graph:
            quota = ig.publishing_limit(graph, ig_user)
            if quota.exhausted:
                raise ChannelError(
                    Failure.RATE_LIMITED,
                    "quota_used",
                    f"{quota.usage} of {quota.total} posts in the last 24 hours",
                    retry_after=QUOTA_RETRY_AFTER,
                )
            container = self._reusable_container(graph, post, index)
            if container:
                pass  # an earlier attempt's container, never published: publish that one
            elif len(post.images) == 1:
                image = post.images[0]
                container = ig.image_container(
                    graph, ig_user, image.public_url, caption=caption, alt_text=image.alt_text
                )
            else:
                children = []
                for image in post.images:
                    child = ig.image_container(
                        graph,
                        ig_user,
                        image.public_url,
                        alt_text=image.alt_text,
                        carousel_item=True,
                    )
                    ig.wait_until_finished(graph, child, **wait)
                    children.append(child)
                container = ig.carousel_container(graph, ig_user, children, caption)
            # Kept before it is published: a lost answer is then resolved by its status.
            self.account.save_pending(
                post.key, index, rec.kept(container, self._made_with(post, index))
            )
            ig.wait_until_finished(graph, container, **wait)
            media_id = ig.publish(graph, ig_user, container)
            try:
                url = ig.permalink(graph, media_id)
            except ChannelError:
                url = ""
        return PublishedPart(index=index, remote_id=media_id, url=url)

    def reconcile(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart] | None = None
    ) -> PublishedPart | None:
        ig_user = self._setting("ig_user_id")
        since = rec.since_for(post.created_at)
        carousel = len(post.images) > 1

        def same_kind(media: RemotePost) -> bool:
            return not media.media_type or (media.media_type == "CAROUSEL_ALBUM") == carousel

        container, same = self._kept(post, index)
        with self._api() as graph:
            status = (
                rec.container_status(graph, container, ig.CONTAINER_FIELDS) if container else None
            )
            if status in rec.NOT_PUBLISHED:
                return None  # nothing went out; publish_part goes on from that container
            if status == "PUBLISHED" and not same:
                raise rec.changed_since(container)
            media = rec.recent(
                lambda after: ig.recent_media(graph, ig_user, since=since, after=after), since
            )
        found = rec.first_match(
            media,
            caption_for(post, index),
            same_kind,
            elsewhere=lambda rid: self.recorded_elsewhere(post, rid),
        )
        if found is None:
            if status == "PUBLISHED":
                raise rec.published_but_unlisted(container)
            return None
        return PublishedPart(index=index, remote_id=found.id, url=found.url)

    def _made_with(self, post: OutgoingPost, index: int) -> str:
        images = (f"{i.name or i.path.name}|{i.alt_text}" for i in post.images)
        return rec.fingerprint(caption_for(post, index), *images)

    def delete(self, remote_id: str) -> None:
        # No deleting endpoint is documented for IG Media in the pages we could read.
        raise ChannelError(
            Failure.PERMANENT,
            "not_supported",
            "Instagram's API does not delete posts: delete it in the Instagram app",
        )
