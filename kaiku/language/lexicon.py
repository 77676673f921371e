"""Stigma lexicons (data files) and the word matchers built from them.

Finnish words are matched by morphology: Voikko's base form, the base form cut at each compound
boundary (``katunarkkari`` -> ``narkkari``) and, for entries marked ``modifier``, a first part
in its base form (``narkkarikämppä``). Only when every reading of a word agrees is it a match,
so ``psykoosi`` (which Voikko also reads as a form of ``psyko``) stays silent. Words Voikko does
not know (``nisti``, ``narkkarei``, ``huume-hörhöt``) and every word when Voikko is missing fall
back to stems: the stem must be followed by nothing but a Finnish inflection ending, and a part
before it must be a known word.

Swedish and English use stems plus a closed list of suffixes, so ``addicts`` is found but
``addiction``/``addictive`` are not (NIDA's concern is the person label; "addiction medicine" is
a respectful clinical term). Swedish entries marked ``head`` also match as the last part of a
compound (``heroinmissbrukare``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from . import morph, svmorph

CATEGORIES = ("slur", "label", "outdated", "moralising", "sensational", "suicide_wording")
OWN = "Kaiku (own judgement)"
_PROPER = frozenset({"etunimi", "sukunimi", "paikannimi", "nimi"})

_FI_CASES = (
    "n|t|a|ä|ta|tä|na|nä|ksi|ssa|ssä|sta|stä|lla|llä|lta|ltä|lle|tta|ttä|ne|ine|in|hin|"
    "h[aeiouyäö]n|seen|siin|den|tten|ten|en|jen|ja|jä|iden|itten|l|lt|st"
)
_FI_TAIL = r"(?:nsa|nsä|mme|nne)?(?:kin|kaan|kään|ko|kö|han|hän|pa|pä)?"
FI_END_RE = re.compile(rf"[aeiouyäö]{{0,2}}(?:{_FI_CASES})?{_FI_TAIL}")
FI_NEN_END_RE = re.compile(rf"(?:nen|s[aeiouyäö]{{0,2}}(?:{_FI_CASES})?){_FI_TAIL}")
_SV_SUFFIXES = frozenset(
    [
        "",
        "n",
        "en",
        "na",
        "ns",
        "ens",
        "nas",
        "ar",
        "arna",
        "arnas",
        "ars",
        "er",
        "erna",
        "ernas",
        "r",
        "rna",
        "s",
        "t",
        "et",
        "ets",
        "a",
        "e",
        "es",
        "or",
        "orna",
    ]
)
_EN_SUFFIXES = frozenset(["", "s", "'s", "s'", "\u2019s", "es"])

# First parts accepted before a stem in an unknown compound when Voikko is missing.
FALLBACK_PREFIXES = frozenset(
    [
        "katu",
        "huume",
        "kama",
        "piri",
        "pilvi",
        "heroiini",
        "amfetamiini",
        "rappio",
        "viina",
        "kossu",
        "kalja",
        "sossu",
        "sosiaali",
        "puli",
        "entinen",
        "ex",
        "nuori",
        "vanha",
        "koko",
        "kylä",
        "kaupunki",
        "stadin",
        "pissis",
        "juoppo",
        "narkkari",
        "lääke",
        "sekakäyttäjä",
        "kannabis",
        "subutex",
        "bupre",
        "piikki",
        "pilleri",
        "pillu",
        "joku",
        "perus",
    ]
)


@dataclass(frozen=True, slots=True)
class Entry:
    lang: str
    base: str
    category: str
    stems: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    # Shown as advice only, never as a one-click replacement: the wording changes the meaning
    # or the grammar of the sentence around it (reviewed entry by entry).
    advice: tuple[str, ...] = ()
    rationale: str = ""
    source: str = OWN
    severity: str = "warn"
    modifier: bool = False  # also match as a first compound part (narkkarikämppä, knarkarpappa)
    head: bool = False  # sv: also match as the last compound part
    suffixes: frozenset[str] | None = None  # sv/en: override the suffix list
    exclude: tuple[re.Pattern[str], ...] = ()  # checked at the word's start in the text
    lemmas: tuple[frozenset[str], ...] = ()  # fi phrases: lemma alternatives per position
    pattern: re.Pattern[str] | None = None  # phrases (and the fi phrase fallback)
    trigger: tuple[str, ...] = ()  # fi phrases: cheap substrings that must occur first
    # Phrase patterns that no trigger prunes (their parts are everyday words): lowercase
    # substrings one of which every match holds, starting at most ``anchor_reach`` characters
    # after the match's start. Only these places are tried, not every position of the text.
    anchor: tuple[str, ...] = ()
    anchor_reach: int = 0
    # en adjectives: a noun only when nothing but punctuation, the end, a function word or a
    # verb follows ("a bipolar, so...", "a bipolar can..."; not "a bipolar disorder").
    strict: bool = False
    nen: bool = False
    historical: bool = False  # an official name of its time: only a note in a historical context
    figurative: bool = False  # also an everyday intensifier: an alarm only about a person

    @property
    def code(self) -> str:
        return f"stigma.{self.category}"

    @property
    def is_phrase(self) -> bool:
        return bool(self.lemmas) or (self.pattern is not None and not self.stems)


def _entry_from(lang: str, raw: Mapping[str, Any], default_source: str = OWN) -> Entry:
    base = str(raw["base"]).strip().lower()
    category = str(raw.get("category", "label"))
    if category not in CATEGORIES:
        raise ValueError(f"unknown stigma category {category!r} for {base!r}")
    stems = tuple(str(s).lower() for s in raw.get("stems", ()))
    lemmas = tuple(frozenset(str(x).lower() for x in pos) for pos in raw.get("lemmas", ()))
    pattern = raw.get("pattern")
    if not stems and not lemmas and pattern is None:
        stems = _default_stems(lang, base)
    trigger = tuple(str(t).lower() for t in raw.get("trigger", ()))
    if lemmas and not trigger:
        trigger = tuple(x[:4] for x in lemmas[-1])
    suffixes = raw.get("suffixes")
    return Entry(
        lang=lang,
        base=base,
        category=category,
        stems=stems,
        alternatives=tuple(str(a) for a in raw.get("alternatives", ())),
        advice=tuple(str(a) for a in raw.get("advice", ())),
        rationale=str(raw.get("rationale", "")),
        source=str(raw.get("source", default_source)),
        severity=str(raw.get("severity", "warn")),
        modifier=bool(raw.get("modifier", False)),
        head=bool(raw.get("head", False)),
        suffixes=frozenset(str(s) for s in suffixes) if suffixes is not None else None,
        exclude=tuple(re.compile(str(x), re.IGNORECASE) for x in raw.get("exclude", ())),
        lemmas=lemmas,
        pattern=re.compile(str(pattern), re.IGNORECASE) if pattern is not None else None,
        trigger=trigger,
        anchor=tuple(str(a).lower() for a in raw.get("anchor", ())),
        anchor_reach=int(raw.get("anchor_reach", 0)),
        strict=bool(raw.get("strict", False)),
        nen=base.endswith("nen") and lang == "fi",
        historical=bool(raw.get("historical", False)),
        figurative=bool(raw.get("figurative", False)),
    )


def _default_stems(lang: str, base: str) -> tuple[str, ...]:
    if lang == "fi" and base.endswith("nen"):
        return (base[:-3],)
    if lang == "fi" and len(base) > 4 and base[-1] in "aeiouyäö":
        return (base, base[:-1])
    return (base,)


@dataclass(slots=True)
class Lexicon:
    lang: str
    entries: list[Entry]
    by_base: dict[str, Entry] = field(default_factory=dict)
    by_stem: dict[str, Entry] = field(default_factory=dict)
    phrases: list[Entry] = field(default_factory=list)
    prefilter: re.Pattern[str] = field(default_factory=lambda: re.compile(r"(?!x)x"))
    stem_re: re.Pattern[str] = field(default_factory=lambda: re.compile(r"(?!x)x"))
    allowed: frozenset[str] = frozenset()  # base words the organisation allows

    def __post_init__(self) -> None:
        words: set[str] = set()
        for e in self.entries:
            if e.is_phrase:
                self.phrases.append(e)
                continue
            self.by_base.setdefault(e.base, e)
            for s in e.stems:
                self.by_stem.setdefault(s, e)
            words.update(e.stems)
            words.add(e.base)
        if words:
            alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            self.prefilter = re.compile(alt)
            stems = sorted(self.by_stem, key=len, reverse=True)
            self.stem_re = re.compile("|".join(re.escape(s) for s in stems))


@lru_cache(maxsize=8)
def base_entries(lang: str) -> tuple[Entry, ...]:
    path = resources.files("kaiku.language").joinpath("data", f"stigma_{lang}.toml")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(_entry_from(lang, raw) for raw in data.get("term", ()))


@lru_cache(maxsize=8)
def adjective_entries(lang: str) -> tuple[Entry, ...]:
    """Adjectives that are labels only when used as nouns for people (``[[adjective]]``)."""
    path = resources.files("kaiku.language").joinpath("data", f"stigma_{lang}.toml")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(_entry_from(lang, raw) for raw in data.get("adjective", ()))


TermSpec = str | Mapping[str, Any]


def _extra_entry(lang: str, spec: TermSpec) -> Entry:
    if isinstance(spec, str):
        spec = {"base": spec}
    raw = dict(spec)
    raw.setdefault("source", "Organisation's own list")
    raw.setdefault("category", "label")
    base = str(raw["base"]).strip().lower()
    if " " in base and "pattern" not in raw and "lemmas" not in raw:
        words = [re.escape(w) + r"\w*" for w in base.split()]
        raw["pattern"] = r"\b" + r"\s+".join(words) + r"\b"
    elif "stems" not in raw and lang == "fi":
        lemma = _lemma_fi(base)
        raw["base"] = lemma
        raw["stems"] = list(dict.fromkeys((*_default_stems(lang, lemma), lemma)))
    return _entry_from(lang, raw, default_source="Organisation's own list")


def _lemma_fi(word: str) -> str:
    for a in morph.analyze(word):
        if a.wclass not in _PROPER:
            return a.baseform
    return word


def _norm_allowed(lang: str, words: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for w in words:
        w = w.strip().lower()
        out.add(w)
        if lang == "fi":
            out.add(_lemma_fi(w))
    return frozenset(out)


def lexicon_for(
    lang: str,
    extra_terms: Sequence[TermSpec] = (),
    allowed_terms: Iterable[str] = (),
) -> Lexicon:
    extras = tuple(
        t if isinstance(t, str) else tuple(sorted((k, _freeze(v)) for k, v in t.items()))
        for t in extra_terms
    )
    return _lexicon_cached(lang, extras, _norm_allowed(lang, allowed_terms), tuple(extra_terms))


def _freeze(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


_LEX_CACHE: dict[tuple[Any, ...], Lexicon] = {}


def _lexicon_cached(
    lang: str, key: tuple[Any, ...], allowed: frozenset[str], specs: tuple[TermSpec, ...]
) -> Lexicon:
    cache_key = (lang, key, allowed)
    lex = _LEX_CACHE.get(cache_key)
    if lex is None:
        entries = [*(_extra_entry(lang, s) for s in specs), *base_entries(lang)]
        entries = [e for e in entries if e.base not in allowed]
        lex = Lexicon(lang, entries, allowed=allowed)
        if len(_LEX_CACHE) > 256:
            _LEX_CACHE.clear()
            _FI_CACHE.clear()
        _LEX_CACHE[cache_key] = lex
    return lex


# --- Finnish single words ---------------------------------------------------------------


def _entry_for_analysis(a: morph.Analysis, lex: Lexicon) -> Entry | None:
    for cand in a.tails:
        e = lex.by_base.get(cand)
        if e is not None:
            return e
    for cand in a.modifiers:
        e = lex.by_base.get(cand)
        if e is not None and e.modifier:
            return e
    return None


_FI_CACHE: dict[tuple[str, int, int, int], Entry | None] = {}


def match_fi(word: str, lex: Lexicon) -> Entry | None:
    """The lexicon entry a lowercased Finnish word belongs to, if any (memoised per word)."""
    key = (word, id(lex), morph.generation(), svmorph.generation())
    try:
        return _FI_CACHE[key]
    except KeyError:
        pass
    # The prefilter keeps Voikko off words that contain no stem at all.
    result = None if lex.prefilter.search(word) is None else _match_fi_uncached(word, lex)
    if len(_FI_CACHE) > 100_000:
        _FI_CACHE.clear()
    _FI_CACHE[key] = result
    return result


def _match_fi_uncached(word: str, lex: Lexicon) -> Entry | None:
    analyses = morph.analyze(word)
    common = [a for a in analyses if a.wclass not in _PROPER] or list(analyses)
    if common:
        found = [_entry_for_analysis(a, lex) for a in common]
        if all(e is not None for e in found):
            return found[0]
        if "-" not in word:
            return None
    return _fallback_fi(word, lex)


def _fallback_fi(word: str, lex: Lexicon) -> Entry | None:
    pieces = [word, *word.split("-")] if "-" in word else [word]
    for piece in pieces:
        e = _modifier_compound(piece, lex)
        if e is not None:
            return e
        for pos in range(len(piece)):
            m = lex.stem_re.match(piece, pos)
            if m is None:
                continue
            # Try every stem that matches here, longest first.
            for stem in _stems_at(piece, pos, lex):
                e = lex.by_stem[stem]
                rest = piece[pos + len(stem) :]
                ok_end = FI_END_RE.fullmatch(rest) is not None or (
                    e.nen and FI_NEN_END_RE.fullmatch(rest) is not None
                )
                if not ok_end:
                    continue
                if any(x.match(piece) for x in e.exclude):
                    continue
                if pos == 0 or _known_prefix(piece[:pos]):
                    return e
    return None


def _modifier_compound(piece: str, lex: Lexicon) -> Entry | None:
    """An unknown compound whose first part is a whole ``modifier`` entry (narkkarikämppä);
    with Voikko the rest must be a known word, without it at least three letters."""
    for e in lex.entries:
        if not e.modifier or not piece.startswith(e.base) or len(piece) - len(e.base) < 3:
            continue
        if any(x.match(piece) for x in e.exclude):
            continue
        rest = piece[len(e.base) :].lstrip("-")
        if not morph.voikko_available() or morph.is_known(rest):
            return e
    return None


def _stems_at(piece: str, pos: int, lex: Lexicon) -> list[str]:
    # Longest first: "mielisairaala" is the hospital entry, not "mielisairaa" + an ending.
    return sorted((s for s in lex.by_stem if piece.startswith(s, pos)), key=len, reverse=True)


def _known_prefix(prefix: str) -> bool:
    prefix = prefix.rstrip("-")
    if len(prefix) < 3:
        return False
    if prefix in FALLBACK_PREFIXES:
        return True
    return any(a.wclass not in _PROPER and a.baseform == prefix for a in morph.analyze(prefix))


# --- Swedish and English single words ---------------------------------------------------


def match_stem_suffix(word: str, lex: Lexicon) -> Entry | None:
    key = (word, id(lex), morph.generation(), svmorph.generation())
    try:
        return _FI_CACHE[key]
    except KeyError:
        pass
    result = None if lex.prefilter.search(word) is None else _match_stem_suffix(word, lex)
    if len(_FI_CACHE) > 100_000:
        _FI_CACHE.clear()
    _FI_CACHE[key] = result
    return result


# Heads that make a Swedish compound the name of a service, law or field rather than a label
# for people: "missbrukarvård" and "narkomanvård" are (older) names of care, not of anyone.
SV_SERVICE_HEADS = frozenset(
    [
        "vård", "omsorg", "lag", "politik", "behandling", "enhet", "forskning", "mottagning",
        "klinik", "anstalt", "arbete", "förening", "organisation", "förbund", "rörelse",
        "problematik", "tjänst", "service", "utredning", "kommitté", "stiftelse",
    ]
)  # fmt: skip


# Definite, plural and genitive endings of Swedish nouns, longest first.
_SV_ENDINGS = ("ernas", "arnas", "ornas", "erna", "arna", "orna", "ens", "ets", "en", "et", "na")


def _sv_modifier(word: str, lex: Lexicon) -> Entry | None:
    """A Swedish compound whose first part is a ``modifier`` stem (knarkar+pappa,
    missbrukar+familjen): with the hunspell dictionary the rest must be a Swedish word, without
    it at least three letters; a service head (missbrukarvården) is not a label."""
    for stem in _stems_at(word, 0, lex):
        e = lex.by_stem[stem]
        if not e.modifier or len(word) - len(stem) < 3:
            continue
        rest = word[len(stem) :].lstrip("-")
        if svmorph.available():
            head = svmorph.split_compound(word, stem)
            if head is None:
                continue
            heads = {b for b, _ in svmorph.bases(head)} | {head}
        else:
            # Without the dictionary, the head's inflection is cut by its common endings:
            # "vården" and "vårdens" are "vård", so missbrukarvården stays a service.
            heads = {rest, rest.rstrip("nas")} | {
                rest[: -len(end)]
                for end in _SV_ENDINGS
                if rest.endswith(end) and len(rest) - len(end) >= 3
            }
        if any(h in SV_SERVICE_HEADS or h.endswith(tuple(SV_SERVICE_HEADS)) for h in heads):
            continue
        return e
    return None


def _match_stem_suffix(word: str, lex: Lexicon) -> Entry | None:
    found = _match_whole(word, lex)
    if found is None and "-" in word:
        # "ex-addict", "f.d.-missbrukare": the label is the last part.
        found = _match_whole(word.rsplit("-", 1)[1], lex)
    return found


def _match_whole(word: str, lex: Lexicon) -> Entry | None:
    default = _SV_SUFFIXES if lex.lang == "sv" else _EN_SUFFIXES
    for stem in _stems_at(word, 0, lex):
        e = lex.by_stem[stem]
        if word[len(stem) :] in (e.suffixes if e.suffixes is not None else default):
            return e
    if lex.lang == "sv":
        mod = _sv_modifier(word, lex)
        if mod is not None:
            return mod
    for pos in range(3, len(word)):
        for stem in _stems_at(word, pos, lex):
            e = lex.by_stem[stem]
            if e.head and word[pos + len(stem) :] in (
                e.suffixes if e.suffixes is not None else default
            ):
                return e
    return None
