from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from kaiku.accounts.models import ApiToken
from kaiku.checks.models import OrganisationTerm

pytestmark = pytest.mark.django_db

ALL = ("admin", "editor", "reviewer", "viewer")
CHECKERS = ("admin", "editor", "reviewer")


@pytest.mark.parametrize("who", [*ALL, "outsider"])
def test_the_check_page_is_for_roles_that_may_check(client_for: Any, who: str) -> None:
    client = client_for(who)
    page = client.get("/o/toivon-polku/check/")
    partial = client.post("/o/toivon-polku/check/partial/", {"text": "narkkarit"})
    expected = 404 if who == "outsider" else (200 if who in CHECKERS else 403)
    assert page.status_code == expected
    assert partial.status_code == expected


def test_the_partial_marks_a_stigmatising_word_with_alternatives(client_for: Any) -> None:
    html = (
        client_for("editor")
        .post(
            "/o/toivon-polku/check/partial/", {"text": "Narkkarit tarvitsevat apua.", "lang": "fi"}
        )
        .content.decode()
    )
    assert '<mark class="finding' in html
    assert "Narkkarit" in html
    assert 'class="secondary suggestion"' in html


def test_a_name_with_a_diagnosis_is_flagged_as_needing_a_reviewer(client_for: Any) -> None:
    html = (
        client_for("editor")
        .post(
            "/o/toivon-polku/check/partial/",
            {"text": "Asiakkaamme Liisa Laaksonen sairastaa skitsofreniaa.", "lang": "fi"},
        )
        .content.decode()
    )
    assert "badge bad" in html


@pytest.mark.parametrize("who", [*ALL, "outsider"])
def test_own_terms_can_be_added_by_editors_and_admins(client_for: Any, org: Any, who: str) -> None:
    response = client_for(who).post(
        "/o/toivon-polku/check/terms/",
        {"kind": "add", "language": "fi", "word": "pummi", "alternatives": "asunnoton"},
    )
    added = OrganisationTerm.objects.filter(organisation=org, word="pummi").exists()
    assert added == (who in ("admin", "editor"))
    assert response.status_code == {"admin": 302, "editor": 302, "outsider": 404}.get(who, 403)


def test_an_added_word_is_found_and_an_allowed_word_is_not(client_for: Any, org: Any) -> None:
    client = client_for("editor")
    OrganisationTerm.objects.create(
        organisation=org, kind="add", language="fi", word="kulkuri", alternatives="asunnoton"
    )
    html = client.post(
        "/o/toivon-polku/check/partial/", {"text": "Kulkurit nukkuvat puistossa.", "lang": "fi"}
    ).content.decode()
    assert '<mark class="finding' in html
    OrganisationTerm.objects.create(organisation=org, kind="allow", language="fi", word="narkkari")
    html = client.post(
        "/o/toivon-polku/check/partial/", {"text": "Narkkarit.", "lang": "fi"}
    ).content.decode()
    assert "Narkkarit" in html
    assert '<mark class="finding warn"' not in html and '<mark class="finding block"' not in html


def test_the_check_api_returns_findings_with_offsets(client: Any, members: Any) -> None:
    _, raw = ApiToken.issue(members["viewer"], "t")
    text = "Hän on narkkari."
    response = client.post(
        "/api/v1/check",
        {"text": text, "lang": "fi", "channels": ["x"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200
    finding = next(f for f in response.json()["findings"] if f["kind"] == "stigma")
    assert text[finding["start"] : finding["end"]] == "narkkari"
    assert finding["suggestions"]


def test_the_check_api_refuses_an_organisation_the_caller_is_not_in(
    client: Any, members: Any
) -> None:
    _, raw = ApiToken.issue(members["outsider"], "t")
    response = client.post(
        "/api/v1/check",
        {"text": "x", "organisation": "toivon-polku"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 404


def test_the_live_check_says_a_henkilotunnus_must_be_removed(client_for: Any) -> None:
    # 131052-308T: the checksum example of the Digital and Population Data Services Agency.
    partial = client_for("editor").post(
        "/o/toivon-polku/check/partial/", {"text": "Tunnus 131052-308T.", "lang": "fi"}
    )
    assert 'id="check-hetu"' in partial.content.decode()
    plain = client_for("editor").post(
        "/o/toivon-polku/check/partial/", {"text": "Tilausnumero 131052-308U.", "lang": "fi"}
    )
    assert 'id="check-hetu"' not in plain.content.decode()


def test_the_partial_offers_the_inflected_replacement_and_advice(client_for: Any) -> None:
    html = (
        client_for("editor")
        .post("/o/toivon-polku/check/partial/", {"text": "Apua narkkareille.", "lang": "fi"})
        .content.decode()
    )
    assert 'data-replacement="huumeita käyttäville ihmisille"' in html
    assert 'data-replacement="huumeita käyttävä ihminen"' not in html


def test_the_partial_checks_the_changed_sentence_and_says_so(client_for: Any) -> None:
    text = "Apua huumeita käyttävä ihminen nyt."
    change = json.dumps([[5, 30, "narkkareille", "huumeita käyttävä ihminen"]])
    html = (
        client_for("editor")
        .post("/o/toivon-polku/check/partial/", {"text": text, "lang": "fi", "changes": change})
        .content.decode()
    )
    assert "grammar-note" in html
    assert "korvattu" in html  # the agreement warning, not a silent "no findings"


def test_the_check_api_returns_replacements_and_checks_changes(client: Any, members: Any) -> None:
    _, raw = ApiToken.issue(members["viewer"], "t")
    text = "Apua huumeita käyttävä ihminen nyt."
    response = client.post(
        "/api/v1/check",
        {"text": text, "lang": "fi", "changes": [[5, 30, "narkkareille", text[5:30]]]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert [f["code"] for f in response.json()["findings"]] == ["grammar.agreement"]
    response = client.post(
        "/api/v1/check",
        {"text": "Apua narkkareille.", "lang": "fi"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    finding = response.json()["findings"][0]
    assert finding["replacements"][0]["text"] == "huumeita käyttäville ihmisille"


@pytest.fixture
def without_sv_dict(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """A machine without the Debian package hunspell-sv: the dictionary directories are empty."""
    from kaiku.language import svmorph

    monkeypatch.delenv("KAIKU_SV_DICT", raising=False)
    monkeypatch.delenv("KAIKU_LANGUAGE_NO_SV_DICT", raising=False)
    monkeypatch.setattr(svmorph, "DICT_DIRS", (str(tmp_path),))
    svmorph.reset()
    yield
    monkeypatch.undo()
    svmorph.reset()


@pytest.mark.parametrize(
    ("ui", "words"),
    [
        ("fi", "Ruotsin sanakirjaa (hunspell-sv) ei ole asennettu"),
        ("sv", "Den svenska ordlistan (hunspell-sv) är inte installerad"),
        ("en", "The Swedish dictionary (hunspell-sv) is not installed"),
    ],
)
def test_the_check_says_when_the_swedish_dictionary_is_missing(
    client_for: Any, members: Any, without_sv_dict: None, ui: str, words: str
) -> None:
    members["editor"].language = ui
    members["editor"].save(update_fields=["language"])
    client = client_for("editor")
    page = client.get("/o/toivon-polku/check/").content.decode()
    partial = client.post(
        "/o/toivon-polku/check/partial/", {"text": "Knarkarfamiljen flyttade.", "lang": "sv"}
    ).content.decode()
    for html in (page, partial):
        assert 'id="check-no-sv-dict"' in html
        assert words in html


def test_the_check_says_nothing_about_the_swedish_dictionary_when_it_is_there(
    client_for: Any,
) -> None:
    from kaiku.language import svmorph

    assert svmorph.status()["sv_dictionary"], "hunspell-sv is part of the test machine's setup"
    html = (
        client_for("editor")
        .post("/o/toivon-polku/check/partial/", {"text": "Knarkarfamiljen flyttade.", "lang": "sv"})
        .content.decode()
    )
    assert 'id="check-no-sv-dict"' not in html


def test_the_live_check_says_a_swedish_personnummer_must_be_removed(client_for: Any) -> None:
    # 880314-9874: a synthetic personnummer with a valid Luhn digit; 880314-9875 has a wrong one.
    partial = client_for("editor").post(
        "/o/toivon-polku/check/partial/", {"text": "Personnummer 880314-9874.", "lang": "sv"}
    )
    html = partial.content.decode()
    assert 'id="check-hetu"' in html and "personnummer" in html
    plain = client_for("editor").post(
        "/o/toivon-polku/check/partial/", {"text": "Personnummer 880314-9875.", "lang": "sv"}
    )
    assert 'id="check-hetu"' not in plain.content.decode()
