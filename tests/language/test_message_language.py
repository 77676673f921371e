"""Issue 18 item 7: every message, the source line included, in the user's language, and
everyday abbreviations of the field are not unknown words."""

from __future__ import annotations

from kaiku.language import Media, check
from kaiku.language.messages import SOURCES

TEXT = (
    "Narkkarit ja Pekka Virtanen, 131052-308T, on korvaushoidossa. Hän hyppäsi sillalta ja "
    "kuoli itsemurhaan. Soita 040 123 4567. " + "Tämä on pitkä virke " * 12 + "."
)
ENGLISH_ONLY = [key for key, tr in SOURCES.items() if "fi" in tr and "sv" in tr]


def test_finnish_and_swedish_source_lines_carry_no_english_source_text() -> None:
    media = [Media("image", None)]
    for ui in ("fi", "sv"):
        findings = check(TEXT, "fi", ["x", "mastodon"], media, ui_lang=ui)
        assert {f.kind for f in findings} >= {"stigma", "privacy", "accessibility", "length"}
        for f in findings:
            assert not any(part in f.source for part in ENGLISH_ONLY), (ui, f.code, f.source)
            assert "own judgement" not in f.source, (ui, f.code, f.source)
    fi = check(TEXT, "fi", ui_lang="fi")
    assert any(f.source == "Kaiku (oma arvio)" for f in fi)
    en = check(TEXT, "fi", ui_lang="en")
    hetu = next(f for f in en if f.code == "privacy.hetu")
    assert hetu.source.startswith("Finnish Data Protection Act 1050/2018")


def test_everyday_abbreviations_and_service_names_are_not_unknown_words() -> None:
    text = (
        "Hetu ei kuulu someen. Soten uudistus ja STEA:n rahoitus jatkuvat. Sekasin-chat "
        "auttaa nuoria. NA-ryhmä kokoontuu. Hyte on tärkeää. Hetun saa Kelasta. "
        "Kirjotin tämän väärin."
    )
    unknown = [f.text for f in check(text, "fi") if f.code == "spelling.unknown"]
    assert unknown == ["Kirjotin"]
