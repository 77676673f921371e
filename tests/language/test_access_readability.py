from __future__ import annotations

import pytest

from kaiku.language import Media, check
from kaiku.language.access import camel_case_hashtag
from kaiku.language.readability import syllables, wiio
from kaiku.language.text import tokenize


def test_image_without_alt_text_is_warned_about() -> None:
    media = [Media("image", alt_text="Ryhmä ihmisiä kahvilla"), Media("image", alt_text=" ")]
    found = [f for f in check("Kuvia illasta.", "fi", media=media) if f.kind == "accessibility"]
    assert [(f.code, f.severity) for f in found] == [("accessibility.alt_text_missing", "warn")]
    assert "Kuvalta 2" in found[0].message


@pytest.mark.usefixtures("voikko")
def test_lowercase_finnish_hashtag_gets_a_camel_case_suggestion() -> None:
    f = next(
        f for f in check("Tervetuloa! #mielenterveysviikko", "fi") if f.kind == "accessibility"
    )
    assert f.suggestions == ["#MielenterveysViikko"]
    assert camel_case_hashtag("päihdetyöpäivät", "fi") == "PäihdeTyöPäivät"


def test_camel_case_hashtag_is_left_alone() -> None:
    assert not [f for f in check("#MielenterveysViikko", "fi") if f.kind == "accessibility"]


def test_more_than_three_emoji_in_a_row_is_noted() -> None:
    found = [
        f for f in check("Kiitos 🎉🎉🎉🎉 ja 👍👍", "fi") if f.code == "accessibility.emoji_run"
    ]
    assert [f.text for f in found] == ["🎉🎉🎉🎉"]


def test_all_caps_run_is_noted_but_short_acronyms_are_not() -> None:
    found = [f.text for f in check("THL ja STEA tukevat. TULE MUKAAN NYT!", "fi")
             if f.code == "accessibility.all_caps"]  # fmt: skip
    assert found == ["TULE MUKAAN NYT"]


def test_finnish_syllables_count_diphthongs_and_long_vowels_once() -> None:
    assert [syllables(w) for w in ("talo", "mielenterveys", "hyvää", "kuorma", "aie")] == [
        2,
        4,
        2,
        2,
        2,
    ]


@pytest.mark.usefixtures("voikko")
def test_wiio_grade_counts_long_words_from_base_forms() -> None:
    # "taloissammekin" is long on the surface but its base form "talo" has two syllables.
    tokens, _ = tokenize("Taloissammekin asuu ihmisiä.")
    w = wiio(tokens)
    assert (w.words, w.long_words) == (3, 0)
    tokens, _ = tokenize("Mielenterveyspalveluiden saavutettavuus kasvaa.")
    w = wiio(tokens)
    assert (w.words, w.long_words) == (3, 2)
    assert w.grade == pytest.approx(2.7 + 30.0 * 2 / 3)


@pytest.mark.usefixtures("voikko")
def test_heavy_finnish_text_gets_a_wiio_note() -> None:
    text = " ".join(["Mielenterveyspalveluiden saavutettavuuden kehittämistoimenpiteet edellyttävät"
                     " monialaista yhteistyötä."] * 6)  # fmt: skip
    assert any(f.code == "readability.wiio" for f in check(text, "fi"))


def test_long_sentence_is_noted() -> None:
    text = "Me " + " ".join(["teemme"] * 30) + " työtä."
    assert any(f.code == "readability.long_sentence" for f in check(text, "fi"))


@pytest.mark.usefixtures("voikko")
def test_finnish_misspelling_is_info_with_suggestions() -> None:
    f = next(f for f in check("Tervetuloa kahvlle huomenna.", "fi") if f.kind == "spelling")
    assert (f.text, f.severity) == ("kahvlle", "info")
    assert "kahville" in f.suggestions


@pytest.mark.usefixtures("voikko")
def test_spelling_skips_names_urls_hashtags_mentions_numbers_and_stigma_words() -> None:
    text = "Kiitos Kuismalle ja @lumikki! Narkkarit #kaikkimukaan https://esimerkki.fi 3:ssa."
    assert [f for f in check(text, "fi") if f.kind == "spelling"] == []
