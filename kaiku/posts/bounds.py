"""The bounds every way in (form, API, import) puts on what a post may carry.

A date far in the future is not a plan but a typo, and one in year 9999 broke every page that
showed it (converting it to local time overflows); a character that XML cannot carry broke the
public feed for everyone; a text no chosen channel can carry only fails later, at publishing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from kaiku import language
from kaiku.connections.models import ChannelAccount
from kaiku.safetext import unsafe_characters

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
YEARS_AHEAD = 5


def latest() -> datetime:
    return timezone.now() + timedelta(days=365 * YEARS_AHEAD + 2)


def range_message() -> str:
    return _("Choose a time between the year 2000 and %(years)d years from now.") % {
        "years": YEARS_AHEAD
    }


def date_problem(value: datetime) -> str:
    """Why ``value`` cannot be a publishing time ('' when it can)."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or utc > latest():
        return _("Choose a time at most %(years)d years ahead.") % {"years": YEARS_AHEAD}
    if utc < EARLIEST:
        return _("Choose a time after the year 2000.")
    return ""


def day_problem(value: date) -> str:
    """Why ``value`` cannot be the last day of a repeat ('' when it can)."""
    if value > latest().date():
        return _("Choose a day at most %(years)d years ahead.") % {"years": YEARS_AHEAD}
    if value < EARLIEST.date():
        return _("Choose a day after the year 2000.")
    return ""


def characters_problem(text: str) -> str:
    """Why ``text`` cannot be published as it is ('' when it can): characters that feeds and
    platforms cannot carry, usually invisible ones pasted along with the text."""
    found = unsafe_characters(text)
    if not found:
        return ""
    return _(
        "The text contains control characters that cannot be published (%(chars)s). "
        "They are usually invisible and come with copied text: remove them."
    ) % {"chars": ", ".join(found[:5])}


def capacity(account: ChannelAccount) -> tuple[int, str]:
    """The most text the account can carry (as a thread where it threads) and its counter."""
    limits = account.connector().limits()
    parts = limits.max_thread_parts if limits.threads else 1
    return limits.max_chars * max(parts, 1), limits.counter


def length_problems(
    text: str, accounts: Sequence[ChannelAccount], variants: Mapping[int, str]
) -> list[str]:
    """The channels whose text (their own variant, or the main text) they cannot carry at all."""
    found = []
    for account in accounts:
        most, counter = capacity(account)
        own = variants.get(account.pk, "") or text
        try:
            n = language.count(own, counter)
        except ValueError:  # a channel the language library does not count (the own feed)
            n = len(own)
        if n > most:
            found.append(
                _(
                    "The text is too long for %(channel)s: %(n)d characters, at most %(max)d "
                    "even as a thread. Shorten it or write the channel its own text."
                )
                % {"channel": account.label, "n": n, "max": most}
            )
    return found
