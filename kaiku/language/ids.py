"""Identifier detectors: Finnish personal identity codes, phones, e-mails, IBANs, addresses."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers

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
