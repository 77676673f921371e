"""Matching item lemmas against topic keywords: every word of a keyword, title counts double."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from kaiku.watch.ingest import analysis
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


def _reference_scores(
    topics: list[TopicSpec], lemma_list: list[str], title_lemmas: list[str]
) -> tuple[bool, dict[int, float]]:
    """The matcher as it was built before: an index made at once, searched per lemma."""
    index: dict[str, dict[tuple[int, tuple[str, ...]], None]] = {}
    for topic in topics:
        for keyword in topic.keywords:
            for form in analysis._keyword_forms(keyword):
                index.setdefault(form[0], {})[(topic.id, form)] = None
    present, in_title = set(lemma_list), set(title_lemmas)
    scores: dict[int, float] = {}
    for lemma in present.intersection(index):
        for topic_id, form in index[lemma]:
            if len(form) > 1 and not present.issuperset(form):
                continue
            scores[topic_id] = scores.get(topic_id, 0.0) + (
                2.0 if in_title.issuperset(form) else 1.0
            )
    return bool(index), scores


_KEYWORD_WORDS = st.sampled_from(
    ["päihde", "päihteet", "asunto", "ensin", "harm", "reduction", "vertaistuki", "Stigma",
     "mielenterveys", "terapiatakuu", "hemlöshet", "-", "!", "2024", "", " "]
)  # fmt: skip
_KEYWORDS = st.lists(_KEYWORD_WORDS, max_size=3).map(" ".join)
_TOPICS = st.lists(st.tuples(st.integers(1, 5), st.lists(_KEYWORDS, max_size=4)), max_size=4).map(
    lambda pairs: [TopicSpec(pk, f"t{pk}", tuple(words)) for pk, words in pairs]
)
_LEMMAS = st.lists(
    st.sampled_from(
        ["päihde", "asunto", "ensin", "harm", "reduction", "vertaistuki", "stigma",
         "mielenterveys", "terapiatakuu", "hemlöshet", "hemlös", "muu"]
    ),
    max_size=8,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(topics=_TOPICS, lemma_list=_LEMMAS, title_lemmas=_LEMMAS)
def test_the_lazy_matcher_and_its_pickled_copy_score_as_one_built_at_once(
    topics: list[TopicSpec], lemma_list: list[str], title_lemmas: list[str]
) -> None:
    """The matcher builds its index on first use and travels to a worker process as its
    topics alone; it must answer as the index built at once did, before and after the trip."""
    expected_any, expected = _reference_scores(topics, lemma_list, title_lemmas)
    fresh = TopicMatcher(topics)
    assert bool(fresh) == expected_any
    assert fresh.match(lemma_list, title_lemmas) == expected
    travelled = pickle.loads(pickle.dumps(TopicMatcher(topics)))
    assert bool(travelled) == expected_any
    assert travelled.match(lemma_list, title_lemmas) == expected


def test_a_matcher_travels_as_its_topics_and_is_built_once_per_process() -> None:
    topics = [TopicSpec(1, "Päihteet", ("päihde", "harm reduction"))]
    sent = pickle.dumps(TopicMatcher(topics))
    assert len(sent) < 200  # the topics (132 bytes), not the index of their forms (227)
    assert pickle.loads(sent) is pickle.loads(sent)


@settings(max_examples=300, deadline=None)
@given(topics=_TOPICS, lemma_list=_LEMMAS, title_lemmas=_LEMMAS)
def test_the_lemmas_as_a_dict_score_as_the_reference(
    topics: list[TopicSpec], lemma_list: list[str], title_lemmas: list[str]
) -> None:
    """``analyse`` hands the matcher its lemmas as the keys of a dict, without copying them
    into a set (issue 16 item 7): the scores are those of the reference built from lists."""
    found = dict.fromkeys([*title_lemmas, *lemma_list])
    _any, expected = _reference_scores(topics, [*title_lemmas, *lemma_list], title_lemmas)
    assert TopicMatcher(topics).match(found, title_lemmas) == expected


_TEXT_WORDS = st.sampled_from(
    ["Päihdepalvelut", "asunto", "ensin", "harm", "reduction", "vertaistuki", "stigma",
     "mielenterveys", "terapiatakuu", "hemlöshet", "leikkaa", "ja", "the", ".", "2024"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    topics=_TOPICS,
    title=st.lists(_TEXT_WORDS, max_size=5).map(" ".join),
    text=st.lists(_TEXT_WORDS, max_size=12).map(" ".join),
)
def test_analyse_scores_topics_as_the_matcher_does_on_the_lemma_lists(
    topics: list[TopicSpec], title: str, text: str
) -> None:
    matcher = TopicMatcher(topics)
    result = analysis.analyse(title, text, matcher=matcher)
    title_lemmas = analysis.text_lemmas(title, result.language) if title else []
    _any, expected = _reference_scores(topics, result.lemmas.split(), title_lemmas)
    assert result.topic_scores == expected
