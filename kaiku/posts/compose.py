"""Writing a post: the one service that the compose page, the edit page and the REST API call.

It validates a draft with one validator (the form's ``clean`` asks the same validator, so that
its errors land on their fields), saves the post, its deliveries with their own texts, its
images and its link card in ONE transaction, checks every text once, and, when asked, sends it
on through the gate. A save that fails leaves nothing behind: no row, and no image file (the
database forgets the rows by itself; the files written for them are removed here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kaiku.accounts.models import User
from kaiku.channels.registry import connector_class
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Organisation
from kaiku.posts import bounds, images, services
from kaiku.posts.errors import error_message
from kaiku.posts.models import Post, PostImage

# A time this far in the past is a mistake, not "now" (a page left open for a while is fine).
PAST_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class Problem:
    """Why a draft cannot be saved. ``field`` names the compose form's field it belongs to
    ("text", "variant_<account id>", "accounts", "publish_at", "repeat_until"), or is empty
    for the post as a whole (images, the missing channel of a send)."""

    field: str
    message: str


class Invalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Composed:
    post: Post
    verdict: services.Verdict
    # When a send was asked for and the gate kept the post a draft: "hetu" or "not_approved".
    refused: str = ""


def variant_field(account: ChannelAccount) -> str:
    return f"variant_{account.pk}"


def missing_alt_texts(alt_texts: Mapping[int, str]) -> list[Problem]:
    """Every kept image needs an alt text (one problem per image without one)."""
    message = _("Every image needs an alt text.")
    return [Problem("", message) for alt in alt_texts.values() if not alt]


def when_problem(when: datetime) -> str:
    """Why a post cannot be scheduled at ``when`` ('' when it can)."""
    problem = bounds.date_problem(when)
    if problem:
        return problem
    if when < timezone.now() - PAST_TOLERANCE:
        return _("That time is already past. Leave the field empty to publish right away.")
    return ""


def validate(
    draft: services.Draft,
    *,
    tz: ZoneInfo,
    send: bool = False,
    kept_images: int = 0,
) -> list[Problem]:
    """Everything that keeps the draft from being saved (or sent), in the order the compose
    page shows it. The one validator of a post's contents: the form and the API both use it."""
    found: list[Problem] = []
    accounts = list(draft.accounts)
    for account in accounts if draft.reply_to_url else []:
        refusal = connector_class(account.platform).reply_refusal(draft.reply_to_url)
        if refusal is not None:
            # A reply that cannot go where it is meant to is refused now, never published as a
            # post of its own.
            found.append(
                Problem(
                    "accounts",
                    _("A reply cannot go to %(channel)s: %(reason)s")
                    % {
                        "channel": f"{account.label} {account.display_name or account.handle}",
                        "reason": error_message(refusal.code, refusal.detail),
                    },
                )
            )
    when = draft.scheduled_at
    if when is not None:
        problem = when_problem(when)
        if problem:
            found.append(Problem("publish_at", problem))
            when = None  # the repeat below starts from now, as when no time was given
    until = draft.repeat_until
    if until and not draft.repeat:
        found.append(Problem("repeat_until", _("Choose how often the post repeats.")))
    start = (when or timezone.now()).astimezone(tz).date()
    if until and draft.repeat and until < start:
        found.append(Problem("repeat_until", _("The last day is before the first post.")))
    if until and bounds.day_problem(until):
        found.append(Problem("repeat_until", bounds.day_problem(until)))
    variants = draft.variants or {}
    for account in accounts:
        for problem in bounds.length_problems(draft.text, [account], variants):
            field = variant_field(account) if account.pk in variants else "text"
            found.append(Problem(field, problem))
    found += missing_alt_texts(draft.alt_texts or {})
    if send and not accounts:
        found.append(Problem("", _("Choose at least one channel to send the post to.")))
    found += [Problem("", p) for p in images.problems(draft.uploads, kept_images, accounts)]
    return found


def _kept_images(post: Post | None, draft: services.Draft) -> int:
    if draft.alt_texts is not None:
        return len(draft.alt_texts)
    if post is None:
        return 0
    return post.images.exclude(pk__in=draft.remove_images).count()


def save_post(
    org: Organisation,
    author: User,
    draft: services.Draft,
    *,
    tz: ZoneInfo,
    post: Post | None = None,
    send: bool = False,
    request: HttpRequest | None = None,
    keep_refused: bool = True,
) -> Composed:
    """Validate, save and (with ``send``) submit a post in one transaction; the language check
    runs once, on the texts as saved, and its verdict carries the send.

    ``Invalid`` when the draft cannot be saved (nothing is written), ``services.NotEditable``
    when the post has already gone out. When the gate refuses the send, the draft is kept and
    ``refused`` says why; with ``keep_refused=False`` nothing is kept and
    ``services.GateRefused`` is raised instead (the API refuses such a post outright)."""
    problems = validate(draft, tz=tz, send=send, kept_images=_kept_images(post, draft))
    if problems:
        raise Invalid(problems)
    written: list[str] = []
    refused = ""
    try:
        with transaction.atomic():
            saved, verdict = services.save_checked(org, author, draft, post=post, written=written)
            if send:
                try:
                    # A savepoint: a refused send undoes only itself, the draft stays.
                    with transaction.atomic():
                        services.submit(saved, request, verdict=verdict)
                except services.GateRefused as refusal:
                    if not keep_refused:
                        raise
                    refused = str(refusal)
    except BaseException:
        # The rows are gone with the transaction; the files written for them go too.
        storage = PostImage._meta.get_field("file").storage
        for name in written:
            storage.delete(name)
        raise
    return Composed(saved, verdict, refused)
