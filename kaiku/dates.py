"""Dates as feeds and platform APIs write them: RFC 822, RFC 3339 and a few odd forms seen in
Finnish feeds. Plain Python: the watch's feed parser and the platform packages' readers share it.
"""

from __future__ import annotations

import contextlib
import email.utils
import re
from datetime import UTC, datetime, timedelta, timezone

_TZ_NAMES = {"EET": "+0200", "EEST": "+0300", "CET": "+0100", "CEST": "+0200", "UTC": "+0000"}
_TZ_RE = re.compile(r"\b(EEST|EET|CEST|CET|UTC)\b")
_DOTTED_RE = re.compile(
    r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(?:klo\s+)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$"
)
_DAY_NAMES_RE = re.compile(r"^[^\d,]{2,12},\s*")


_LEAP_SECOND_RE = re.compile(r"(\d\d:\d\d):60(?!\d)")
_COLON_OFFSET_RE = re.compile(r"(\d\d:\d\d(?::\d\d)?\s+[+-]\d\d):(\d\d)$")
_ISO_START_RE = re.compile(r"^\d{4}-?\d\d-?\d\d[Tt ]", re.ASCII)
_REDUCED_RE = re.compile(r"^(\d{4})(?:-(\d\d))?$", re.ASCII)
_MAX_YEAR = 9998  # a later date overflows when shown in a time zone east of UTC


def parse_date(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """RFC 822/2822, RFC 3339 / ISO 8601 / W3C-DTF and a few odd forms seen in Finnish feeds;
    None when unreadable. A valid date is kept whatever its year (1900, 2038, one in the
    future: the digest ranks an item by its first fetch when its date is later); a leap second
    (23:59:60) is read as 23:59:59. ``now`` is accepted for callers that pass it."""
    if not value:
        return None
    text = " ".join(value.split())
    if ":60" in text:
        text = _LEAP_SECOND_RE.sub(r"\1:59", text)
    parsed = _rfc822_common(text)
    if parsed is None:
        iso = text.upper() if _ISO_START_RE.match(text) else text
        with contextlib.suppress(ValueError):
            parsed = datetime.fromisoformat(iso)
    if parsed is None:
        general = _COLON_OFFSET_RE.sub(r"\1\2", _TZ_RE.sub(_tz_offset, text))
        try:
            parsed = email.utils.parsedate_to_datetime(general)
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed = None
    if parsed is None:
        parsed = _odd_date(text)
    if parsed is None or not 1 <= parsed.year <= _MAX_YEAR:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)  # the database stores UTC: 0001-01-01T00:00+02:00 has none
    except OverflowError:
        return None
    return parsed


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_RFC822_COMMON_RE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (" + "|".join(_MONTH_NAMES) + r") (\d{4}) "
    r"(\d\d):(\d\d):(\d\d) (?:([+-])(\d\d)(\d\d)|GMT|UTC|UT)"
)


def _rfc822_common(text: str) -> datetime | None:
    """The usual RFC 822 form ("Tue, 05 Mar 2024 12:00:00 +0200"), read as
    ``email.utils.parsedate_to_datetime`` reads it but without its general parser; None for
    anything else (which then takes the general way)."""
    match = _RFC822_COMMON_RE.fullmatch(text)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, tz_hours, tz_minutes = match.groups()
    offset = 0
    if sign is not None:
        offset = int(tz_hours) * 3600 + int(tz_minutes) * 60
        offset = -offset if sign == "-" else offset
    try:
        when = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second))
        if sign == "-" and offset == 0:  # "-0000": local time of an unknown zone
            return when
        return when.replace(tzinfo=timezone(timedelta(seconds=offset)))
    except ValueError:  # no such day or offset: the general way decides
        return None


def _tz_offset(match: re.Match[str]) -> str:
    return _TZ_NAMES[match.group(1)]


def _odd_date(text: str) -> datetime | None:
    reduced = _REDUCED_RE.match(text)  # W3C-DTF's "2024" and "2024-03"
    if reduced:
        with contextlib.suppress(ValueError):
            return datetime(int(reduced.group(1)), int(reduced.group(2) or 1), 1)
        return None
    bare = _DAY_NAMES_RE.sub("", text)
    match = _DOTTED_RE.match(bare)
    if match:
        day, month, year, hour, minute, second = match.groups()
        try:
            return datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError:
            return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(bare[:19], fmt)
        except ValueError:
            continue
    return None
