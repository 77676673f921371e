"""Bluesky through the AT Protocol, on bsky.social or any PDS.

Connecting takes the handle and an app password; the session is kept and refreshed (refresh
tokens rotate and are saved at once), never a login per post. The app password is kept,
encrypted, only to open a new session when the refresh token itself has expired.

Exactly once: each part's record key is minted by the engine (a TID from the process's monotonic
clock, kaiku.channels.tid) and stored before the first request, so after a lost answer
``reconcile`` looks that key up, and a repeat ``createRecord`` with the same key cannot make a
second post. A record found at the key counts only if it is this part (account, text, reply).
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, TypeVar

from django.utils.translation import gettext_noop

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
from kaiku.channels.bluesky import client as bsky
from kaiku.channels.bluesky import reading
from kaiku.channels.bluesky.following import BlueskyFollowing
from kaiku.channels.reading import SourceReader

T = TypeVar("T")
DEFAULT_PDS = "https://bsky.social"
# A post's address in the Bluesky app (handle or DID), or its AT URI.
_POST_URL = re.compile(r"^https://bsky\.app/profile/([^/?#]+)/post/([A-Za-z0-9._:~-]+)/?$")


def _error(exc: bsky.BlueskyError) -> ChannelError:
    if exc.is_auth:
        return ChannelError(Failure.AUTH, "auth", exc.message, status=exc.status)
    if exc.is_rate_limited:
        return ChannelError(
            Failure.RATE_LIMITED, "rate_limited", exc.message, retry_after=exc.retry_after
        )
    if exc.unknown_outcome:
        return ChannelError(Failure.UNKNOWN_OUTCOME, "timeout", exc.message)
    if exc.permanent:
        code = "too_long" if "grapheme" in exc.message or "too long" in exc.message else "invalid"
        return ChannelError(Failure.PERMANENT, code, exc.message, status=exc.status)
    code = "network" if exc.status == 0 else "server_error"
    return ChannelError(Failure.TRANSIENT, code, exc.message, status=exc.status)


def _session_json(session: bsky.Session) -> dict[str, Any]:
    return {
        "access_jwt": session.access_jwt,
        "refresh_jwt": session.refresh_jwt,
        "did": session.did,
        "handle": session.handle,
        "access_expires_at": session.access_expires_at.isoformat()
        if session.access_expires_at
        else None,
    }


def _session_from(creds: Mapping[str, Any]) -> bsky.Session:
    expires = creds.get("access_expires_at")
    return bsky.Session(
        access_jwt=str(creds["access_jwt"]),
        refresh_jwt=str(creds["refresh_jwt"]),
        did=str(creds["did"]),
        handle=str(creds["handle"]),
        access_expires_at=datetime.fromisoformat(expires) if expires else None,
    )


def _upload(
    client: bsky.BlueskyClient, data: bytes, mime: str, session: bsky.Session
) -> bsky.BlobRef:
    return client.upload_blob(session, data, mime)


# BCP 47 as Bluesky's ``langs`` takes it: a primary tag and optional subtags ("fi", "sv-FI").
_LANG_RE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def _link_outside_text(post: OutgoingPost) -> bool:
    link = post.link
    return link is not None and link != "" and not any(link in part for part in post.parts)


def part_text(post: OutgoingPost, index: int) -> str:
    """The text part ``index`` goes out with. A link that is in no part and cannot ride in a
    card (images take the embed) is appended to the first part, where the facet makes it a
    link: a post never loses its link."""
    text = post.parts[index]
    if index == 0 and post.images and _link_outside_text(post):
        text = f"{text}\n\n{post.link}"
    return text


def post_url(handle: str, uri: str) -> str:
    return f"https://bsky.app/profile/{handle}/post/{bsky.parse_at_uri(uri)[2]}"


class BlueskyConnector(Connector):
    _kept: bsky.BlueskyClient | None = None
    platform: ClassVar[str] = "bluesky"
    label: ClassVar[str] = "Bluesky"
    replies: ClassVar[bool] = True
    readers: ClassVar[tuple[SourceReader, ...]] = (
        reading.BlueskyAccount(),
        reading.BlueskySearch(),
        reading.BlueskyList(),
    )
    following: ClassVar[AccountFollowing | None] = BlueskyFollowing()
    connect_fields: ClassVar[tuple[ConnectField, ...]] = (
        ConnectField(
            "handle", gettext_noop("Handle"), help=gettext_noop("For example yhdistys.bsky.social")
        ),
        ConnectField(
            "app_password",
            gettext_noop("App password"),
            kind="password",
            help=gettext_noop(
                "Make one in Bluesky: Settings → Privacy and security → App passwords."
            ),
        ),
        ConnectField(
            "pds_url",
            gettext_noop("Server (PDS)"),
            kind="url",
            required=False,
            initial=DEFAULT_PDS,
            help=gettext_noop("Leave as it is unless your account is on your own server."),
        ),
    )
    default_limits: ClassVar[Limits] = Limits(
        max_chars=300,
        counter="bluesky",
        max_images=4,
        image_max_bytes=1_000_000,
        image_types=("image/jpeg", "image/png", "image/webp", "image/gif"),
        alt_text_max=2000,
        threads=True,
        max_thread_parts=25,
        client_link_card=True,
    )

    @classmethod
    def start_connect(cls, data: Mapping[str, str], callback_url: str) -> AccountSetup | Redirect:
        pds = (data.get("pds_url") or DEFAULT_PDS).strip().rstrip("/")
        handle = data["handle"].strip().lstrip("@")
        password = data["app_password"].strip()
        with bsky.BlueskyClient(pds) as client:
            try:
                session = client.create_session(handle, password)
            except bsky.BlueskyError as exc:
                raise _error(exc) from exc
        return AccountSetup(
            handle=session.handle,
            display_name=session.handle,
            base_url=pds,
            credentials={**_session_json(session), "app_password": password},
        )

    # --- the session -----------------------------------------------------------------
    def _client(self) -> bsky.BlueskyClient:
        return bsky.BlueskyClient(self.account.base_url or DEFAULT_PDS)

    def _publishing_client(self) -> bsky.BlueskyClient:
        """One kept-alive client for the parts this connector publishes (the engine calls
        ``close`` when it is done): a new connection per part cost a third of the time."""
        if self._kept is None:
            self._kept = self._client()
        return self._kept

    def close(self) -> None:
        if self._kept is not None:
            self._kept.close()
            self._kept = None

    def _save(self, session: bsky.Session) -> None:
        creds = {**self.account.credentials, **_session_json(session)}
        self.account.credentials = creds
        self.account.save_credentials(creds)

    def _call(self, client: bsky.BlueskyClient, operation: Callable[[bsky.Session], T]) -> T:
        keeper = bsky.SessionKeeper(
            client, _session_from(self.account.credentials), on_refresh=self._save
        )
        try:
            return keeper.call(operation)
        except bsky.RecordExistsError:
            raise
        except bsky.BlueskyError as exc:
            raise _error(exc) from exc

    def refresh_credentials(self) -> bool:
        """A new session: by refresh token, or with the app password when that has expired."""
        with self._client() as client:
            try:
                self._save(client.refresh_session(_session_from(self.account.credentials)))
                return True
            except bsky.BlueskyError:
                pass
            password = self.account.credentials.get("app_password")
            if not password:
                return False
            try:
                self._save(client.create_session(self.account.handle, str(password)))
            except bsky.BlueskyError as exc:
                if exc.is_auth:
                    return False
                raise _error(exc) from exc
        return True

    def verify(self) -> None:
        with self._client() as client:
            self._call(
                client, lambda s: client.list_records(s.did, "app.bsky.actor.profile", limit=1)
            )

    # --- posting -----------------------------------------------------------------------
    def _rkey(self, post: OutgoingPost, index: int) -> str:
        """The part's record key: minted by the engine and stored before the first request,
        so every retry and reconcile uses the same one. Never derived from a time that other
        deliveries may share."""
        if index >= len(post.part_keys) or not bsky.is_tid(post.part_keys[index]):
            # Without a stored key a retry could never find this part again: send nothing.
            raise ChannelError(Failure.PERMANENT, "invalid", f"no record key for part {index}")
        return post.part_keys[index]

    def _did(self) -> str:
        return str(self.account.credentials["did"])

    def _images(self, client: bsky.BlueskyClient, post: OutgoingPost) -> list[bsky.PostImage]:
        images = []
        for image in post.images[:4]:
            data = image.path.read_bytes()
            mime = image.mime or mimetypes.guess_type(image.path.name)[0] or "image/jpeg"
            blob = self._call(client, partial(_upload, client, data, mime))
            ratio = (image.width, image.height) if image.width and image.height else None
            images.append(bsky.PostImage(blob, image.alt_text, ratio))
        return images

    def _card(self, client: bsky.BlueskyClient, post: OutgoingPost) -> bsky.LinkCard | None:
        """The first part's link card (external embed), its thumbnail uploaded as a blob."""
        if not post.link or post.images:
            return None
        card = post.link_card
        if card is None and not _link_outside_text(post):
            return None  # the link is in the text, with its facet
        thumb = None
        if card is not None and card.image is not None:
            image = card.image
            mime = image.mime or mimetypes.guess_type(image.path.name)[0] or "image/jpeg"
            thumb = self._call(client, partial(_upload, client, image.path.read_bytes(), mime))
        return bsky.LinkCard(
            post.link,
            card.title if card else "",
            card.description if card else "",
            thumb,
        )

    def _ref(self, client: bsky.BlueskyClient, part: PublishedPart) -> bsky.StrongRef:
        _, _, rkey = bsky.parse_at_uri(part.remote_id)
        record = client.get_record(self._did(), bsky.POST_COLLECTION, rkey)
        if record is None:
            raise ChannelError(Failure.PERMANENT, "not_found", part.remote_id)
        return record.ref

    @classmethod
    def reply_refusal(cls, url: str) -> ChannelError | None:
        value = url.strip()
        if _POST_URL.match(value) is None and not value.startswith("at://"):
            return ChannelError(
                Failure.PERMANENT, "reply_wrong_platform", f"not a Bluesky post address: {url}"
            )
        return None

    def _reply_refs(self, client: bsky.BlueskyClient, url: str) -> bsky.ReplyTo:
        """Strong references (uri and cid) of the post replied to and of its thread's root,
        as a Bluesky reply needs them; refused when the post cannot be read."""
        refusal = self.reply_refusal(url)
        if refusal is not None:
            raise refusal
        match = _POST_URL.match(url.strip())
        try:
            if match is not None:
                actor, rkey = match.group(1), match.group(2)
                repo = actor if actor.startswith("did:") else client.resolve_handle(actor)
            else:
                repo, _, rkey = bsky.parse_at_uri(url.strip())
            record = client.get_record(repo, bsky.POST_COLLECTION, rkey) if repo else None
        except (ValueError, bsky.BlueskyError) as exc:
            if isinstance(exc, bsky.BlueskyError) and not exc.permanent:
                raise _error(exc) from exc
            record = None
        if record is None or not record.cid:
            raise ChannelError(
                Failure.PERMANENT, "reply_not_found", f"the post {url[:200]} could not be read"
            )
        parent = record.ref
        root = parent
        reply = record.value.get("reply")
        if isinstance(reply, dict) and isinstance(reply.get("root"), dict):
            found = reply["root"]
            if isinstance(found.get("uri"), str) and isinstance(found.get("cid"), str):
                root = bsky.StrongRef(found["uri"], found["cid"])
        return bsky.ReplyTo(root=root, parent=parent)

    def _check_ours(
        self,
        post: OutgoingPost,
        index: int,
        uri: str,
        value: Mapping[str, Any],
        reply: tuple[str, str] | None,
    ) -> None:
        """A record found at this part's key counts as published only if it is this part: in
        this account's repository, with this part's text and reply references. Anything else
        is another post holding the key, never a success."""
        differs = []
        if bsky.parse_at_uri(uri)[0] != self._did():
            differs.append("account")
        if value.get("text") != part_text(post, index):
            differs.append("text")
        found = value.get("reply")
        if reply is not None or found is not None:
            refs = found if isinstance(found, dict) else {}
            got = tuple(
                ref.get("uri") if isinstance(ref, dict) else None
                for ref in (refs.get("root"), refs.get("parent"))
            )
            if got != reply:
                differs.append("reply")
        if differs:
            raise ChannelError(
                Failure.PERMANENT,
                "key_clash",
                f"the record at {uri} is not part {index + 1} of this post "
                f"({', '.join(differs)} differ)",
            )

    def _reply_for(
        self,
        client: bsky.BlueskyClient,
        post: OutgoingPost,
        index: int,
        earlier: list[PublishedPart],
    ) -> bsky.ReplyTo | None:
        """The reply references part ``index`` goes out with: the post replied to from the
        field watch (its root stays the thread's root for every later part), and the part
        before it in a thread of our own."""
        target = None
        if post.reply_to and (index == 0 or earlier):
            # A reply from the field watch: never a top-level post by mistake.
            target = self._reply_refs(client, post.reply_to)
        if index > 0 and earlier:
            root = target.root if target else self._ref(client, earlier[0])
            return bsky.ReplyTo(root=root, parent=self._ref(client, earlier[-1]))
        return target

    def part_text(self, post: OutgoingPost, index: int) -> str:
        return part_text(post, index)

    def publish_part(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart]
    ) -> PublishedPart:
        rkey = self._rkey(post, index)
        client = self._publishing_client()
        reply = None
        try:
            reply = self._reply_for(client, post, index, earlier)
            images = self._images(client, post) if index == 0 else []
            card = self._card(client, post) if index == 0 else None
            langs = [post.language] if _LANG_RE.fullmatch(post.language) else []
            ref = self._call(
                client,
                lambda s: client.create_post(
                    s,
                    part_text(post, index),
                    images=images,
                    link_card=card,
                    reply_to=reply,
                    rkey=rkey,
                    # The moment of this request, not of the first attempt.
                    created_at=None,
                    langs=langs,
                ),
            )
        except bsky.RecordExistsError as exists:
            expected = (reply.root.uri, reply.parent.uri) if reply else None
            self._check_ours(post, index, exists.existing.uri, exists.value, expected)
            ref = exists.existing
        except bsky.BlueskyError as exc:
            raise _error(exc) from exc
        return PublishedPart(index, ref.uri, post_url(self.account.handle, ref.uri))

    def reconcile(
        self, post: OutgoingPost, index: int, earlier: list[PublishedPart] | None = None
    ) -> PublishedPart | None:
        rkey = self._rkey(post, index)
        try:
            record = self._publishing_client().get_record(self._did(), bsky.POST_COLLECTION, rkey)
        except bsky.BlueskyError as exc:
            raise _error(exc) from exc
        if record is None:
            return None
        try:
            reply = self._reply_for(self._publishing_client(), post, index, earlier or [])
        except bsky.BlueskyError as exc:
            raise _error(exc) from exc
        expected = (reply.root.uri, reply.parent.uri) if reply else None
        self._check_ours(post, index, record.uri, record.value, expected)
        return PublishedPart(index, record.uri, post_url(self.account.handle, record.uri))

    def delete(self, remote_id: str) -> None:
        _, _, rkey = bsky.parse_at_uri(remote_id)
        with self._client() as client:
            self._call(client, lambda s: client.delete_record(s, bsky.POST_COLLECTION, rkey))
