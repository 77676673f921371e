"""X as a Kaiku channel: the organisation's own developer app, OAuth 2.0 with PKCE, threads,
images with alt text, reconciliation, and the price of each post.

Tokens. An access token lives two hours; with ``offline.access`` X also gives a refresh token,
and the connection lasts "until you revoke access"
(https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code). Every refresh
answers with a new refresh token and the old one stops working (rotation: seen in practice;
X's docs do not spell it out), so the new pair is saved through ``save_credentials`` before
anything else happens. The access token is renewed shortly before it expires, and once more
when X answers 401. The connection itself has no end date, so ``AccountSetup.expires_at`` is
left empty; the access token's expiry is kept in the credentials (``access_expires_at``).

Exactly once. X has no idempotency key, so after an unknown outcome the engine calls
``reconcile``, a pure lookup in the account's own posts since the first attempt. X refuses a
post whose text repeats a recent one ("duplicate content"): when that happens on publish, the
same lookup runs once more, and if it finds this very part (same text, same parent, not older
than the first attempt), that post *is* the part whose answer was lost, so it is recorded
instead of failing. Anything else is a genuine duplicate of an earlier post, which a person
must change: PERMANENT ``duplicate``.

A found post is this delivery's only when it has this part's text, parent and media, is not
older than the first attempt, and Kaiku's ledger does not give it to another delivery (two
posts saying the same thing within minutes are indistinguishable on X otherwise). X itself
refuses a second post with the same text, so when the only match is another delivery's, the
safe answer is "not found" from ``reconcile`` (a send then meets X's duplicate refusal if the
text is still there, and creates nothing) and PERMANENT ``duplicate`` after a duplicate
refusal: never a success pointing at someone else's post.

Replies. Since 2026-02 X lets self-serve apps (pay-per-use included) reply through the API only
where the original post's author "explicitly summoned the replying account by @mentioning them
or quoting one of their posts" (https://docs.x.com/x-api/posts/manage-tweets/introduction).
Replies within the account's own thread are allowed (X's refusal reads "… where you are
mentioned or are the author"). Before replying to someone else's post the connector reads that
post and refuses clearly (PERMANENT ``reply_not_allowed``) unless one of those holds. An
Enterprise or Public Utility app, which the rule does not cover, sets the account setting
``reply_policy`` to ``"unrestricted"``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar, TypeVar

import httpx
from django.utils.translation import gettext_noop

from kaiku.channels import oauth
from kaiku.channels.base import (
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
from kaiku.channels.reading import SourceReader
from kaiku.channels.x import reading
from kaiku.channels.x import text as xtext
from kaiku.channels.x.client import API_URL, AUTH_URL, MAX_PAGE, XClient
from kaiku.channels.x.following import XFollowing
from kaiku.channels.x.models import Token, Tweet

T = TypeVar("T")

MAX_THREAD_PARTS = 25
# Renew the access token when it has less than this left.
REFRESH_MARGIN = timedelta(minutes=5)
# Posts older than the first attempt (minus clock skew) cannot be one of its parts.
CLOCK_SKEW = timedelta(minutes=5)
RECONCILE_PAGES = 5
RECONCILE_PAGE_SIZE = 20
ALT_TEXT_MAX = 1000  # X's alt text limit as widely reported; the v2 reference does not state it

_STATUS_URL = re.compile(
    r"^https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/(?:[A-Za-z0-9_]{1,15}|i/web|i)/status(?:es)?/"
    r"(\d{1,20})(?:[/?#].*)?$"
)


def part_text(post: OutgoingPost, index: int) -> str:
    """The text of part ``index`` as sent. X builds the link card itself from a URL in the
    text, so a link the text does not already carry goes at the end of the first part
    (publish, reconcile and the cost estimate must agree on this)."""
    text = post.parts[index]
    if index == 0 and post.link and post.link not in text:
        text = f"{text}\n\n{post.link}" if text else post.link
    return text


def tweet_id_from(value: str) -> str:
    """A post id from ``https://x.com/<name>/status/<id>`` (or twitter.com), or a bare id."""
    raw = value.strip()
    if raw.isdigit() and len(raw) <= 20:
        return raw
    match = _STATUS_URL.match(raw)
    if match is None:
        raise ChannelError(Failure.PERMANENT, "invalid", f"not an X post address: {value}")
    return match.group(1)


def _expiry(token: Token, now: datetime) -> str | None:
    return (now + timedelta(seconds=token.expires_in)).isoformat() if token.expires_in else None


class XConnector(Connector):
    platform: ClassVar[str] = "x"
    label: ClassVar[str] = "X"
    setup_guide: ClassVar[str] = "x.md"
    connect_fields: ClassVar[tuple[ConnectField, ...]] = (
        ConnectField(
            name="client_id",
            label=gettext_noop("Client ID of your organisation's X app"),
            help=gettext_noop("Developer Console: your app, Keys and tokens, OAuth 2.0 Client ID."),
        ),
        ConnectField(
            name="client_secret",
            label=gettext_noop("Client Secret"),
            kind="password",
            required=False,
            help=gettext_noop(
                "Shown for a Web App (a confidential client). Leave empty for a public one."
            ),
        ),
    )
    default_limits: ClassVar[Limits] = Limits(
        max_chars=280,
        counter="x",
        max_images=4,  # "up to 4 photos, 1 animated GIF or 1 video in a Post"
        image_max_bytes=5_000_000,  # "Images are limited to 5 MB" (upload-media)
        image_types=("image/jpeg", "image/png", "image/webp", "image/gif"),
        alt_text_max=ALT_TEXT_MAX,
        threads=True,
        max_thread_parts=MAX_THREAD_PARTS,
        client_link_card=False,
        characters_reserved_per_url=23,
    )

    replies: ClassVar[bool] = True
    readers: ClassVar[tuple[SourceReader, ...]] = (reading.XAccount(), reading.XSearch())
    following: ClassVar[AccountFollowing | None] = XFollowing()
    read_error_texts: ClassVar[Mapping[str, str]] = reading.ERROR_TEXTS

    # Test hooks: the registry builds connectors with the account only, so these stay at their
    # defaults in production. Tests set them on a subclass or an instance.
    api_url: ClassVar[str] = API_URL
    auth_url: ClassVar[str] = AUTH_URL
    transport: httpx.BaseTransport | None = None
    timeout: httpx.Timeout | float | None = None
    media_poll_interval: float = 1.0

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        # Set when a 401 came back with a token renewed moments before: renewing again
        # cannot help, so ``refresh_credentials`` says no and the engine asks for reconnecting.
        self._refresh_futile = False
        # The watch reads an organisation's X sources on several threads with one connector:
        # one at a time, so that two threads never renew the token at once (X rotates the
        # refresh token: the second renewal would spend a retired one and end the connection).
        self._reading = threading.Lock()

    # --- connecting -------------------------------------------------------------------

    @classmethod
    def _client(cls, api_url: str, token: str | None = None) -> XClient:
        return XClient(
            api_url,
            token,
            transport=cls.transport,
            timeout=cls.timeout,
            media_poll_interval=cls.media_poll_interval,
        )

    @classmethod
    def start_connect(cls, data: Mapping[str, str], callback_url: str) -> Redirect:
        """Send the admin to X to authorise the organisation's own app. The state holds the
        client secret and the PKCE verifier: keep it server-side (the session)."""
        client_id = data.get("client_id", "").strip()
        if not client_id:
            raise ChannelError(Failure.PERMANENT, "invalid", "the app's Client ID is missing")
        oauth_state = oauth.new_state()
        verifier, challenge = oauth.pkce_pair()
        url = XClient.authorize_url(
            cls.auth_url, client_id, callback_url, state=oauth_state, code_challenge=challenge
        )
        return Redirect(
            url=url,
            state={
                "client_id": client_id,
                "client_secret": data.get("client_secret", "").strip(),
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
        client_id = str(state["client_id"])
        client_secret = str(state.get("client_secret") or "")
        now = datetime.now(UTC)
        with cls._client(cls.api_url) as client:
            token = client.obtain_token(
                client_id=client_id,
                client_secret=client_secret,
                code=code,
                redirect_uri=str(state.get("redirect_uri") or callback_url),
                verifier=str(state["code_verifier"]),
            )
            if not token.refresh_token:
                # Without offline.access the connection would end in two hours.
                raise ChannelError(
                    Failure.PERMANENT, "authorization_denied", "no refresh token (offline.access)"
                )
            client.token = token.access_token
            user = client.me()
        settings: dict[str, Any] = {"user_id": user.id, "username": user.username}
        if cls.api_url != API_URL:
            settings["api_url"] = cls.api_url
        return AccountSetup(
            handle=f"@{user.username}",
            display_name=user.name,
            base_url=AUTH_URL,
            credentials={
                "access_token": token.access_token,
                "refresh_token": token.refresh_token,
                "access_expires_at": _expiry(token, now),
                "scope": token.scope,
                "client_id": client_id,
                "client_secret": client_secret,
            },
            settings=settings,
            expires_at=None,  # offline.access: valid until revoked (see the module docstring)
        )

    # --- tokens ---------------------------------------------------------------------------

    def _api_url(self) -> str:
        value = self.account.settings.get("api_url")
        return value if isinstance(value, str) and value else self.api_url

    def _access_expires_at(self) -> datetime | None:
        raw = self.account.credentials.get("access_expires_at")
        if not isinstance(raw, str) or not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def _renew(self) -> None:
        """Refresh the access token and save the rotated pair at once. ChannelError(AUTH) when
        X refuses the refresh token: only connecting again helps then."""
        creds = self.account.credentials
        refresh_token = creds.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token:
            raise ChannelError(Failure.AUTH, "auth", "no refresh token stored")
        now = datetime.now(UTC)
        with self._client(self._api_url()) as client:
            token = client.refresh(
                client_id=str(creds.get("client_id") or ""),
                client_secret=str(creds.get("client_secret") or ""),
                refresh_token=refresh_token,
            )
        new = {
            **creds,
            "access_token": token.access_token,
            # Keep the old one only if X sent none (it always has, in practice).
            "refresh_token": token.refresh_token or refresh_token,
            "access_expires_at": _expiry(token, now),
            "scope": token.scope or creds.get("scope", ""),
        }
        self.account.credentials = new
        self.account.save_credentials(new)

    def refresh_credentials(self) -> bool:
        if self._refresh_futile:
            return False
        self._renew()
        return True

    def _call(self, op: Callable[[XClient], T]) -> T:
        """Run one request with a valid access token: renewed first when it is about to
        expire, and once more if X answers 401 anyway (a 401 means nothing was done, so
        repeating the request is safe)."""
        expires = self._access_expires_at()
        if expires is not None and expires - REFRESH_MARGIN <= datetime.now(UTC):
            try:
                self._renew()
            except ChannelError as exc:
                if exc.failure is Failure.AUTH:
                    raise
                # X could not be asked now; the token may still have a few minutes.
        try:
            return self._once(op)
        except ChannelError as exc:
            if exc.failure is not Failure.AUTH or self._refresh_futile:
                raise
        self._renew()
        try:
            return self._once(op)
        except ChannelError as exc:
            if exc.failure is Failure.AUTH:
                self._refresh_futile = True
            raise

    def read_as_account(self, op: Callable[[XClient], T]) -> T:
        """Run a read for the watch (``reading.py``) with this account's token: the one
        credential Kaiku keeps for X, renewed like every other request's."""
        with self._reading:
            return self._call(op)

    def _once(self, op: Callable[[XClient], T]) -> T:
        token = self.account.credentials.get("access_token")
        if not isinstance(token, str) or not token:
            raise ChannelError(Failure.AUTH, "auth", "no access token stored")
        with self._client(self._api_url(), token) as client:
            return op(client)

    # --- using an account --------------------------------------------------------------

    def limits(self) -> Limits:
        return self.default_limits

    def part_text(self, post: OutgoingPost, index: int) -> str:
        return part_text(post, index)

    @classmethod
    def reply_refusal(cls, url: str) -> ChannelError | None:
        """Only an X post's own address (x.com or twitter.com ``/status/<id>``) is a reply
        target: the id of a post on another platform would point at an unrelated X post."""
        if _STATUS_URL.match(url.strip()) is None:
            return ChannelError(
                Failure.PERMANENT,
                "reply_wrong_platform",
                f"not an X post address: {url[:200]}",
            )
        return None

    def resolve_reply(self, url: str) -> str:
        return tweet_id_from(url)

    def verify(self) -> None:
        self._call(lambda c: c.me())

    def _user_id(self) -> str:
        user_id = self.account.settings.get("user_id")
        if isinstance(user_id, str) and user_id:
            return user_id
        return self._call(lambda c: c.me()).id

    def _username(self) -> str:
        name = self.account.settings.get("username")
        return name if isinstance(name, str) and name else self.account.handle.lstrip("@")

    def post_url(self, tweet_id: str) -> str:
        return f"https://x.com/{self._username()}/status/{tweet_id}"

    def _reply_parent(self, post: OutgoingPost) -> str | None:
        """The post the first part replies to, after checking that X allows the reply."""
        target = self.reply_target(post)
        if target is None:
            return None
        if self.account.settings.get("reply_policy") == "unrestricted":
            return target
        lookup = self._call(
            lambda c: c.get_tweet(
                target,
                fields="author_id,entities,referenced_tweets",
                expansions="referenced_tweets.id",
            )
        )
        me, name = self._user_id(), self._username().lower()
        original = lookup.tweet
        quoted = {t.id: t for t in lookup.included}.get(original.quoted or "")
        if (
            original.author_id == me
            or name in original.mentions
            or (quoted is not None and quoted.author_id == me)
        ):
            return target
        raise ChannelError(
            Failure.PERMANENT,
            "reply_not_allowed",
            f"X lets apps reply only to posts that mention @{self._username()} or quote one "
            "of its posts (self-serve plans, since February 2026); this post does neither.",
        )

    def _upload_images(self, post: OutgoingPost) -> list[str]:
        media_ids: list[str] = []
        for image in post.images:
            upload = partial(
                XClient.upload_image,
                data=image.path.read_bytes(),
                mime=image.mime,
                filename=image.path.name,
            )
            media = self._call(upload)
            if image.alt_text.strip():
                # Kaiku does not post an image without the alt text it was given.
                alt = image.alt_text.strip()[:ALT_TEXT_MAX]
                self._call(partial(XClient.set_alt_text, media_id=media.id, text=alt))
            media_ids.append(media.id)
        return media_ids

    def publish_part(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart]
    ) -> PublishedPart:
        if index > 0 and not earlier:
            raise ChannelError(Failure.PERMANENT, "unexpected", f"part {index} has no parent")
        parent = earlier[-1].remote_id if index > 0 else self._reply_parent(post)
        media_ids = self._upload_images(post) if index == 0 else []
        body = part_text(post, index)
        try:
            tweet = self._call(lambda c: c.create_tweet(body, reply_to=parent, media_ids=media_ids))
        except ChannelError as exc:
            if exc.code != "duplicate":
                raise
            found = self._find(post, index, {parent})
            if found is None:
                raise
            tweet = found
        return PublishedPart(index=index, remote_id=tweet.id, url=self.post_url(tweet.id))

    def reconcile(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart] | None = None
    ) -> PublishedPart | None:
        """Find part ``index`` among the account's posts since the first attempt; never posts.

        A match has the part's text (compared as ``text.matches`` explains), is not older than
        the first attempt, replies to the right post (the reply target or nothing for the first
        part, the previous part otherwise) and, for the first part, carries as many media as
        the post has images. The previous part is ``earlier[index - 1]`` when the caller
        passes it, otherwise it is found the same way, part by part from the first.
        """
        if index > 0 and earlier is not None and len(earlier) >= index:
            parents: set[str | None] = {earlier[index - 1].remote_id}
            start = index
        else:
            parents = {tweet_id_from(post.reply_to) if post.reply_to else None}
            start = 0
        tweets = self._recent(post)
        found: Tweet | None = None
        for i in range(start, index + 1):
            found = self._match(post, i, parents, tweets)
            if found is None:
                return None
            parents = {found.id}
        assert found is not None
        return PublishedPart(index=index, remote_id=found.id, url=self.post_url(found.id))

    def _find(self, post: OutgoingPost, index: int, parents: set[str | None]) -> Tweet | None:
        return self._match(post, index, parents, self._recent(post))

    def _match(
        self, post: OutgoingPost, index: int, parents: set[str | None], tweets: list[Tweet]
    ) -> Tweet | None:
        sent = part_text(post, index)
        want_media = len(post.images) if index == 0 else 0
        for tweet in tweets:  # oldest first: if the same part went out twice, the first counts
            if (
                tweet.replied_to in parents
                and len(tweet.media_keys) == want_media
                and xtext.matches(tweet, sent)
                and not self.recorded_elsewhere(post, tweet.id)
            ):
                return tweet
        return None

    def _recent(self, post: OutgoingPost) -> list[Tweet]:
        """The account's posts since the first attempt (minus clock skew), oldest first."""
        since = post.created_at - CLOCK_SKEW if post.created_at else None
        user_id = self._user_id()
        tweets: list[Tweet] = []
        token: str | None = None
        for _page in range(RECONCILE_PAGES):
            read = partial(
                XClient.user_tweets,
                user_id=user_id,
                start_time=since,
                max_results=RECONCILE_PAGE_SIZE if since else MAX_PAGE,
                pagination_token=token,
            )
            page = self._call(read)
            # A post without a time cannot be shown to be this attempt's: not a candidate.
            tweets += [
                t
                for t in page.tweets
                if since is None or (t.created_at is not None and t.created_at >= since)
            ]
            token = page.next_token
            if not token or since is None:
                break
        tweets.sort(key=lambda t: int(t.id) if t.id.isdigit() else 0)
        return tweets

    def delete(self, remote_id: str) -> None:
        try:
            self._call(lambda c: c.delete_tweet(remote_id))
        except ChannelError as exc:
            if exc.status != 404:  # already gone is what we wanted
                raise
