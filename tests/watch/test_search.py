"""Full-text search of watch items over base forms (kaiku.watch.features.search).

Runs on SQLite (FTS5) and, under scripts/with-postgres.sh, on PostgreSQL (tsvector + GIN).
Items get their lemmas from the ingest's own analysis, as stored items have them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from kaiku.watch.features import digest, search
from kaiku.watch.ingest.analysis import analyse
from kaiku.watch.ingest.prepare import PreparedItem
from kaiku.watch.ingest.store import store
from kaiku.watch.models import Item
from tests import fulltext
from tests.watch.test_views import make_item, make_source, url

pytestmark = pytest.mark.django_db


def analysed(org: Any, n: int, title: str, text: str = "", hint: str = "") -> Item:
    """An item stored with the language and lemmas the ingest gives it."""
    result = analyse(title, text, matcher=None, hint=hint)
    return make_item(
        org,
        make_source(org, f"lahde{n}"),
        n,
        title=title,
        text=text,
        language=result.language,
        lemmas=result.lemmas,
    )


def found(org: Any, query: str) -> set[str]:
    return set(search.matching(org, query).values_list("title", flat=True))


def test_an_inflected_query_finds_the_base_form(org: Any) -> None:
    analysed(org, 1, "Mielenterveyspalvelut ruuhkautuvat", "Jonot pitenevät Helsingissä.")
    analysed(org, 2, "Kevään kahvilailta", "Tervetuloa kahville.")
    assert found(org, "mielenterveyspalveluiden") == {"Mielenterveyspalvelut ruuhkautuvat"}


def test_a_base_form_query_finds_an_inflected_text(org: Any) -> None:
    analysed(org, 1, "Jonot kasvavat", "Mielenterveyspalveluiden jonot pitenevät taas.")
    assert found(org, "mielenterveyspalvelu") == {"Jonot kasvavat"}
    assert found(org, "Helsinki jonot") == set()
    assert found(org, "jono mielenterveyspalveluita") == {"Jonot kasvavat"}


def test_swedish_and_english_words_find_their_other_forms(org: Any) -> None:
    analysed(org, 1, "Vårdcentralen stänger", "Vårdcentralen i Åbo stänger i sommar.", hint="sv")
    analysed(org, 2, "Housing First works", "Housing First keeps people housed.", hint="en")
    # A one-word query is too short to tell its language: every language's base form counts.
    assert found(org, "vårdcentralerna") == {"Vårdcentralen stänger"}
    assert found(org, "houses") == {"Housing First works"}


def test_a_name_or_a_number_matches_as_written(org: Any) -> None:
    analysed(org, 1, "Kaikumaa ry 2026", "Yhdistyksen vuosikokous.")
    assert found(org, "kaikumaa") == {"Kaikumaa ry 2026"}
    assert found(org, "2026") == {"Kaikumaa ry 2026"}


def test_a_search_never_finds_another_organisations_items(org: Any, other_org: Any) -> None:
    analysed(org, 1, "Päihdetyö Oulussa")
    analysed(other_org, 2, "Päihdetyö Turussa")
    assert found(org, "päihdetyötä") == {"Päihdetyö Oulussa"}
    assert found(other_org, "päihdetyötä") == {"Päihdetyö Turussa"}
    # The index's organisation token is only a word to anyone else.
    assert found(org, f"päihdetyö {search.org_token(other_org.pk)}") == set()


def test_the_index_follows_edits_and_deletions(org: Any) -> None:
    item = analysed(org, 1, "Vanha otsikko")
    Item.objects.filter(pk=item.pk).update(title="Uusi otsikko", lemmas=" uusi otsikko ")
    assert found(org, "vanha") == set()
    assert found(org, "uusi") == {"Uusi otsikko"}
    Item.objects.filter(pk=item.pk).delete()
    assert found(org, "uusi") == set()
    analysed(org, 2, "Uusi alku")
    assert found(org, "uusi") == {"Uusi alku"}


def test_items_stored_by_the_ingest_are_searchable(org: Any) -> None:
    source = make_source(org)
    result = analyse("Nuorten päihdepalvelut", "Uusi palvelu avataan.", matcher=None)
    prepared = PreparedItem(
        guid="https://example.test/ingest/1",
        url="https://example.test/ingest/1",
        canonical_url="https://example.test/ingest/1",
        url_hash="",
        content_hash="",
        title="Nuorten päihdepalvelut",
        summary_html="",
        text="Uusi palvelu avataan.",
        author_name="",
        author_handle="",
        platform="feed",
        language=result.language,
        published_at=None,
        engagement={},
        lemmas=result.lemmas,
        stigma_findings_count=0,
        mentioned_accounts=[],
        links=[],
        topic_scores={},
    )

    assert store(org.pk, source.pk, [prepared], timezone.now()).new == 1
    assert found(org, "päihdepalveluista") == {"Nuorten päihdepalvelut"}


def test_the_search_reads_the_full_text_index(org: Any) -> None:
    """A rare word is looked up in the index, not in every item of the organisation."""
    analysed(org, 1, "Mielenterveyspalvelut")
    expected = [org.watch_items.get(title="Mielenterveyspalvelut").pk]
    fulltext.assert_reads_index(search, org, "mielenterveyspalveluiden", "watch_item", expected)


@fulltext.any_input(max_examples=150)
@given(fulltext.queries(fulltext.syntax()))
def test_any_query_text_searches_without_an_error(org: Any, text: str) -> None:
    if not Item.objects.filter(organisation=org).exists():
        analysed(org, 1, "Päihdetyön kevät", "Kevään päihdetyö.")
    titles = found(org, text)
    assert titles <= {"Päihdetyön kevät"}


@fulltext.any_input(max_examples=40)
@given(st.one_of(fulltext.syntax(), st.text(max_size=40)))
def test_the_digest_page_answers_any_search(client_for: Any, org: Any, text: str) -> None:
    response = client_for("viewer").get(url(org), {"q": text.replace("\x00", "")})
    assert response.status_code == 200


def test_the_digest_page_searches_by_base_form(client_for: Any, org: Any) -> None:
    analysed(org, 1, "Mielenterveyspalvelut ruuhkautuvat")
    analysed(org, 2, "Kevään kahvilailta")
    body = client_for("viewer").get(url(org), {"q": "mielenterveyspalveluiden"}).content.decode()
    assert "Mielenterveyspalvelut ruuhkautuvat" in body
    assert "Kevään kahvilailta" not in body
    assert [r.item.title for r in digest.digest_page(org, digest.Filters(query="kevät")).items] == [
        "Kevään kahvilailta"
    ]


@pytest.mark.django_db(transaction=True)
def test_items_stored_before_the_index_are_found_after_it(org: Any) -> None:
    old = fulltext.migrated_back(("watch", "0006_platforms_source_kind"))
    old.get_model("watch", "Item").objects.create(
        organisation_id=org.pk,
        guid="vanha",
        title="Vanha mielenterveyspalveluiden juttu",
        lemmas=" vanha mielenterveyspalvelu juttu ",
        platform="feed",
    )
    fulltext.migrate_to_latest()
    assert found(org, "mielenterveyspalvelut") == {"Vanha mielenterveyspalveluiden juttu"}


def test_the_index_is_kept_in_step_after_every_migration(org: Any) -> None:
    """A later migration that rebuilds the item table (SQLite's way to alter a column) drops
    its triggers with the old table; then new items would silently never be found."""
    analysed(org, 1, "Tuore juttu")
    assert found(org, "tuore") == {"Tuore juttu"}
    fulltext.assert_index_triggers(search, "watch_item")


def test_a_search_with_another_filter_reaches_past_the_newest_matches(
    org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index gives a plain search only its newest matches; with a filter beside it, the
    filter's older matches still count."""
    source = make_source(org)
    make_item(org, source, 1, title="Kevät Mastodonissa", lemmas=" kevät ", platform="mastodon")
    for n in range(2, 5):
        make_item(org, source, n, title=f"Kevät {n}", lemmas=" kevät ")
    monkeypatch.setattr(digest, "SEARCH_POOL", 2)
    plain = digest.digest_page(org, digest.Filters(query="kevät"))
    assert {r.item.title for r in plain.items} == {"Kevät 4", "Kevät 3"}
    masto = digest.digest_page(org, digest.Filters(query="kevät", platform="mastodon"))
    assert [r.item.title for r in masto.items] == ["Kevät Mastodonissa"]
