"""Swedish morphology from the hunspell dictionary (Debian ``hunspell-sv``), read in pure Python.

Only what the checks need: is a word form a Swedish word (its base form in the dictionary
with a suffix rule that produces it), and how does an unknown compound split into known parts
(``knarkarpappa`` = knarkar + pappa, ``missbrukarfamiljen`` = missbrukar + familj + en).
The dictionary is read once, lazily, the first time a Swedish word needs it, so Finnish and
English checks never pay for it. When the files are missing (or ``KAIKU_LANGUAGE_NO_SV_DICT=1``)
every lookup answers "unknown", the Swedish check matches compounds on their letters alone, and
``status()`` and one log warning say so, as for Voikko.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger("kaiku.language")

DICT_DIRS = ("/usr/share/hunspell", "/usr/share/myspell/dicts", "/usr/share/myspell")
DICT_NAMES = ("sv_FI", "sv_SE")
# Re-entrant: dictionary() holds the lock while _load() runs, and _load() takes it again to
# warn once about a missing dictionary; a plain Lock hung every Swedish check there.
_lock = threading.RLock()
_warned = False


def _wordset(words: str) -> frozenset[str]:
    """A set from space-separated words (long closed-class lists read better as prose)."""
    return frozenset(words.split())


@dataclass(frozen=True, slots=True)
class _Rule:
    flag: str
    strip: str
    add: str
    cond: re.Pattern[str] | None


@dataclass(slots=True)
class Dictionary:
    words: dict[str, str]  # lowercased base form -> its affix flags
    by_add: dict[str, list[_Rule]]  # suffix rules keyed by the text they add
    path: str


def _disabled() -> bool:
    return os.environ.get("KAIKU_LANGUAGE_NO_SV_DICT", "").strip().lower() not in ("", "0", "false")


def _find() -> Path | None:
    override = os.environ.get("KAIKU_SV_DICT")
    candidates = [Path(override)] if override else []
    candidates += [Path(d) / f"{n}.dic" for d in DICT_DIRS for n in DICT_NAMES]
    for dic in candidates:
        if dic.is_file() and dic.with_suffix(".aff").is_file():
            return dic
    return None


def _parse_aff(text: str) -> dict[str, list[_Rule]]:
    by_add: dict[str, list[_Rule]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 5 or parts[0] != "SFX":
            continue
        flag, strip, add, cond = parts[1], parts[2], parts[3], parts[4]
        add = add.split("/", 1)[0]
        rule = _Rule(
            flag,
            "" if strip == "0" else strip,
            "" if add == "0" else add,
            None if cond == "." else re.compile(f"(?:{cond})$"),
        )
        by_add.setdefault(rule.add, []).append(rule)
    return by_add


def _load() -> Dictionary | None:
    global _warned
    if _disabled():
        return None
    dic = _find()
    if dic is None:
        with _lock:
            if not _warned:
                _warned = True
                log.warning(
                    "The Swedish hunspell dictionary (Debian package hunspell-sv) is missing; "
                    "Swedish compounds are matched on their letters alone."
                )
        return None
    words: dict[str, str] = {}
    with dic.open(encoding="utf-8", errors="replace") as fh:
        next(fh, None)  # the first line is the word count
        for line in fh:
            word, _, flags = line.rstrip("\n").partition("/")
            if word and word[0].isalpha():
                key = word.lower()
                words[key] = words.get(key, "") + flags
    aff = dic.with_suffix(".aff").read_text(encoding="utf-8", errors="replace")
    return Dictionary(words, _parse_aff(aff), str(dic))


_state: dict[str, Dictionary | None] = {}


def dictionary() -> Dictionary | None:
    """The loaded dictionary, or None when it is not installed (memoised per process)."""
    if "d" not in _state:
        with _lock:
            if "d" not in _state:
                _state["d"] = _load()
    return _state["d"]


def reset() -> None:
    """Forget the loaded dictionary (tests switch it off with the environment variable)."""
    with _lock:
        _state.clear()
        _generation[0] += 1
    bases.cache_clear()
    split_compound.cache_clear()


# Counts resets, so that what callers memoise from the dictionary's answers is keyed by it
# (kaiku.language.lexicon's word cache): an answer found with the dictionary is not reused
# after it is switched off, nor the other way round.
_generation = [0]


def generation() -> int:
    return _generation[0]


def available() -> bool:
    return dictionary() is not None


def status() -> dict[str, Any]:
    """Whether the dictionary is there, without reading it (the UI asks on every page)."""
    if _disabled():
        return {
            "sv_dictionary": False,
            "path": "",
            "reason": "disabled (KAIKU_LANGUAGE_NO_SV_DICT)",
        }
    dic = _find()
    if dic is None:
        return {"sv_dictionary": False, "path": "", "reason": "hunspell-sv not installed"}
    return {"sv_dictionary": True, "path": str(dic), "reason": ""}


@lru_cache(maxsize=50_000)
def bases(word: str) -> tuple[tuple[str, str], ...]:
    """(base form, suffix flag) pairs that produce the lowercased ``word``; flag "" for a base
    form itself. Empty when the word is unknown or the dictionary is missing."""
    d = dictionary()
    if d is None or not word:
        return ()
    out: list[tuple[str, str]] = []
    if word in d.words:
        out.append((word, ""))
    for k in range(1, min(len(word), 7) + 1):
        for rule in d.by_add.get(word[-k:], ()):
            base = word[:-k] + rule.strip
            flags = d.words.get(base)
            if flags is None or rule.flag not in flags:
                continue
            if rule.cond is not None and rule.cond.search(base) is None:
                continue
            out.append((base, rule.flag))
    return tuple(dict.fromkeys(out))


def is_word(word: str) -> bool:
    return bool(bases(word))


@lru_cache(maxsize=50_000)
def split_compound(word: str, first: str) -> str | None:
    """The rest of ``word`` after the first part ``first`` when the rest is a Swedish word
    (allowing a linking -s- or -e-); None when it is not, or when the dictionary is missing."""
    if not word.startswith(first):
        return None
    rest = word[len(first) :].lstrip("-")
    for cand in (rest, rest[1:] if rest[:1] in ("s", "e") else ""):
        if len(cand) >= 3 and is_word(cand):
            return cand
    return None


_IRREGULAR_PAST = _wordset(
    "var blev fick gick kom tog såg satt låg stod drog dog gav sa sade skrev bar for fanns "
    "hade kunde skulle ville måste borde fick lät höll slog sov åt drack"
)


@lru_cache(maxsize=20_000)
def is_verb_form(word: str) -> bool:
    """A finite verb form by the dictionary's suffix rules: ``hamnar`` (hamna), ``behöver``
    (behöva), ``flyttade``, ``saknas``, ``går`` (gå); not the noun plurals ``pappor`` or
    ``ungdomar``, nor the genitive ``pappas``."""
    if word in _IRREGULAR_PAST:
        return True
    for base, flag in bases(word):
        if flag in ("", "A") or word == base:
            continue
        stem = base[:-1]
        if base.endswith("a") and word in (
            base + "r", stem + "er", base + "de", stem + "de", stem + "te", base + "s",
            stem + "s", stem + "es",
        ):  # fmt: skip
            return True
        if len(base) <= 3 and base[-1] in "aåeiouyäö" and word in (base + "r", base + "dde"):
            return True
    return False
