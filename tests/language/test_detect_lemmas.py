from __future__ import annotations

import pytest

from kaiku.language import detect_language, lemmas


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Tervetuloa mukaan iltaan, meillä on kahvia ja pullaa.", "fi"),
        ("Vertaistukiryhmä kokoontuu torstaisin kirjastolla.", "fi"),
        ("Välkommen på kaffe och bulle i morgon, alla är välkomna!", "sv"),
        ("Stödgruppen träffas på torsdagar i biblioteket.", "sv"),
        ("Welcome to our coffee morning, everyone is welcome!", "en"),
        ("The peer support group meets on Thursdays at the library.", "en"),
    ],
)
def test_language_detection_tells_finnish_swedish_and_english_apart(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_language_detection_defaults_to_finnish_on_empty_text() -> None:
    assert detect_language("") == "fi"


@pytest.mark.usefixtures("voikko")
def test_finnish_lemmas_include_base_forms_and_compound_parts() -> None:
    out = lemmas("Päihdetyöntekijöille koulutusta", "fi")
    assert {"päihdetyöntekijä", "päihde", "työntekijä", "koulutus"} <= set(out)


def test_english_and_swedish_lemmas_are_simple_stems() -> None:
    assert lemmas("Clients helping families", "en") == ["client", "help", "family"]
    assert lemmas("Klienterna", "sv") == ["klient"]
