"""How a post will look on each chosen channel: its thread parts and their lengths."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kaiku import language
from kaiku.channels.base import Connector, OutgoingImage, OutgoingPost
from kaiku.connections.models import ChannelAccount
from kaiku.language.types import Finding
from kaiku.posts.errors import error_message
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
        return any(p.over for p in self.parts) or bool(self.problems)

    @property
    def too_many_parts(self) -> bool:
        return self.threads and len(self.parts) > self.max_parts


def counter_of(account: ChannelAccount) -> str:
    return account.connector().limits().counter


def counting(counter: str, url_weight: int | None = None) -> Callable[[str], int]:
    """How ``counter`` measures a text; plain characters for a channel the language package
    does not know (such as the organisation's own feed)."""
    if counter not in language.channels():
        return len

    def count(text: str) -> int:
        return int(language.count(text, counter, url_weight))

    return count


def connector_counting(connector: Connector) -> Callable[[str], int]:
    limits = connector.limits()
    return counting(limits.counter, limits.characters_reserved_per_url)


# What a connector needs to know of the images to render a post's text (whether there are
# any): stand-ins, since the preview runs before images are stored.
_IMAGE = OutgoingImage(path=Path("preview"), mime="image/jpeg", alt_text="", public_url="-")


def outgoing(
    parts: Sequence[str], *, link: str = "", images: int = 0, reply_to: str = ""
) -> OutgoingPost:
    """A post as a connector sees it, for rendering its texts (never published)."""
    return OutgoingPost(
        key="preview",
        parts=tuple(parts),
        images=(_IMAGE,) * images,
        link=link or None,
        reply_to=reply_to or None,
    )


def split_for(
    connector: Connector, text: str, *, link: str = "", images: int = 0, max_parts: int = 0
) -> list[str]:
    """The thread parts of ``text`` on this connector's platform, each fitting its limit as
    it is sent (with the link the platform appends to the first part counted)."""
    limits = connector.limits()
    text = text.strip()
    if not limits.threads:
        return [text]

    def first(part: str) -> str:
        return connector.part_text(outgoing((part,), link=link, images=images), 0)

    return split_thread(
        text,
        limits.max_chars,
        connector_counting(connector),
        max_parts=max_parts or limits.max_thread_parts,
        first=first,
    )


def sent_text(connector: Connector, text: str, *, link: str = "", images: int = 0) -> str:
    """``text`` as one post exactly as this platform would receive it (for the length check)."""
    return connector.part_text(outgoing((text.strip(),), link=link, images=images), 0)


def preview(
    account: ChannelAccount, text: str, *, link: str = "", images: int = 0
) -> ChannelPreview:
    connector = account.connector()
    limits = connector.limits()
    count = connector_counting(connector)
    pieces = split_for(connector, text, link=link, images=images, max_parts=UNCAPPED_PARTS)
    post = outgoing(pieces, link=link, images=images)
    parts = []
    for number, sent in enumerate(connector.outgoing_texts(post), start=1):
        length = count(sent)
        parts.append(
            Part(
                number=number,
                text=sent,
                length=length,
                limit=limits.max_chars,
                over=length > limits.max_chars
                or (limits.threads and number > limits.max_thread_parts),
            )
        )
    problems = [
        error_message(p.code, p.detail) for p in connector.refusals(post) if p.code != "too_long"
    ]
    return ChannelPreview(
        account=account,
        parts=parts,
        max_chars=limits.max_chars,
        max_parts=limits.max_thread_parts,
        threads=limits.threads,
        counter=limits.counter,
        link_card=limits.client_link_card,
        problems=problems,
    )


def previews(
    text: str,
    accounts: Sequence[ChannelAccount],
    variants: Mapping[int, str],
    *,
    link: str = "",
    images: int = 0,
) -> list[ChannelPreview]:
    return [preview(a, variants.get(a.pk) or text, link=link, images=images) for a in accounts]


@dataclass(frozen=True)
class CheckInputs:
    """What the length check needs to measure the text as each chosen platform receives it."""

    channels: list[str]
    sent_texts: dict[str, str]
    channel_limits: dict[str, int]
    url_weights: dict[str, int]
    # What a chosen platform would refuse by its own rules besides the length (Threads'
    # links, Instagram's hashtags and mentions), as findings of the whole text.
    refusals: list[Finding] = field(default_factory=list)


def check_inputs(
    text: str, accounts: Sequence[ChannelAccount], *, link: str = "", images: int = 0
) -> CheckInputs:
    known = set(language.channels())
    inputs = CheckInputs([], {}, {}, {})
    for account in accounts:
        connector = account.connector()
        limits = connector.limits()
        counter = limits.counter
        for refusal in connector.refusals(outgoing([text.strip()], link=link, images=images)):
            if refusal.code != "too_long":  # the length finding says it, at its place
                inputs.refusals.append(
                    Finding(
                        "length",
                        f"channel.{refusal.code}",
                        0,
                        len(text),
                        text,
                        "block",
                        f"{account.label}: {error_message(refusal.code, refusal.detail)}",
                    )
                )
        if counter not in known:
            continue
        if counter not in inputs.channels:
            inputs.channels.append(counter)
        sent = sent_text(connector, text, link=link, images=images)
        weight = limits.characters_reserved_per_url
        # Two accounts of one platform: the strictest measure decides.
        if len(sent) >= len(inputs.sent_texts.get(counter, "")):
            inputs.sent_texts[counter] = sent
        inputs.channel_limits[counter] = min(
            limits.max_chars, inputs.channel_limits.get(counter, limits.max_chars)
        )
        if weight is not None:
            inputs.url_weights[counter] = max(weight, inputs.url_weights.get(counter, weight))
    inputs.channels.sort()
    return inputs


def channels_param(accounts: Sequence[ChannelAccount]) -> str:
    """The chosen channels as the language check reads them: "bluesky,mastodon"."""
    known = set(language.channels())
    return ",".join(sorted({c for c in map(counter_of, accounts) if c in known}))
