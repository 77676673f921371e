"""The query side of Kaiku's full-text searches (watch items, posts), shared by both.

Each searchable table indexes, per row, one organisation token and one body of words (base
forms first, then the texts as written), on SQLite in an FTS5 table with the columns ``org``
and ``body``, on PostgreSQL in a generated tsvector ('simple': the base forms are made by
Kaiku, not by the database). A query word matches a row when the row has the word itself or
its base form in any of fi/sv/en: "mielenterveyspalveluiden" and "mielenterveyspalvelut" both
give "mielenterveyspalvelu". Every query word must match (AND).

The user's text never reaches the query language: it is cut into words by a regular expression
(letters and digits only), and each word goes in as a quoted phrase (FTS5) or a bound parameter
(PostgreSQL), so quotes, NEAR, ``*``, ``^`` and column filters are only characters. Imports no
app of Kaiku, so that the watch and posts share it without importing each other.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from kaiku.language import LANGS, detect_language, lemmas

MAX_QUERY_CHARS = 500
MAX_WORDS = 10
# Runs of letters and digits, with inner hyphens and apostrophes as the lemmatiser reads them.
WORD_RE = re.compile(r"[^\W_]+(?:[-'\u2019][^\W_]+)*")


def org_token(organisation_id: int) -> str:
    return f"kaikuorg{organisation_id}"


@lru_cache(maxsize=100_000)
def word_lemmas(word: str, lang: str) -> tuple[str, ...]:
    """Base forms (fi, with compound parts) or stems (sv, en) of one lowercased word."""
    return tuple(lemmas(word, lang))


@dataclass(frozen=True, slots=True)
class Query:
    """What to look for: per query word, the forms of which any may match."""

    words: tuple[tuple[str, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.words)


def parse(text: str) -> Query:
    """The query's words, each with its base forms in Finnish, Swedish and English."""
    found: dict[tuple[str, ...], None] = {}
    for word in dict.fromkeys(WORD_RE.findall(text[:MAX_QUERY_CHARS].lower())):
        forms: dict[str, None] = {word: None}
        if word[0].isalpha():
            for lang in LANGS:
                # The first lemma is the whole word's base form; the rest are compound parts,
                # which would make "mielenterveyspalvelu" find every "palvelu".
                first = word_lemmas(word, lang)[:1]
                if first and len(first[0]) > 1 and WORD_RE.fullmatch(first[0]):
                    forms[first[0]] = None
        found[tuple(forms)] = None
        if len(found) == MAX_WORDS:
            break
    return Query(tuple(found))


def _fts5_phrase(term: str) -> str:
    # The terms hold only letters, digits, hyphens and apostrophes (parse), so no quote can
    # end the string early; doubling is FTS5's own escape, kept for safety.
    return '"' + term.replace('"', '""') + '"'


def fts5_expression(query: Query, organisation_id: int) -> str:
    """The MATCH expression for an FTS5 table with the columns ``org`` and ``body``."""
    words = " AND ".join(
        "(" + " OR ".join(_fts5_phrase(form) for form in forms) + ")" for forms in query.words
    )
    return f'org : "{org_token(organisation_id)}" AND body : ({words})'


# The tokenizer of Kaiku's FTS5 tables, as their migrations declare it.
FTS5_TOKENIZER = "unicode61 remove_diacritics 0"
_tokenizer_lock = threading.Lock()
_tokenizer: sqlite3.Connection | None = None


@lru_cache(maxsize=100_000)
def fts5_tokens(term: str) -> tuple[str, ...]:
    """The tokens FTS5 makes of ``term``, asked of SQLite's own tokenizer (an in-memory
    table): a query word is cut into tokens exactly where the index cut the text, whatever
    Unicode version either side knows ("covid-19" is "covid" and "19")."""
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            db = sqlite3.connect(":memory:", check_same_thread=False)
            db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{FTS5_TOKENIZER}')")
            db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
            _tokenizer = db
        _tokenizer.execute("INSERT INTO t(rowid, x) VALUES (1, ?)", (term,))
        rows = _tokenizer.execute("SELECT term FROM v ORDER BY offset").fetchall()
        _tokenizer.execute("DELETE FROM t")
    return tuple(row[0] for row in rows)


def index_org_token(organisation_id: int) -> str:
    """The organisation's token in a ``detail=none`` table (watch_item_search), where no
    column keeps it apart from the text: the table's tokenizer keeps underscores in a token
    and the text is indexed with its underscores made spaces (watch migration 0011), so no
    text, however written, gives this token."""
    return f"kaiku_org_{organisation_id}"


def fts5_words_expression(query: Query, organisation_id: int) -> str:
    """The MATCH expression for a table indexed with ``detail=none`` (watch_item_search): it
    keeps which rows have a token, not where, so there are no phrases and no column
    filters. Each form goes in as the AND of its tokens (a form that the tokenizer cuts in
    two, such as "covid-19", matches an item having both parts anywhere); the organisation's
    token is one more word (the caller keeps to the organisation's rows)."""
    groups = [_fts5_phrase(index_org_token(organisation_id))]
    for forms in query.words:
        alternatives = []
        for form in forms:
            tokens = fts5_tokens(form)
            # A form with no token at all (only characters the tokenizer skips) finds
            # nothing: the empty phrase.
            alternatives.append(
                "(" + " AND ".join(_fts5_phrase(t) for t in tokens) + ")" if tokens else '""'
            )
        groups.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(groups)


def postgres_tsquery(query: Query, organisation_id: int) -> tuple[str, list[str]]:
    """A tsquery expression ('simple') with its parameters, the organisation's token first."""
    params: list[str] = [org_token(organisation_id)]
    groups = []
    for forms in query.words:
        groups.append("(" + " || ".join("phraseto_tsquery('simple', %s)" for _ in forms) + ")")
        params.extend(forms)
    return " && ".join(["plainto_tsquery('simple', %s)", *groups]), params


def index_words(main: str, others: Sequence[str], lang: str | None) -> str:
    """The words a row stores for its index beside its main text (which the index reads as
    written): the base forms of every text in ``lang`` (detected when None), then the other
    texts' words as written, so that a name or a number in them matches as typed."""
    key = (lang or "").lower().split("-")[0].split("_")[0]
    # One language for all the texts: a short variant would be guessed wrong on its own.
    lg = key if key in LANGS else detect_language(" ".join((main, *others)))
    found: dict[str, None] = {}
    for text in (main, *others):
        found.update(dict.fromkeys(w for w in lemmas(text, lg) if len(w) > 1))
    for text in others:
        found.update(dict.fromkeys(WORD_RE.findall(text.lower())))
    return " ".join(found)
