"""Mastodon as a Kaiku channel: connect any instance by OAuth, publish threads, reconcile.

Publishing is made safe against repeats in two layers:

1. Every part is posted with ``Idempotency-Key: {post.key}-{index}``. Mastodon keeps the key
   for an hour (https://docs.joinmastodon.org/methods/statuses/#create): a retry of the same
   part within that hour gets the status back instead of a duplicate.
2. After an unknown outcome the engine calls ``reconcile`` before any retry. Reconciling is a
   pure lookup in the account's own recent statuses; re-POSTing with the same key would
   *create* the status if the first attempt never arrived, which is publishing, not looking.
   The engine re-publishes only after reconcile says "not there", and then the same
   Idempotency-Key still protects a retry made within the hour.

What comes back is this delivery's only if it says what this part says. Mastodon answers a
repeated Idempotency-Key with the status first made under it, whatever the new request's text
(the key is "account:key", nothing more): a part whose text changed after an attempt that went
through gets the old status back. Recording that as the new text's post would misreport, and
sending again under a fresh key would publish twice, so it is PERMANENT ``key_clash`` naming
the status, for a person to decide. A status that reconcile finds with the right text but that
Kaiku's ledger gives to another delivery (the same words posted twice within minutes) is passed
over: "not found" is safe here, since the send that follows carries this delivery's own key.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
from django.utils.translation import gettext_noop

from kaiku import http_lite
from kaiku.channels import oauth
from kaiku.channels.base import (
    Account,
    AccountFollowing,
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
from kaiku.channels.mastodon import reading
from kaiku.channels.mastodon.client import (
    MAX_PAGE,
    MastodonClient,
    normalise_instance_url,
)
from kaiku.channels.mastodon.following import MastodonFollowing
from kaiku.channels.mastodon.models import (
    DEFAULT_CHARACTERS_PER_URL,
    DEFAULT_DESCRIPTION_LIMIT,
    DEFAULT_IMAGE_SIZE_LIMIT,
    DEFAULT_IMAGE_TYPES,
    DEFAULT_MAX_CHARACTERS,
    DEFAULT_MAX_MEDIA,
    InstanceLimits,
    Status,
    comparable_text,
)
from kaiku.channels.reading import SourceReader

CLIENT_NAME = "Kaiku"
CLIENT_WEBSITE = "https://kaiku.invalid"
MAX_THREAD_PARTS = 25
# How far back reconcile reads the account's statuses (pages of 40).
RECONCILE_PAGES = 3
# Statuses older than the post (minus clock skew) cannot be one of its parts.
CLOCK_SKEW = timedelta(minutes=5)
VISIBILITIES = frozenset({"public", "unlisted", "private", "direct"})
# Posts on these hosts are not on the fediverse: a Mastodon search cannot find them, and a
# reply to them from Mastodon would be a post of its own.
NOT_FEDIVERSE = (
    "x.com",
    "twitter.com",
    "bsky.app",
    "threads.net",
    "threads.com",
    "instagram.com",
    "facebook.com",
    "linkedin.com",
)


def _host(url: str) -> str:
    return (urlsplit(url.strip()).hostname or "").lower()


def part_text(post: OutgoingPost, index: int) -> str:
    """The text of part ``index`` as sent. Mastodon builds link previews itself from the first
    URL of a status, so a link that the text does not already carry goes at the end of the
    first part (publish and reconcile must agree on this)."""
    text = post.parts[index]
    if index == 0 and post.link and post.link not in text:
        text = f"{text}\n\n{post.link}" if text else post.link
    return text


class MastodonConnector(Connector):
    platform: ClassVar[str] = "mastodon"
    label: ClassVar[str] = "Mastodon"
    # A bearer token that never rotates, and no database access when publishing.
    parallel_publish: ClassVar[bool] = True
    replies: ClassVar[bool] = True
    readers: ClassVar[tuple[SourceReader, ...]] = (
        reading.MastodonAccount(),
        reading.MastodonHashtag(),
    )
    following: ClassVar[AccountFollowing | None] = MastodonFollowing()
    connect_fields: ClassVar[tuple[ConnectField, ...]] = (
        ConnectField(
            name="instance",
            label=gettext_noop("Mastodon server address"),
            kind="url",
            help=gettext_noop("For example https://mastodon.social"),
            initial="https://",
        ),
    )
    default_limits: ClassVar[Limits] = Limits(
        max_chars=DEFAULT_MAX_CHARACTERS,
        counter="mastodon",
        max_images=DEFAULT_MAX_MEDIA,
        image_max_bytes=DEFAULT_IMAGE_SIZE_LIMIT,
        image_types=DEFAULT_IMAGE_TYPES,
        alt_text_max=DEFAULT_DESCRIPTION_LIMIT,
        threads=True,
        max_thread_parts=MAX_THREAD_PARTS,
        client_link_card=False,
        characters_reserved_per_url=DEFAULT_CHARACTERS_PER_URL,
    )

    # Test hooks: the registry builds connectors with the account only, so these stay at
    # their defaults in production. Tests set them on a subclass or an instance.
    timeout: httpx.Timeout | float | None = None
    media_poll_interval: float = 1.0

    def __init__(self, account: Account) -> None:
        super().__init__(account)
        self._http: http_lite.Client | None = None
        self._lock = threading.Lock()

    # --- connecting -------------------------------------------------------------------

    @classmethod
    def _client(cls, base_url: str, token: str | None = None) -> MastodonClient:
        return MastodonClient(
            base_url,
            token,
            timeout=cls.timeout,
            media_poll_interval=cls.media_poll_interval,
        )

    @classmethod
    def start_connect(cls, data: Mapping[str, str], callback_url: str) -> Redirect:
        """Register Kaiku as an app on the instance and send the user there to authorise it.

        The returned state holds the client secret and the PKCE verifier: keep it server-side
        (the session), never in a cookie or URL.
        """
        instance = normalise_instance_url(data.get("instance", ""))
        oauth_state = oauth.new_state()
        # Mastodon >= 4.3 checks PKCE; older servers ignore the parameters, so always send them.
        verifier, challenge = oauth.pkce_pair()
        with cls._client(instance) as client:
            app = client.register_app(CLIENT_NAME, callback_url, website=CLIENT_WEBSITE)
            url = client.authorize_url(
                app.client_id,
                callback_url,
                state=oauth_state,
                code_challenge=challenge,
                force_login=True,
            )
        return Redirect(
            url=url,
            state={
                "instance": instance,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "oauth_state": oauth_state,
                "code_verifier": verifier,
                "redirect_uri": callback_url,
            },
        )

    @classmethod
    def finish_connect(
        cls, state: Mapping[str, Any], query: Mapping[str, str], callback_url: str
    ) -> AccountSetup:
        # An ``error`` such as access_denied (RFC 6749 section 4.1.2.1), the state, the code.
        code = oauth.checked_code(state, query)
        instance = str(state["instance"])
        with cls._client(instance) as client:
            token = client.obtain_token(
                client_id=str(state["client_id"]),
                client_secret=str(state["client_secret"]),
                redirect_uri=str(state.get("redirect_uri") or callback_url),
                code=code,
                code_verifier=str(state["code_verifier"]),
            )
        with cls._client(instance, token.access_token) as client:
            account = client.verify_credentials()
            limits = client.instance()
        domain = limits.domain or instance.split("://", 1)[1]
        return AccountSetup(
            handle=f"@{account.username}@{domain}",
            display_name=account.display_name or account.username,
            base_url=instance,
            credentials={
                "access_token": token.access_token,
                "client_id": str(state["client_id"]),
                "client_secret": str(state["client_secret"]),
                "scope": token.scope,
            },
            settings={
                **limits.to_settings(),
                "account_id": account.id,
                "username": account.username,
                "profile_url": account.url,
            },
        )

    # --- using an account --------------------------------------------------------------

    def _api(self) -> MastodonClient:
        token = self.account.credentials.get("access_token")
        if not isinstance(token, str) or not token:
            raise ChannelError(Failure.AUTH, "auth", "no access token stored")
        with self._lock:
            if self._http is None:
                # One connection pool per connector: a batch of posts to one instance reuses
                # its kept-alive (TLS) connections instead of opening one per request.
                self._http = http_lite.Client(
                    self.account.base_url.rstrip("/"), timeout=self.timeout
                )
        return MastodonClient(
            self.account.base_url,
            token,
            timeout=self.timeout,
            media_poll_interval=self.media_poll_interval,
            shared=self._http,
        )

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def limits(self) -> Limits:
        instance = InstanceLimits.from_settings(self.account.settings)
        return Limits(
            max_chars=instance.max_characters,
            counter="mastodon",
            max_images=instance.max_media_attachments,
            image_max_bytes=instance.image_size_limit,
            image_types=instance.image_types,
            alt_text_max=instance.description_limit,
            threads=True,
            max_thread_parts=MAX_THREAD_PARTS,
            client_link_card=False,
            characters_reserved_per_url=instance.characters_reserved_per_url,
        )

    def part_text(self, post: OutgoingPost, index: int) -> str:
        return part_text(post, index)

    def refresh_limits(self) -> bool:
        """Read the instance's limits again (an admin may raise the character limit or change
        the URL weight at any time) and save them when they changed."""
        with self._api() as client:
            fresh = client.instance()
        if not fresh.version:
            return False  # the instance did not describe itself: keep what is stored
        new = {**self.account.settings, **fresh.to_settings()}
        new["domain"] = self.account.settings.get("domain") or fresh.domain
        if new == self.account.settings:
            return False
        self.account.settings = new
        self.account.save_settings(new)
        return True

    def verify(self) -> None:
        with self._api() as client:
            client.verify_credentials()
        # The check before a scheduled post is also when the instance's rules are re-read.
        self.refresh_limits()

    @classmethod
    def reply_refusal(cls, url: str) -> ChannelError | None:
        host = _host(url)
        if not url.strip().startswith(("https://", "http://")) or not host:
            return ChannelError(Failure.PERMANENT, "reply_wrong_platform", url[:200])
        if any(host == h or host.endswith(f".{h}") for h in NOT_FEDIVERSE):
            return ChannelError(
                Failure.PERMANENT,
                "reply_wrong_platform",
                f"{host} is not on the fediverse: Mastodon cannot reply to it",
            )
        return None

    def resolve_reply(self, url: str) -> str:
        """The status's id on the account's own instance (ids differ between instances), found
        with a resolving search; only a status whose address is ``url`` is accepted."""
        with self._api() as client:
            status = client.resolve_status(url)
        wanted = url.strip().rstrip("/")
        if status is None or wanted not in (status.url.rstrip("/"), status.uri.rstrip("/")):
            raise ChannelError(
                Failure.PERMANENT,
                "reply_not_found",
                f"{self.account.base_url} could not find the post {url[:200]}",
            )
        return status.id

    def _account_id(self, client: MastodonClient) -> str:
        account_id = self.account.settings.get("account_id")
        if isinstance(account_id, str) and account_id:
            return account_id
        return client.verify_credentials().id

    def publish_part(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart]
    ) -> PublishedPart:
        if index > 0 and not earlier:
            raise ChannelError(Failure.PERMANENT, "unexpected", f"part {index} has no parent")
        parent = earlier[-1].remote_id if index > 0 else self.reply_target(post)
        visibility = self.account.settings.get("visibility")
        language = self.account.settings.get("language")
        with self._api() as client:
            media_ids: list[str] = []
            if index == 0:
                for image in post.images:
                    media = client.upload_media(
                        image.path.read_bytes(),
                        filename=image.path.name,
                        mime=image.mime,
                        description=image.alt_text,
                    )
                    media_ids.append(media.id)
            text = part_text(post, index)
            status = client.create_status(
                text,
                idempotency_key=f"{post.key}-{index}",
                in_reply_to_id=parent,
                media_ids=media_ids,
                visibility=visibility if visibility in VISIBILITIES else None,
                language=language if isinstance(language, str) and language else None,
            )
        if comparable_text(status.text) != comparable_text(text):
            raise ChannelError(
                Failure.PERMANENT,
                "key_clash",
                f"Mastodon answered part {index}'s key with status {status.id} ({status.url}), "
                "made earlier with another text",
            )
        return PublishedPart(index=index, remote_id=status.id, url=status.url)

    def reconcile(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart] | None = None
    ) -> PublishedPart | None:
        """Find part ``index`` among the account's recent statuses; never posts anything.

        A match has the part's text (compared as plain text, see ``comparable_text``), is not
        older than the post, replies to the right status (``post.reply_to`` for the first
        part, the previous part otherwise) and, for the first part, has as many media as the
        post has images. The previous part is ``earlier[index - 1]`` when the caller passes
        it, otherwise it is found the same way, part by part from the first.
        """
        with self._api() as client:
            statuses = self._recent_statuses(client, post)
        # Oldest first: if the same text went out twice, the first one is the published part.
        statuses.sort(key=lambda s: (s.created_at, int(s.id) if s.id.isdigit() else 0))
        if index > 0 and earlier is not None and len(earlier) >= index:
            parents: set[str | None] = {earlier[index - 1].remote_id}
            start = index
        else:
            # The reply went to the status's id on this instance, not to its address.
            parents = {self.reply_target(post)}
            start = 0
        found: list[Status] = []
        for i in range(start, index + 1):
            want = comparable_text(part_text(post, i))
            found = [
                s
                for s in statuses
                if s.in_reply_to_id in parents
                and comparable_text(s.text) == want
                and (i > 0 or len(s.media) == len(post.images))
                and not self.recorded_elsewhere(post, s.id)
            ]
            if not found:
                return None
            parents = {s.id for s in found}
        return PublishedPart(index=index, remote_id=found[0].id, url=found[0].url)

    def _recent_statuses(self, client: MastodonClient, post: OutgoingPost) -> list[Status]:
        account_id = self._account_id(client)
        since = post.created_at - CLOCK_SKEW if post.created_at else None
        statuses: list[Status] = []
        max_id: str | None = None
        for _page in range(RECONCILE_PAGES):
            page = client.account_statuses(account_id, limit=MAX_PAGE, max_id=max_id)
            statuses += [s for s in page if since is None or s.created_at >= since]
            if len(page) < MAX_PAGE or (since is not None and page[-1].created_at < since):
                break
            max_id = page[-1].id
        return statuses

    def delete(self, remote_id: str) -> None:
        with self._api() as client:
            try:
                client.delete_status(remote_id)
            except ChannelError as exc:
                if exc.status != 404:  # already gone is what we wanted
                    raise
