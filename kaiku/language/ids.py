"""Identifier detectors: Finnish personal identity codes, phones, e-mails, IBANs, addresses."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import lru_cache

from .text import EMAIL_RE

# The look-behind ("no word character or hyphen before") is written after the first digit, as a
# two-character look-behind: a pattern that begins with a digit is searched for digits only,
# several times faster than trying the look-behind at every position of the text.
_HETU_RE = re.compile(
    r"(\d(?<![\w-]\d)\d)(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])(?![\w-])", re.I
)
_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Century signs: "+" 1800s; "-" and (since 2023) U V W X Y 1900s; A (and since 2023) B-F 2000s.
_CENTURY = {"+": 1800, "-": 1900, **dict.fromkeys("UVWXY", 1900), **dict.fromkeys("ABCDEF", 2000)}


def hetu_valid(code: str) -> bool:
    """Check a Finnish henkilötunnus: century sign, real date, individual number, checksum."""
    m = _HETU_RE.fullmatch(code.strip())
    return m is not None and _hetu_ok(m)


def _hetu_ok(m: re.Match[str]) -> bool:
    dd, mm, yy, sign, num, check = m.groups()
    century = _CENTURY.get(sign.upper())
    if century is None or int(num) < 2:
        return False
    try:
        dt.date(century + int(yy), int(mm), int(dd))
    except ValueError:
        return False
    return _HETU_CHECK[int(dd + mm + yy + num) % 31] == check.upper()


def find_hetu(text: str) -> Iterator[tuple[int, int]]:
    for m in _HETU_RE.finditer(text):
        if _hetu_ok(m):
            yield m.span()


# Finnish numbers in running text start with 0 or an international prefix; requiring that keeps
# dates, times, prices and counts out before phonenumbers validates the rest.
# (As ``(?<![\w+.,/])(?:\+|00)?\d...``, with the look-behind after the first character so that
# the search skips to a "+" or digit.)
_PHONE_CAND_RE = re.compile(
    r"(?:\+(?<![\w+.,/].)\d|0(?<![\w+.,/].)0\d|\d(?<![\w+.,/].))"
    r"[\d\u00a0 ()/-]{5,17}\d(?![\w.,]\d)"
)


def find_phones(text: str, region: str = "FI") -> Iterator[tuple[int, int]]:
    for m in _PHONE_CAND_RE.finditer(text):
        cand = m.group(0).rstrip()
        if not (cand.startswith(("+", "0"))):
            continue
        digits = sum(c.isdigit() for c in cand)
        if digits < 7 or digits > 15:
            continue
        if _phone_valid(cand, region):
            yield m.start(), m.start() + len(cand)


@lru_cache(maxsize=4096)
def _phone_valid(cand: str, region: str) -> bool:
    """phonenumbers' verdict, memoised: an organisation's contact number recurs in its drafts,
    and parsing it costs more than the rest of the identifier search."""
    # Imported on first use: loading phonenumbers' metadata costs about 30 ms of CPU, which
    # every field-watch parse worker paid at start for a check the ingest never makes (a
    # text's first candidate number pays it once instead; bench/language_bench.py).
    import phonenumbers

    try:
        num = phonenumbers.parse(cand, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(num))


# "nimi [at] esimerkki.fi", "nimi(at)esimerkki.fi", "namn [at] exempel.se": written to fool
# harvesters, still an address that identifies its owner.
DISGUISED_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]+\s*(?:\[at\]|\(at\)|\{at\}|\[ät\]|\(ät\)|\[a\]|\(a\)|\[@\]|\(@\))\s*"
    r"[a-z0-9-]+(?:\s*(?:\.|\[dot\]|\(dot\)|\[piste\]|\(piste\))\s*[a-z0-9-]+)*"
    r"\s*(?:\.|\[dot\]|\(dot\)|\[piste\]|\(piste\))\s*[a-z]{2,}\b",
    re.I,
)


def find_emails(text: str) -> Iterator[tuple[int, int]]:
    spans = [m.span() for m in EMAIL_RE.finditer(text)] if "@" in text else []
    if "[" in text or "(" in text or "{" in text:
        spans += [m.span() for m in DISGUISED_EMAIL_RE.finditer(text)]
    yield from sorted(spans)


# (The look-behind "no letter or digit before" after the first letter, as for the hetu.)
_IBAN_RE = re.compile(
    r"([A-Z](?<![A-Z0-9][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)(?![A-Z0-9])"
)
_IBAN_LEN = {
    "FI": 18, "SE": 24, "NO": 15, "DK": 18, "EE": 20, "DE": 22, "FR": 27, "GB": 22, "NL": 18,
    "BE": 16, "ES": 24, "IT": 27, "AT": 20, "CH": 21, "IE": 22, "LV": 21, "LT": 20, "PL": 28,
    "AX": 18, "IS": 26, "LU": 20, "PT": 25,
}  # fmt: skip


def iban_valid(value: str) -> bool:
    iban = value.replace(" ", "").upper()
    if len(iban) < 15 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    expected = _IBAN_LEN.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    try:
        number = int("".join(str(int(c, 36)) for c in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


def find_ibans(text: str) -> Iterator[tuple[int, int]]:
    for m in _IBAN_RE.finditer(text):
        value = m.group(1)
        # The greedy group may swallow a following 1-3 character word; trim until valid.
        while value and not iban_valid(value):
            if " " not in value:
                value = ""
                break
            value = value.rsplit(" ", 1)[0]
        if value:
            yield m.start(1), m.start(1) + len(value)


_STREET = (
    r"tie|katu|kuja|polku|väylä|raitti|kaari|rinne|ranta|tori|aukio|portti|puistikko|puisto|bulevardi|"
    r"esplanadi|gatan|vägen|gränd|stigen|torget|allén|backen|kajen|planen|leden|stranden|"
    r"esplanaden|road|street|avenue"
)
# A direction word may come first ("Pohjoinen Rautatiekatu", "Norra Esplanaden"); staircase and
# flat ("3 B 14", "12 as. 4"), then a postcode and town may follow ("00100 Helsinki").
_DIRECTION = (
    r"(?:(?:Pohjoinen|Eteläinen|Itäinen|Läntinen|Norra|Södra|Östra|Västra|Stora|Lilla)\s+)?"
)
_POSTCODE = r"(?:,?\s+\d{5}\s+[A-ZÅÄÖ][a-zåäö]+)?"
_ADDRESS_RE = re.compile(
    rf"\b{_DIRECTION}([A-ZÅÄÖ][a-zåäöé-]*(?:{_STREET})|Esplanad(?:en|i)?|Bulevardi|Boulevarden)\s+(\d{{1,4}}(?:\s?[a-h])?(?:\s?[A-H]\s?\d{{1,3}}|\s?(?:as\.?|lh\.?|bst\.?)\s?\d{{1,3}})?)(?![\d,.]\d){_POSTCODE}"
)
# English order: number first ("12 North Street, Flat 4, Leeds LS1 4AB").
_EN_ADDRESS_RE = re.compile(
    r"\b\d{1,4}[a-z]?\s+(?:(?:North|South|East|West|Upper|Lower|Old|New)\s+)?[A-Z][a-z]+"
    r"(?:\s+[A-Z][a-z]+)?\s+(?:Street|Road|Avenue|Lane|Close|Way|Drive|Crescent|Place|Terrace|"
    r"Gardens|Grove|Court|Row|Square)\b(?:,?\s+(?:Flat|Apt\.?|Apartment|Unit)\s+\d{1,4}[A-Z]?)?"
    r"(?:,\s+[A-Z][a-z]+(?:\s+[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})?)?"
)


# What each address pattern cannot match without: a street word right before the number
# (Finnish and Swedish order) or an English street word. Most texts have neither and skip the
# full patterns, which try every position.
_STREET_ENDS = (
    *_STREET.split("|"),
    "Esplanad",
    "Esplanaden",
    "Esplanadi",
    "Bulevardi",
    "Boulevarden",
)
# A digit right after whitespace (searched from the digit: faster than from the whitespace).
_DIGIT_AFTER_SPACE_RE = re.compile(r"\d(?<=\s\d)")
_EN_STREET_RE = re.compile(
    r"Street|Road|Avenue|Lane|Close|Way|Drive|Crescent|Place|Terrace|Gardens|Grove|Court|Row|"
    r"Square"
)


def _street_before_number(text: str) -> bool:
    for m in _DIGIT_AFTER_SPACE_RE.finditer(text):
        k = m.start() - 1
        while k > 0 and text[k - 1].isspace():
            k -= 1
        if text.endswith(_STREET_ENDS, 0, k):
            return True
    return False


def find_addresses(text: str) -> Iterator[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if _street_before_number(text):
        spans += [m.span() for m in _ADDRESS_RE.finditer(text)]
    if _EN_STREET_RE.search(text) is not None:
        spans += [m.span() for m in _EN_ADDRESS_RE.finditer(text)]
    yield from sorted(spans)


# --- national identity numbers of the neighbouring countries and the US ---------------------
#
# Each is a ``block`` like the henkilötunnus: a number that identifies one person for life.
# Only valid numbers count (a real date and a correct check digit, or for the Danish CPR, which
# has had no check digit since 2007, a real date and the word "CPR" near it): order, case and
# invoice numbers of the same shape are no alarm, and neither is a number right after a phone
# cue ("puh.", "tfn", "phone") or glued to a "+" or other digits.

# Swedish personnummer and samordningsnummer: (YY)YYMMDD, "-" ("+" from the year the person
# turns 100), four digits of which the last is a Luhn check digit over the ten digits
# YYMMDDNNN. Twelve digits (YYYYMMDDNNNN) are written without a sign, or with "-". Ten digits
# without a sign are left alone: Swedish mobile numbers (070 123 45 67 -> 0701234567) have
# that shape and a tenth of them pass the check.
_SE_RE = re.compile(r"(?:(18|19|20)(\d{6})(-?)|(\d{6})([-+]))(\d{4})(?![\w\-/]|[.,]\d)")
# US Social Security number: AAA-GG-SSSS (hyphens), or with spaces or no separator after the
# words "SSN" or "Social Security". Never issued: area 000, 666 and 900-999, group 00,
# serial 0000 (SSA, SSN randomization, 2011).
_SSN_RE = re.compile(r"(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w\-/]|[.,]\d)")
_SSN_CUE_RE = re.compile(r"\b(?:SSN|social\s+security)\b", re.IGNORECASE)
# Norwegian fødselsnummer (and D-number, day + 40): DDMMYY and five digits, the last two
# mod-11 check digits; a space may follow DDMMYY.
_NO_RE = re.compile(r"(\d{6}) ?(\d{5})(?![\w\-/]|[.,]\d)")
_NO_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_NO_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# Danish CPR number: DDMMYY-SSSS. No check digit since 2007, so a real date is not enough:
# only with the word CPR within the 40 characters before it.
_DK_RE = re.compile(r"(\d{6})-?(\d{4})(?![\w\-/]|[.,]\d)")
# Where a number starts: a digit after no word character, "+", "-", "/", "." or ",". The
# patterns above are tried only there (a number glued to more digits or to a "+" is not one).
_NUMBER_START_RE = re.compile(r"\d(?<![\w+\-/.,]\d)")
_DK_CUE_RE = re.compile(r"\bcpr(?:nr|nummer)?\b", re.IGNORECASE)
_PHONE_CUE_RE = re.compile(
    r"(?:\b(?:puh|p|tel|tfn|phone|gsm|mob|mobile|puhelin|telefon|telefonnummer|puhelinnumero|"
    r"mobil|soita|ring|call)\b\.?:?\s*|\+)$",
    re.IGNORECASE,
)
# An order, invoice, case, reference or tracking number: the same shapes, no person.
_ORDER_CUE_RE = re.compile(
    r"\b(?:tilaus\w*|lasku\w*|viite\w*|diaari\w*|asia\w*numero|tapausnumero|seuranta\w*|"
    r"order|invoice|case|ref|reference|tracking|parcel|ticket|booking|"
    r"beställning\w*|order\w*|faktura\w*|ärende\w*|referens\w*|dnr|ordre\w*|sak\w*)"
    r"\b(?:\s*(?:no|nr|n:o|number|nummer|numero|#))?\.?:?\s*$",
    re.IGNORECASE,
)

# Identity codes by kind: the finding's code is "privacy." + the kind. Each is a ``block``
# that no approval lets out (kaiku.posts.gate and services test IDENTITY_CODES).
ID_KINDS = ("hetu", "personnummer", "samordningsnummer", "ssn", "fodselsnummer", "cpr")
IDENTITY_CODES = frozenset(f"privacy.{kind}" for kind in ID_KINDS)


def luhn_ok(digits: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch)
        if k % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _date_ok(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _after_phone_cue(text: str, start: int) -> bool:
    """After a phone cue ("puh.", "tfn", a "+") or an order, invoice or case cue."""
    return (
        _PHONE_CUE_RE.search(text, max(0, start - 16), start) is not None
        or _ORDER_CUE_RE.search(text, max(0, start - 30), start) is not None
    )


def _se_kind(m: re.Match[str]) -> str | None:
    century, long_date, sep12, short_date, sign, tail = m.groups()
    if long_date is not None:
        if sep12 not in ("", "-"):
            return None
        yymmdd = long_date
        years = [int(century + long_date[:2])]
    else:
        yymmdd = short_date
        yy = int(yymmdd[:2])
        # "+" marks a person of 100 or more; without it the year is within the last century.
        years = [1800 + yy, 1900 + yy] if sign == "+" else [1900 + yy, 2000 + yy]
    if not luhn_ok(yymmdd + tail):
        return None
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    kind = "personnummer"
    if day > 60:
        kind, day = "samordningsnummer", day - 60
    if not any(_date_ok(y, month, day) for y in years):
        return None
    return kind


def _ssn_ok(area: str, group: str, serial: str) -> bool:
    a = int(area)
    return a != 0 and a != 666 and a < 900 and group != "00" and serial != "0000"


def _no_ok(digits: str) -> bool:
    d = [int(c) for c in digits]
    k1 = 11 - sum(w * x for w, x in zip(_NO_W1, d[:9], strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    if k1 == 10 or k1 != d[9]:
        return False
    k2 = 11 - sum(w * x for w, x in zip(_NO_W2, d[:10], strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    if k2 == 10 or k2 != d[10]:
        return False
    day, month, yy = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    if day > 40:
        day -= 40  # D-number
    if month > 40:
        month -= 40  # H-number (temporary, health service)
    return _date_ok(1900 + yy, month, day) or _date_ok(2000 + yy, month, day)


def _identity_at(text: str, p: int) -> tuple[int, str] | None:
    """The identity number starting at ``p``: (end, kind), or None."""
    m = _SE_RE.match(text, p)
    if m is not None:
        kind = _se_kind(m)
        if kind is not None:
            return m.end(), kind
    m = _NO_RE.match(text, p)
    if m is not None and _no_ok(m.group(1) + m.group(2)):
        return m.end(), "fodselsnummer"
    m = _SSN_RE.match(text, p)
    if m is not None:
        area, sep, group, serial = m.groups()
        cue = _SSN_CUE_RE.search(text, max(0, p - 40), p) is not None
        # After the word "SSN" the writer says the number is one: a number from a range the SSA
        # never issued is then a typo or an ITIN (area 9xx), still someone's number. Without
        # the word only an issuable hyphenated number counts. An all-zero part marks a sample.
        if (cue and area != "000" and group != "00" and serial != "0000") or (
            sep == "-" and _ssn_ok(area, group, serial)
        ):
            return m.end(), "ssn"
    m = _DK_RE.match(text, p)
    if m is not None and _DK_CUE_RE.search(text, max(0, p - 40), p) is not None:
        dd, mm, yy = int(m.group(1)[:2]), int(m.group(1)[2:4]), int(m.group(1)[4:])
        if _date_ok(1900 + yy, mm, dd) or _date_ok(2000 + yy, mm, dd):
            return m.end(), "cpr"
    return None


def find_identity_codes(text: str) -> list[tuple[int, int, str]]:
    """Every valid personal identity number: (start, end, kind), sorted, not overlapping; the
    henkilötunnus first, then the Swedish, Norwegian, US and (with its cue) Danish numbers."""
    found: list[tuple[int, int, str]] = [(s, e, "hetu") for s, e in find_hetu(text)]

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b, _k in found)

    for start in _NUMBER_START_RE.finditer(text):
        p = start.start()
        if not free(p, p + 1):
            continue
        hit = _identity_at(text, p)
        if hit is not None and free(p, hit[0]) and not _after_phone_cue(text, p):
            found.append((p, hit[0], hit[1]))
    found.sort()
    return found
