"""Finding a post that may have gone out, by its text and time. None of the three Meta APIs has
an idempotency key, so after a lost answer the account's own recent posts are the only
witness: the oldest post not older than the first attempt (minus clock skew) whose text is
the one sent is taken as the part."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from kaiku.channels.meta.models import PostPage, RemotePost, comparable_text

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
        posts += [p for p in page.posts if since is None or p.created is None or p.created >= since]
        oldest = page.posts[-1].created if page.posts else None
        if not page.next_after or (since is not None and oldest is not None and oldest < since):
            break
        after = page.next_after
    return posts


def first_match(
    posts: Iterable[RemotePost], text: str, accept: Callable[[RemotePost], bool] = lambda _p: True
) -> RemotePost | None:
    want = comparable_text(text)
    found = [p for p in posts if comparable_text(p.text) == want and accept(p)]
    found.sort(key=lambda p: (p.created is None, p.created or datetime.min, p.id))
    return found[0] if found else None
