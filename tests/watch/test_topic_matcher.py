"""Matching item lemmas against topic keywords: every word of a keyword, title counts double."""

from __future__ import annotations

from kaiku.watch.ingest.analysis import TopicMatcher, TopicSpec


def _matcher() -> TopicMatcher:
    return TopicMatcher(
        [
            TopicSpec(
                1, "Päihteet", ("päihde", "haittojen vähentäminen", "päihde", "harm reduction")
            ),
            TopicSpec(2, "Asunnottomuus", ("asunto ensin", "asunnottomuus")),
        ]
    )


def test_a_keyword_of_several_words_needs_every_word() -> None:
    matcher = _matcher()
    assert matcher.match(["asunto"], []) == {}
    assert matcher.match(["asunto", "ensin"], []) == {2: 1.0}


def test_a_keyword_found_in_the_title_counts_twice_and_each_keyword_once() -> None:
    matcher = _matcher()
    lemmas = ["päihde", "haitta", "vähentää", "harm", "reduction", "asunnottomuus"]
    scores = matcher.match(lemmas, ["päihde", "asunnottomuus"])
    # päihde (in the title, listed twice), haittojen vähentäminen, harm reduction
    assert scores == {1: 2.0 + 1.0 + 1.0, 2: 2.0}


def test_a_matcher_without_keywords_matches_nothing() -> None:
    assert not TopicMatcher([])
    assert TopicMatcher([]).match(["päihde"], ["päihde"]) == {}
