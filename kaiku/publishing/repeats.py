"""The next occurrence of a recurring post, which the engine asks for once a post has gone out.

Making it is the posts app's work (it copies the post and schedules it through the engine), so
the engine cannot import it without an import circle: the posts app hands its function in when
Django starts it (``PostsConfig.ready``), and the engine calls it through here.
"""

from __future__ import annotations

from collections.abc import Callable

from kaiku.posts.models import Post

Spawn = Callable[[Post], Post | None]

_spawn: list[Spawn] = []


def provide(spawn: Spawn) -> None:
    """Set the function that makes a recurring post's next occurrence (one, the last given)."""
    _spawn[:] = [spawn]


def spawn_next_repeat(post: Post) -> Post | None:
    """The next occurrence of ``post``, scheduled; None when it has none (see posts.services)."""
    if not _spawn:
        raise RuntimeError("the posts app has not provided spawn_next_repeat (is it installed?)")
    return _spawn[0](post)
