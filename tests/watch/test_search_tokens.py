"""The watch's search index keeps which items have a token, not where (migration 0011).

Queries are words and their base forms, each the AND of the tokens the index's tokenizer
makes of it: nothing a user types can become a phrase or a column filter, which a
``detail=none`` table refuses. Runs on SQLite and, under scripts/with-postgres.sh, on
PostgreSQL (where the same searches read the generated tsvector).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku import textsearch
from kaiku.watch.features import search
from kaiku.watch.ingest.analysis import analyse
from kaiku.watch.models import Item, Source
from tests.watch.test_views import make_item, make_source

pytestmark = pytest.mark.django_db

# Lowercase Finnish letters and digits: where PostgreSQL's parser and FTS5's unicode61 cut
# and fold text alike, so that one reference holds for both databases.
LETTERS = "abdeghijklmnoprstuvyäö"
WORD = st.text(LETTERS, min_size=1, max_size=9)
NUMBER = st.integers(0, 99_999).map(str)
# Hyphenated compounds of letters ("sote-uudistus"): the index has their parts.
COMPOUND = st.lists(WORD, min_size=2, max_size=3).map("-".join)
TEXT = st.lists(st.one_of(WORD, WORD, NUMBER, COMPOUND), min_size=1, max_size=12).map(" ".join)


def _tokens(text: str) -> set[str]:
    """The reference: runs of letters and digits, as both indexes cut this alphabet."""
    return set(re.findall(r"[^\W_]+", text.lower()))


def _found(org: Any, query: str) -> bool:
    return search.matching(org, query).exists()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(title=TEXT, text=TEXT, others=st.lists(st.one_of(WORD, NUMBER), max_size=5))
def test_an_item_is_found_by_each_of_its_words_and_base_forms_and_by_no_word_it_lacks(
    org: Any, title: str, text: str, others: list[str]
) -> None:
    Item.objects.filter(organisation=org).delete()
    Source.objects.filter(organisation=org).delete()
    result = analyse(title, text, matcher=None, hint="fi")
    make_item(org, make_source(org), 1, title=title, text=text, lemmas=result.lemmas)
    has = _tokens(f"{result.lemmas} {title} {text}")
    for word in _tokens(f"{title} {text}") | {w for w in result.lemmas.split() if len(w) > 1}:
        if re.fullmatch(r"[^\W_]+", word):
            assert _found(org, word), word
    for word in others:
        forms = textsearch.parse(word).words[0]
        expected = any(_tokens(form) <= has for form in forms)
        assert _found(org, word) == expected, (word, forms)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_every_query_form_is_cut_where_the_index_cuts_text(term: str) -> None:
    """SQLite's own tokenizer cuts the query: each token is one the index can hold (a run
    the tokenizer keeps whole), so the AND of them never needs a phrase."""
    tokens = textsearch.fts5_tokens(term)
    assert all(tokens) and all(textsearch.fts5_tokens(t) == (t,) for t in tokens)
    folded = term.lower()
    for token in tokens:
        if token.isascii():
            assert token in folded


@pytest.mark.django_db(transaction=True)
def test_items_stored_before_0011_are_found_after_it(org: Any) -> None:
    before = ("watch", "0010_pages_debate_indexes")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    old.get_model("watch", "Item").objects.create(
        organisation_id=org.pk,
        guid="vanha",
        title="Sote-uudistuksen vanha juttu",
        text="Covid-19 ja mielenterveys.",
        lemmas=" sote-uudistus vanha juttu ",
        platform="feed",
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    for query in ("sote-uudistuksen", "uudistus", "covid-19", "juttuja", "mielenterveys"):
        assert list(search.matching(org, query).values_list("guid", flat=True)) == ["vanha"]
    assert not search.matching(org, "uusi").exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [search.SQLITE_TABLE])
            assert "detail=none" in cursor.fetchone()[0]


@pytest.mark.parametrize(
    "forged",
    ["kaikuorg{id}", "kaiku_org_{id}", "KAIKU_ORG_{id}", "kaiku org {id}", "kaiku__org_{id}"],
)
def test_no_text_can_carry_another_organisations_token_into_its_newest_matches(
    org: Any, other_org: Any, forged: str
) -> None:
    """The newest-N read of the index stops at N rows before the organisation's rows are
    kept; if another organisation's items could hold this organisation's token, a feed full
    of it would fill those N rows and hide the organisation's own match."""
    own = make_item(org, make_source(org), 1, title="Päihdetyö Oulussa", lemmas=" päihdetyö ")
    hostile = make_source(other_org, "Vihamielinen")
    token = forged.format(id=org.pk)
    for n in range(2, 12):
        make_item(
            other_org,
            hostile,
            n,
            title=f"Päihdetyö {token}",
            text=f"{token} päihdetyö {token.upper()}",
            lemmas=f" päihdetyö {token} ",
        )
    newest = search.matching(org, "päihdetyö", newest=5)
    assert list(newest.values_list("pk", flat=True)) == [own.pk]
