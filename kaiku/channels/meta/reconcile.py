"""Finding a post that may have gone out, by its text and time. None of the three Meta APIs has
an idempotency key, so after a lost answer the account's own recent posts are the only
witness: the oldest post not older than the first attempt (minus clock skew) whose text is
the one sent is taken as the part.

A post is never taken when it cannot be this attempt's: one without a time (when the first
attempt is known), or one that Kaiku's ledger gives to another delivery (the same words posted
twice within minutes: Meta's posts carry no key of ours, so the ledger is the only witness).
For those the answer is "not found": Meta has no duplicate refusal that a resend could hit for
Instagram and Threads, but a resend after a true "not found" is what exactly-once needs, and a
post of this delivery's that did go out is matched before any other's, oldest first. The author
is the account by construction: each edge read here (a Page's /posts, an IG user's /media, a
Threads profile's /threads and /replies) lists only that account's own posts, not visitors'.
Where the account kept the container it was about to publish (Instagram, Threads), its status
decides first and the text only names which post a PUBLISHED container became."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from kaiku.channels.base import Account, ChannelError, Failure, OutgoingPost
from kaiku.channels.meta.graph import GraphClient
from kaiku.channels.meta.models import (
    PostPage,
    RemotePost,
    comparable_text,
    parse_container_status,
)

CLOCK_SKEW = timedelta(minutes=5)
MAX_PAGES = 4


def since_for(created_at: datetime | None) -> datetime | None:
    return created_at - CLOCK_SKEW if created_at else None


def recent(fetch: Callable[[str], PostPage], since: datetime | None) -> list[RemotePost]:
    """Newest-first pages of posts, read until older than ``since`` (at most MAX_PAGES)."""
    posts: list[RemotePost] = []
    after = ""
    for _ in range(MAX_PAGES):
        page = fetch(after)
        posts += [
            p for p in page.posts if since is None or (p.created is not None and p.created >= since)
        ]
        oldest = page.posts[-1].created if page.posts else None
        if not page.next_after or (since is not None and oldest is not None and oldest < since):
            break
        after = page.next_after
    return posts


def first_match(
    posts: Iterable[RemotePost],
    text: str,
    accept: Callable[[RemotePost], bool] = lambda _p: True,
    *,
    elsewhere: Callable[[str], bool] = lambda _id: False,
) -> RemotePost | None:
    """The oldest post with ``text`` that ``accept`` takes and that is not ``elsewhere`` (the
    ledger gives it to another delivery)."""
    want = comparable_text(text)
    found = [
        p for p in posts if comparable_text(p.text) == want and accept(p) and not elsewhere(p.id)
    ]
    found.sort(key=lambda p: (p.created is None, p.created or datetime.min, p.id))
    return found[0] if found else None


# Statuses of a media container that was never published: the part is not out there.
NOT_PUBLISHED = frozenset({"FINISHED", "IN_PROGRESS", "ERROR", "EXPIRED"})
# Statuses from which the same container can still be published.
REUSABLE = frozenset({"FINISHED", "IN_PROGRESS"})


def fingerprint(*fields: str) -> str:
    """A short hash of what a container was made with (text, images, reply target), kept with
    its id: a delivery edited after a failed attempt must not publish the old container."""
    digest = hashlib.sha256("\x00".join(fields).encode("utf-8")).hexdigest()
    return digest[:16]


def kept(container: str, made_with: str) -> str:
    """The pending handle to keep: the container id and its fingerprint."""
    return f"{container} {made_with}"


def read_kept(handle: str, made_with: str) -> tuple[str, bool]:
    """The container id of a kept handle, and whether it was made with this content."""
    container, _, stored = handle.partition(" ")
    return container, stored == made_with


def changed_since(container: str) -> ChannelError:
    """The container this delivery made was published with content that has since changed:
    the old words are out there; publishing the new ones too would say it twice."""
    return ChannelError(
        Failure.PERMANENT,
        "key_clash",
        f"container {container} of an earlier attempt, with the text as it was then, is published",
    )


def container_status(graph: GraphClient, container_id: str, fields: str) -> str | None:
    """The status of a container an earlier attempt made (IG Container reference,
    ``status_code``; Threads, ``status``): EXPIRED, ERROR, FINISHED, IN_PROGRESS or
    PUBLISHED; None when Meta no longer knows the container."""
    try:
        return parse_container_status(graph.get(container_id, fields=fields)).status
    except ChannelError as exc:
        if exc.failure is Failure.PERMANENT:
            return None
        raise


def published_but_unlisted(container_id: str) -> ChannelError:
    """The container says PUBLISHED, but its post is not (yet) among the account's posts: it
    is out there, so it must never be sent again; look once more later."""
    return ChannelError(
        Failure.UNKNOWN_OUTCOME,
        "unexpected",
        f"container {container_id} is published, but its post is not listed yet",
    )


class KeptContainers:
    """The part of a two-step connector (Instagram, Threads) that finds the media container an
    earlier attempt kept (``Account.pending``) and decides whether it may be published now.
    The connector says what a part is made with (``_made_with``) and which status fields its
    host answers (``container_fields``)."""

    account: Account
    container_fields: str

    def _made_with(self, post: OutgoingPost, index: int) -> str:
        raise NotImplementedError

    def _kept(self, post: OutgoingPost, index: int) -> tuple[str, bool]:
        """The container kept for this part, and whether it was made with this content."""
        handle = self.account.pending(post.key, index)
        return read_kept(handle, self._made_with(post, index)) if handle else ("", False)

    def _reusable_container(self, graph: GraphClient, post: OutgoingPost, index: int) -> str:
        """The container an earlier attempt of this part made and did not publish, if it can
        still be published; "" when there is none. One that says PUBLISHED is never sent
        again: UNKNOWN_OUTCOME, so that the engine reconciles instead."""
        container, same = self._kept(post, index)
        if not container:
            return ""
        status = container_status(graph, container, self.container_fields)
        if status == "PUBLISHED":
            raise published_but_unlisted(container) if same else changed_since(container)
        # One made with other words (the post was edited since) is left to expire.
        return container if same and status in REUSABLE else ""
