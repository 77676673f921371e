"""Threads as a Kaiku channel: connect with the organisation's own Meta app (Threads use case),
publish text, a link attachment or images, chain long posts as replies, renew the 60-day
token ahead of time.

Tokens (https://developers.facebook.com/docs/threads/get-started/long-lived-tokens/): the
code gives a one-hour token, exchanged at once for a 60-day one; a long-lived token at least
24 hours old can be refreshed for another 60 days, and one not refreshed in 60 days is gone.
Kaiku renews ``renew_before_days`` ahead (the daily job in kaiku.connections.tokens) and saves the
new token through ``save_credentials`` before anything else, so a rotated token is never lost.

Exactly once: ``threads_publish`` has no idempotency key, so the container about to be
published is kept with the delivery (``Account.save_pending``) before ``threads_publish`` is
sent. After an unknown outcome ``reconcile`` asks that container its ``status``
(https://developers.facebook.com/docs/threads/troubleshooting, "Publishing Does Not Return a
Media ID"): FINISHED, IN_PROGRESS, ERROR or EXPIRED mean nothing was published (the next
attempt publishes the same container while it can, else makes a new one); PUBLISHED means it
is out, and the post is the oldest of the profile's threads (first part) or replies (later
parts, replying to the previous part) since the first attempt with the same text that Kaiku's
ledger gives to no other delivery. Without a known container the text lookup alone decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from django.utils.translation import gettext_noop

from kaiku.channels.base import (
    AccountSetup,
    ChannelError,
    ConnectField,
    Connector,
    Failure,
    Limits,
    OutgoingPost,
    PublishedPart,
    Redirect,
)
from kaiku.channels.meta import oauth
from kaiku.channels.meta import reconcile as rec
from kaiku.channels.meta.graph import GraphClient
from kaiku.channels.meta.models import PostPage, RemotePost
from kaiku.channels.threads import client as th
from kaiku.language import count as count_text
from kaiku.language.text import url_spans

# https://developers.facebook.com/documentation/threads/get-started: publishing needs
# threads_basic + threads_content_publish; thread parts are replies (threads_manage_replies to
# post them, threads_read_replies to find them again); counts need threads_manage_insights.
SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_manage_replies",
    "threads_read_replies",
    "threads_manage_insights",
)
# Posts guide, "Limitations": "Text posts are limited to 500 characters. Emojis are counted
# as the number of UTF-8 bytes" (kaiku.language counts the "threads" channel so).
MAX_CHARS = 500
# Text attachments guide: since 2025-12-22 a post with more than 5 links fails at container
# creation (THREADS_API__LINK_LIMIT_EXCEEDED); every unique URL in the text counts, and a
# link attachment once more unless the text already has the same URL.
MAX_LINKS = 5
# https://www.threads.com/@user/post/<code> (threads.net too): a post's address.
_POST_URL = re.compile(
    r"^https://(?:www\.)?threads\.(?:net|com)/@[A-Za-z0-9_.]+/post/([A-Za-z0-9_-]+)/?(?:[?#].*)?$"
)
MAX_CAROUSEL = 20
MAX_THREAD_PARTS = 25
QUOTA_RETRY_AFTER = 3600.0


def part_text(post: OutgoingPost, index: int) -> str:
    """The text as sent. A post with images cannot carry a link attachment (text posts only),
    so then the link goes at the end of the first part's text."""
    text = post.parts[index]
    if index == 0 and post.images and post.link and post.link not in text:
        text = f"{text}\n\n{post.link}" if text else post.link
    return text


def links_in(text: str, attachment: str) -> int:
    """How many links Threads counts in a post (see ``MAX_LINKS``)."""
    urls = {text[s:e] for s, e in url_spans(text)}
    if attachment and attachment not in urls:
        urls.add(attachment)
    return len(urls)


class ThreadsConnector(rec.KeptContainers, Connector):
    platform: ClassVar[str] = "threads"
    label: ClassVar[str] = "Threads"
    container_fields = th.CONTAINER_FIELDS  # what rec.KeptContainers asks of a container
    replies: ClassVar[bool] = True
    connect_fields: ClassVar[tuple[ConnectField, ...]] = (
        ConnectField(
            name="app_id",
            label=gettext_noop("Threads app ID of your organisation's Meta app"),
            help=gettext_noop(
                "developers.facebook.com → your app → Use cases → Threads API → Settings. "
                "Not the Facebook App ID: Threads has its own ID and secret."
            ),
        ),
        ConnectField(
            name="app_secret",
            label=gettext_noop("Threads app secret"),
            kind="password",
            help=gettext_noop("On the same page. Kaiku keeps it encrypted."),
        ),
    )
    setup_guide: ClassVar[str] = "meta.md"
    renew_before_days: ClassVar[int] = 14
    default_limits: ClassVar[Limits] = Limits(
        max_chars=MAX_CHARS,
        counter="threads",
        max_images=MAX_CAROUSEL,
        # Posts guide, "Media specifications" (JPEG and PNG, 8 MB) as we remember it: the section
        # itself was not in what we could read, so unverified.
        image_max_bytes=8_000_000,
        image_types=("image/jpeg", "image/png"),
        threads=True,
        max_thread_parts=MAX_THREAD_PARTS,
        client_link_card=False,
    )

    # Test hooks; production keeps the defaults.
    graph_url: ClassVar[str] = th.GRAPH_URL
    token_url: ClassVar[str] = th.TOKEN_URL
    authorize_url: ClassVar[str] = th.AUTHORIZE_URL
    transport: httpx.BaseTransport | None = None
    timeout: httpx.Timeout | float | None = None
    poll_interval: float = 2.0
    poll_max_wait: float = 120.0

    @classmethod
    def _graph(cls, base: str, token: str | None = None) -> GraphClient:
        return GraphClient(
            base, token, transport=cls.transport, timeout=cls.timeout, token_in_header=False
        )

    # --- connecting -------------------------------------------------------------------

    @classmethod
    def start_connect(cls, data: Mapping[str, str], callback_url: str) -> Redirect:
        app_id, app_secret = oauth.app_credentials(data)
        state = oauth.new_state()
        params = {
            "client_id": app_id,
            "redirect_uri": callback_url,
            "scope": ",".join(SCOPES),
            "response_type": "code",
            "state": state,
        }
        return Redirect(
            url=oauth.authorize_url(cls.authorize_url, params),
            state={
                "app_id": app_id,
                "app_secret": app_secret,
                "oauth_state": state,
                "redirect_uri": callback_url,
                "graph_url": cls.graph_url,
                "token_url": cls.token_url,
            },
        )

    @classmethod
    def finish_connect(
        cls, state: Mapping[str, Any], query: Mapping[str, str], callback_url: str
    ) -> AccountSetup:
        code = oauth.checked_code(state, query)
        app_secret = str(state["app_secret"])
        graph_url = str(state.get("graph_url") or cls.graph_url)
        with cls._graph(str(state.get("token_url") or cls.token_url)) as tokens:
            try:
                short = th.exchange_code(
                    tokens,
                    app_id=str(state["app_id"]),
                    app_secret=app_secret,
                    redirect_uri=str(state.get("redirect_uri") or callback_url),
                    code=code,
                )
                long = th.long_lived(tokens, app_secret=app_secret, short_token=short.access_token)
            except ChannelError as exc:
                if exc.failure is Failure.PERMANENT:  # a used code, a wrong secret
                    raise ChannelError(Failure.AUTH, "auth", exc.detail, status=exc.status) from exc
                raise
        with cls._graph(graph_url, long.access_token) as graph:
            user_id, username, name = th.profile(graph)
        expires = _expiry(long.expires_in)
        settings: dict[str, Any] = {"user_id": user_id or short.user_id, "username": username}
        if graph_url != th.GRAPH_URL:
            settings["graph_url"] = graph_url
        if str(state.get("token_url") or th.TOKEN_URL) != th.TOKEN_URL:
            settings["token_url"] = str(state["token_url"])
        return AccountSetup(
            handle=f"@{username}",
            display_name=name or username,
            base_url=f"https://www.threads.com/@{username}",
            credentials=_credentials(long.access_token, expires),
            settings=settings,
            expires_at=expires,
        )

    # --- using an account --------------------------------------------------------------

    def _base(self, name: str, default: str) -> str:
        value = self.account.settings.get(name)
        return value if isinstance(value, str) and value else default

    def _api(self) -> GraphClient:
        token = self.account.credentials.get("access_token")
        if not isinstance(token, str) or not token:
            raise ChannelError(Failure.AUTH, "auth", "no access token stored")
        return self._graph(self._base("graph_url", self.graph_url), token)

    def _user_id(self) -> str:
        value = self.account.settings.get("user_id")
        if not isinstance(value, str) or not value:
            raise ChannelError(Failure.AUTH, "auth", "Threads user id missing: reconnect")
        return value

    def verify(self) -> None:
        with self._api() as graph:
            th.profile(graph)

    def refresh_credentials(self) -> bool:
        """Renew the long-lived token (GET /refresh_access_token) and save it at once."""
        token = self.account.credentials.get("access_token")
        if not isinstance(token, str) or not token:
            return False
        with self._graph(self._base("token_url", self.token_url)) as graph:
            renewed = th.refresh(graph, token)
        credentials = {
            **self.account.credentials,
            **_credentials(renewed.access_token, _expiry(renewed.expires_in)),
        }
        self.account.save_credentials(credentials)
        self.account.credentials = credentials
        return True

    def part_text(self, post: OutgoingPost, index: int) -> str:
        return part_text(post, index)

    def refusals(self, post: OutgoingPost) -> list[ChannelError]:
        problems = []
        for index in range(len(post.parts)):
            text = part_text(post, index)
            length = count_text(text, "threads")
            if length > MAX_CHARS:
                problems.append(
                    ChannelError(
                        Failure.PERMANENT,
                        "too_long",
                        f"part {index + 1}: {length} characters (emoji as UTF-8 bytes), "
                        f"at most {MAX_CHARS}",
                    )
                )
            attachment = _link_attachment(post, index)
            links = links_in(text, attachment)
            if links > MAX_LINKS:
                problems.append(
                    ChannelError(
                        Failure.PERMANENT,
                        "too_many_links",
                        f"part {index + 1}: {links} links, at most {MAX_LINKS}",
                    )
                )
        return problems

    @classmethod
    def reply_refusal(cls, url: str) -> ChannelError | None:
        if _POST_URL.match(url.strip()) is None:
            return ChannelError(
                Failure.PERMANENT, "reply_wrong_platform", f"not a Threads post address: {url}"
            )
        return None

    def resolve_reply(self, url: str) -> str:
        """The media id of the post at ``url``. Threads' API has no lookup by address, so the
        post is found among the profile's own threads and replies by its permalink; a post of
        someone else cannot be found, and the reply is refused rather than guessed."""
        match = _POST_URL.match(url.strip())
        code = match.group(1) if match else ""
        user = self._user_id()
        with self._api() as graph:
            for replies in (False, True):

                def page(after: str, *, replies: bool = replies) -> PostPage:
                    return th.recent(graph, user, replies=replies, since=None, after=after)

                for item in rec.recent(page, None):
                    found = _POST_URL.match(item.url or "")
                    if found is not None and found.group(1) == code:
                        return item.id
        raise ChannelError(
            Failure.PERMANENT,
            "reply_not_found",
            f"Threads' API finds a post by its address only among the profile's own posts: {url}",
        )

    def publish_part(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart]
    ) -> PublishedPart:
        if index > 0 and len(earlier) < index:
            raise ChannelError(Failure.PERMANENT, "unexpected", f"part {index} has no parent")
        self.refuse_if_needed(post)
        text = part_text(post, index)
        images = post.images if index == 0 else ()
        if any(not image.public_url for image in images):
            raise ChannelError(
                Failure.PERMANENT,
                "no_public_url",
                "Threads fetches images from Kaiku's public address, and this Kaiku has none "
                "(KAIKU_PUBLIC_URL is a local address)",
            )
        reply_to = earlier[index - 1].remote_id if index > 0 else (self.reply_target(post) or "")
        user = self._user_id()
        wait = {"interval": self.poll_interval, "max_wait": self.poll_max_wait}
        with self._api() as graph:
            quota = th.publishing_limit(graph, user, reply=bool(reply_to))
            if quota.exhausted:
                raise ChannelError(
                    Failure.RATE_LIMITED,
                    "quota_used",
                    f"{quota.usage} of {quota.total} {'replies' if reply_to else 'posts'} "
                    "in the last 24 hours",
                    retry_after=QUOTA_RETRY_AFTER,
                )
            container = self._reusable_container(graph, post, index)
            if container:
                pass  # an earlier attempt's container, never published: publish that one
            elif len(images) > 1:
                children = []
                for image in images[:MAX_CAROUSEL]:
                    child = th.create_container(
                        graph,
                        user,
                        media_type="IMAGE",
                        image_url=image.public_url,
                        alt_text=image.alt_text,
                        carousel_item=True,
                    )
                    th.wait_until_finished(graph, child, **wait)
                    children.append(child)
                container = th.create_container(
                    graph,
                    user,
                    media_type="CAROUSEL",
                    text=text,
                    children=children,
                    reply_to_id=reply_to,
                )
            elif images:
                container = th.create_container(
                    graph,
                    user,
                    media_type="IMAGE",
                    text=text,
                    image_url=images[0].public_url,
                    alt_text=images[0].alt_text,
                    reply_to_id=reply_to,
                )
            else:
                container = th.create_container(
                    graph,
                    user,
                    media_type="TEXT",
                    text=text,
                    link_attachment=_link_attachment(post, index),
                    reply_to_id=reply_to,
                )
            # Kept before it is published: a lost answer is then resolved by its status.
            self.account.save_pending(
                post.key, index, rec.kept(container, self._made_with(post, index))
            )
            th.wait_until_finished(graph, container, **wait)
            media_id = th.publish(graph, user, container)
            try:
                url = th.permalink(graph, media_id)
            except ChannelError:
                url = ""
        return PublishedPart(index=index, remote_id=media_id, url=url)

    def reconcile(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart] | None = None
    ) -> PublishedPart | None:
        user = self._user_id()
        since = rec.since_for(post.created_at)
        parent = (self.reply_target(post) or "") if index == 0 else ""
        if index > 0:
            if earlier is None or len(earlier) < index:
                return None  # the engine reconciles the first unrecorded part, parents known
            parent = earlier[index - 1].remote_id

        def replies_to_parent(item: RemotePost) -> bool:
            return not parent or item.replied_to == parent

        container, same = self._kept(post, index)
        with self._api() as graph:
            status = (
                rec.container_status(graph, container, th.CONTAINER_FIELDS) if container else None
            )
            if status in rec.NOT_PUBLISHED:
                return None  # nothing went out; publish_part goes on from that container
            if status == "PUBLISHED" and not same:
                raise rec.changed_since(container)
            posts = rec.recent(
                lambda after: th.recent(
                    graph, user, replies=bool(parent), since=since, after=after
                ),
                since,
            )
        found = rec.first_match(
            posts,
            part_text(post, index),
            replies_to_parent,
            elsewhere=lambda rid: self.recorded_elsewhere(post, rid),
        )
        if found is None:
            if status == "PUBLISHED":
                raise rec.published_but_unlisted(container)
            return None
        return PublishedPart(index=index, remote_id=found.id, url=found.url)

    def _made_with(self, post: OutgoingPost, index: int) -> str:
        images = post.images if index == 0 else ()
        link = (post.link or "") if index == 0 and not images else ""
        named = (f"{i.name or i.path.name}|{i.alt_text}" for i in images)
        return rec.fingerprint(part_text(post, index), link, *named)

    def delete(self, remote_id: str) -> None:
        with self._api() as graph:
            try:
                th.delete(graph, remote_id)
            except ChannelError as exc:
                if exc.code != "not_found":
                    raise


def _link_attachment(post: OutgoingPost, index: int) -> str:
    """The link goes as the first part's link attachment when it is not in its text."""
    if index == 0 and post.link and not post.images:
        return post.link
    return ""


def _expiry(expires_in: int | None) -> datetime | None:
    return datetime.now(UTC) + timedelta(seconds=expires_in) if expires_in else None


def _credentials(token: str, expires: datetime | None) -> dict[str, Any]:
    credentials: dict[str, Any] = {"access_token": token}
    if expires is not None:
        # kaiku.connections.tokens reads this to move the account's expires_at after a renewal.
        credentials["expires_at"] = expires.isoformat()
    return credentials
