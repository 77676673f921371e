"""Finnish morphology through Voikko, memoised, with a per-thread handle and a stem fallback.

A libvoikko handle is not thread-safe, so each thread opens its own (``threading.local``).
Analyses are pure functions of the word, so one process-wide LRU cache serves all threads.
When libvoikko or the Finnish dictionary cannot load, or ``KAIKU_LANGUAGE_NO_VOIKKO=1`` is
set, every lookup answers "unknown" and the callers fall back to stem rules.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

log = logging.getLogger("kaiku.language")

_local = threading.local()
_state_lock = threading.Lock()
_forced: bool | None = None  # None: follow the environment; True: force the fallback
_load_error: str | None = None
_warned = False

_WORDBASE_RE = re.compile(r"\+([^+(]*)(?:\(([^)]*)\))?")


@dataclass(frozen=True, slots=True)
class Analysis:
    """One Voikko reading of a word, reduced to what the checks need."""

    baseform: str
    wclass: str
    tails: tuple[str, ...]  # the base form cut at each compound boundary: katunarkkari, narkkari
    modifiers: tuple[str, ...]  # non-final compound parts that stand in their base form
    parts: tuple[str, ...]  # base forms of every lexical part, for topic lemmas
    boundaries: tuple[int, ...]  # compound boundaries as offsets into the surface word
    inflected_parts: tuple[bool, ...]  # per boundary: the part's surface differs from its base


def _env_disabled() -> bool:
    return os.environ.get("KAIKU_LANGUAGE_NO_VOIKKO", "").strip().lower() not in ("", "0", "false")


def set_fallback(*, enabled: bool | None) -> None:
    """Force the stem fallback on (True), off (False) or back to the environment (None)."""
    global _forced
    with _state_lock:
        _forced = enabled
    clear_caches()


_generation = 0
# Caches built on analyses elsewhere (inflected forms, replacements), cleared with these.
_dependent_caches: list[Callable[[], None]] = []


def register_cache(clear: Callable[[], None]) -> None:
    """Have ``clear`` run whenever the backend changes (Voikko on or off)."""
    _dependent_caches.append(clear)


def generation() -> int:
    """Bumped whenever the backend changes, so dependent caches can key on it."""
    return _generation


def clear_caches() -> None:
    global _generation
    _generation += 1
    analyze.cache_clear()
    raw_analyze.cache_clear()
    grammar_errors.cache_clear()
    spell.cache_clear()
    suggest.cache_clear()
    for clear in _dependent_caches:
        clear()


def _fallback_forced() -> bool:
    if _forced is not None:
        return _forced
    return _env_disabled()


def _warn_once(reason: str) -> None:
    global _warned, _load_error
    with _state_lock:
        _load_error = reason
        if _warned:
            return
        _warned = True
    log.warning(
        "Voikko is not available (%s); Finnish checks run on the stem fallback, "
        "which finds fewer inflections and compounds.",
        reason,
    )


def _handle() -> Any | None:
    if _fallback_forced():
        return None
    cached = getattr(_local, "voikko", False)
    if cached is not False:
        return cached
    handle: Any | None
    try:
        module = importlib.import_module("libvoikko")
        handle = module.Voikko("fi")
    except Exception as exc:  # libvoikko raises OSError or its own VoikkoException
        handle = None
        _warn_once(f"{type(exc).__name__}: {exc}")
    _local.voikko = handle
    return handle


def voikko_available() -> bool:
    """True when Finnish analyses come from Voikko in this thread."""
    return _handle() is not None


def status() -> dict[str, Any]:
    """A small dict the UI can show about the morphology backend."""
    available = voikko_available()
    if available:
        reason = ""
    elif _fallback_forced():
        reason = "forced (KAIKU_LANGUAGE_NO_VOIKKO or set_fallback)"
    else:
        reason = _load_error or "unknown"
    return {
        "voikko": available,
        "backend": "voikko" if available else "stem-fallback",
        "reason": reason,
        "cache": {"analyze": analyze.cache_info()._asdict()},
    }


def _boundaries(structure: str) -> list[int]:
    out: list[int] = []
    pos = 0
    for ch in structure:
        if ch == "=":
            out.append(pos)
        else:
            pos += 1
    return out


def _reduce(raw: dict[str, str], word: str) -> Analysis:
    base = raw.get("BASEFORM", word).lower()
    bounds = [b for b in _boundaries(raw.get("STRUCTURE", "")) if b < len(word)] or [0]
    tails = tuple(dict.fromkeys(base[b:] for b in bounds if b < len(base)))
    parts_raw = [(s, b or s) for s, b in _WORDBASE_RE.findall(raw.get("WORDBASES", ""))]
    lexical = [
        (s.lower(), b.replace("=", "").lower()) for s, b in parts_raw if not b.startswith("+")
    ]
    modifiers = tuple(b for s, b in lexical[:-1] if s == b)
    parts = tuple(dict.fromkeys(b for _, b in lexical))
    # Whether the part starting at each compound boundary is inflected (the genitive "mielen"
    # in "mielenterveys"): such a modifier belongs with the next part when CamelCasing hashtags.
    starts: dict[int, bool] = {}
    offset = 0
    for surface, pbase in parts_raw:
        if not pbase.startswith("+"):
            starts[offset] = surface.lower() != pbase.replace("=", "").lower()
        offset += len(surface)
    inflected = [starts.get(b, False) for b in bounds]
    return Analysis(
        baseform=base,
        wclass=raw.get("CLASS", ""),
        tails=tails,
        modifiers=modifiers,
        parts=parts,
        boundaries=tuple(bounds),
        inflected_parts=tuple(inflected),
    )


@lru_cache(maxsize=200_000)
def analyze(word: str) -> tuple[Analysis, ...]:
    """Voikko readings of ``word`` (case kept: proper names need it); () when unknown."""
    handle = _handle()
    if handle is None or not word:
        return ()
    try:
        raw = handle.analyze(word)
    except Exception:  # a bad code point must not take the whole check down
        return ()
    seen: dict[tuple[str, str, tuple[int, ...]], Analysis] = {}
    for item in raw:
        a = _reduce(item, word)
        seen.setdefault((a.baseform, a.wclass, a.boundaries), a)
    return tuple(seen.values())


@lru_cache(maxsize=50_000)
def raw_analyze(word: str) -> tuple[dict[str, str], ...]:
    """Voikko's own readings (BASEFORM, SIJAMUOTO, NUMBER, POSSESSIVE, PERSON...) for building
    and verifying inflected forms; () when unknown. Callers must not modify the dicts."""
    handle = _handle()
    if handle is None or not word:
        return ()
    try:
        return tuple(dict(item) for item in handle.analyze(word))
    except Exception:  # a bad code point must not take the whole check down
        return ()


@lru_cache(maxsize=1_024)
def grammar_errors(paragraph: str, ui_lang: str) -> tuple[tuple[int, int, str], ...]:
    """Voikko's grammar checker on one paragraph: (start, length, description) per error.
    Descriptions come in Finnish or English (Voikko has no Swedish ones)."""
    handle = _handle()
    if handle is None or not paragraph:
        return ()
    try:
        # A draft being written often lacks its final full stop: not the change's fault.
        handle.setAcceptUnfinishedParagraphsInGc(True)
        errors = handle.grammarErrors(paragraph, "fi" if ui_lang == "fi" else "en")
    except Exception:  # libvoikko raises its own errors on odd input; no check is no alarm
        return ()
    return tuple((e.startPos, e.errorLen, str(e.shortDescription)) for e in errors)


@lru_cache(maxsize=100_000)
def spell(word: str) -> bool:
    """True when Voikko accepts the word (and True when Voikko is missing: no false alarms)."""
    handle = _handle()
    if handle is None:
        return True
    try:
        return bool(handle.spell(word))
    except Exception:
        return True


@lru_cache(maxsize=8_192)
def suggest(word: str) -> tuple[str, ...]:
    handle = _handle()
    if handle is None:
        return ()
    try:
        return tuple(handle.suggest(word)[:3])
    except Exception:
        return ()


def is_known(word: str) -> bool:
    return bool(analyze(word))
