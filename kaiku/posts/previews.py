"""How a post will look on each chosen channel: its thread parts and their lengths."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from kaiku import language
from kaiku.posts.models import ChannelAccount
from kaiku.posts.threads import split_thread

# A thread is split without a cap so that the preview can show what does not fit.
UNCAPPED_PARTS = 1000


@dataclass(frozen=True)
class Part:
    number: int
    text: str
    length: int
    limit: int
    over: bool


@dataclass(frozen=True)
class ChannelPreview:
    account: ChannelAccount
    parts: list[Part]
    max_chars: int
    max_parts: int
    threads: bool
    counter: str
    link_card: bool  # this platform needs Kaiku to build the link preview
    problems: list[str] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return any(p.over for p in self.parts)

    @property
    def too_many_parts(self) -> bool:
        return self.threads and len(self.parts) > self.max_parts


def counter_of(account: ChannelAccount) -> str:
    return account.connector().limits().counter


def counting(counter: str) -> Callable[[str], int]:
    """How ``counter`` measures a text; plain characters for a channel the language package
    does not know (such as the organisation's own feed)."""
    if counter not in language.channels():
        return len

    def count(text: str) -> int:
        return int(language.count(text, counter))

    return count


def preview(account: ChannelAccount, text: str) -> ChannelPreview:
    limits = account.connector().limits()
    count = counting(limits.counter)

    text = text.strip()
    if limits.threads and count(text) > limits.max_chars:
        pieces = split_thread(text, limits.max_chars, count, max_parts=UNCAPPED_PARTS)
    else:
        pieces = [text]
    parts = []
    for number, piece in enumerate(pieces, start=1):
        length = count(piece)
        parts.append(
            Part(
                number=number,
                text=piece,
                length=length,
                limit=limits.max_chars,
                over=length > limits.max_chars
                or (limits.threads and number > limits.max_thread_parts),
            )
        )
    return ChannelPreview(
        account=account,
        parts=parts,
        max_chars=limits.max_chars,
        max_parts=limits.max_thread_parts,
        threads=limits.threads,
        counter=limits.counter,
        link_card=limits.client_link_card,
    )


def previews(
    text: str, accounts: Sequence[ChannelAccount], variants: Mapping[int, str]
) -> list[ChannelPreview]:
    return [preview(a, variants.get(a.pk) or text) for a in accounts]


def channels_param(accounts: Sequence[ChannelAccount]) -> str:
    """The chosen channels as the language check reads them: "bluesky,mastodon"."""
    known = set(language.channels())
    return ",".join(sorted({c for c in map(counter_of, accounts) if c in known}))
