"""The safety gate: which texts of a post can be published, their digest, and the engine's
last check.

Every word that can go out (the main text, each channel's own text and its thread parts, image
alt texts, the link card) is checked by ``kaiku.posts.services.check_post``. When the services
schedule a delivery, they stamp it with the digest of its exact outgoing texts; the engine
publishes a delivery only when its outgoing texts still have that stamp and hold no
henkilötunnus. A path that changes a text without going through the services therefore holds
the delivery (``not_checked``) instead of publishing unchecked words.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kaiku.channels.base import OutgoingPost
from kaiku.connections.models import ChannelAccount
from kaiku.language import ids
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery

# Why the engine refuses a delivery (Delivery.last_error_code; see kaiku.posts.errors).
HETU = "gate_hetu"
NOT_CHECKED = "gate_not_checked"


@dataclass(frozen=True)
class Text:
    """One publishable text of a post: ``target`` names it ("text", "variant:<account id>",
    "alt:<n>", "link_card"); ``accounts`` are where it goes (for the length check)."""

    target: str
    text: str
    accounts: tuple[ChannelAccount, ...] = field(default=())


def texts_of(
    text: str,
    accounts: Sequence[ChannelAccount],
    variants: dict[int, str],
    alt_texts: Sequence[str],
    link_card: dict[str, str] | None,
    link: str = "",
) -> list[Text]:
    """The texts a post made of these parts can publish (empty ones left out)."""
    own = {a.pk: variants[a.pk] for a in accounts if variants.get(a.pk, "").strip()}
    main_accounts = tuple(a for a in accounts if a.pk not in own)
    out = [Text("text", text, main_accounts)]
    out += [Text(f"variant:{a.pk}", own[a.pk], (a,)) for a in accounts if a.pk in own]
    out += [Text(f"alt:{n}", alt) for n, alt in enumerate(alt_texts, start=1) if alt.strip()]
    card = " \n".join(
        v for v in ((link_card or {}).get("title", ""), (link_card or {}).get("description", ""))
    )
    if card.strip():
        out.append(Text("link_card", card))
    if link.strip():
        out.append(Text("link", link))
    return out


def texts_of_post(post: Post) -> list[Text]:
    """The publishable texts of a saved post, read from its rows."""
    deliveries = list(
        post.deliveries.exclude(state=Delivery.State.CANCELLED).select_related("account")
    )
    return texts_of(
        post.text,
        [d.account for d in deliveries],
        {d.account_id: d.text_override for d in deliveries},
        [img.alt_text for img in post.images.all()],
        post.link_card if post.link else None,
        post.link,
    )


def digest(texts: Iterable[Text]) -> str:
    """The same for the same words in the same places (ids of images are left out, so that a
    recurring copy of an approved post keeps its approval)."""
    payload = json.dumps(sorted((t.target, t.text) for t in texts), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def outgoing_texts(outgoing: OutgoingPost) -> list[str]:
    """Every text of what a connector is given to publish."""
    out = list(outgoing.parts) + [img.alt_text for img in outgoing.images]
    if outgoing.link_card is not None:
        out += [outgoing.link_card.title, outgoing.link_card.description]
    if outgoing.link:
        out.append(outgoing.link)  # an address can carry a henkilötunnus too
    return out


def stamp(outgoing: OutgoingPost) -> str:
    return stamp_of(outgoing_texts(outgoing))


def stamp_of(texts: Sequence[str]) -> str:
    """The stamp of outgoing texts in ``outgoing_texts`` order (parts, alt texts, card)."""
    payload = json.dumps(list(texts), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def has_hetu(text: str) -> bool:
    """A henkilötunnus or another country's identity number (personnummer, SSN...)."""
    return bool(ids.find_identity_codes(text))


def refusal(delivery: Delivery, outgoing: OutgoingPost) -> str:
    """Why the engine must not publish ``outgoing`` ('' when it may)."""
    if any(has_hetu(t) for t in outgoing_texts(outgoing)):
        return HETU
    if delivery.gate_stamp != stamp(outgoing):
        return NOT_CHECKED
    return ""
