"""Issue 18, detection side: Swedish compounds and adjectives, names/titles/idioms as notes,
diagnoses as insults, and suicide method detail told without the word "suicide"."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kaiku.language import check, svmorph


def alarms(text: str, lang: str) -> list[str]:
    return [
        f.text for f in check(text, lang) if f.kind == "stigma" and f.severity in ("warn", "block")
    ]


@pytest.fixture
def no_sv_dict(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KAIKU_LANGUAGE_NO_SV_DICT", "1")
    svmorph.reset()
    try:
        yield
    finally:
        monkeypatch.delenv("KAIKU_LANGUAGE_NO_SV_DICT")
        svmorph.reset()


SV_COMPOUNDS = [
    ("Hans knarkarpappa kom aldrig hem.", "knarkarpappa"),
    ("Hon växte upp i en missbrukarfamilj.", "missbrukarfamilj"),
    ("Alkoholistmammor får sällan stöd.", "Alkoholistmammor"),
    ("Pundarkompisarna väntade utanför.", "Pundarkompisarna"),
]


def test_swedish_compound_with_the_label_first_is_an_alarm_but_a_service_name_is_not() -> None:
    assert svmorph.available(), "hunspell-sv must be installed (scripts/setup.sh)"
    for text, word in SV_COMPOUNDS:
        assert word in alarms(text, "sv"), text
    assert alarms("Missbrukarvården i Finland utvecklas.", "sv") == []
    assert alarms("Alkoholistlagen ersattes 1986.", "sv") == []


def test_without_the_swedish_dictionary_compounds_still_match_and_status_says_why(
    no_sv_dict: None,
) -> None:
    assert svmorph.status() == {
        "sv_dictionary": False,
        "path": "",
        "reason": "disabled (KAIKU_LANGUAGE_NO_SV_DICT)",
    }
    assert "knarkarpappa" in alarms("Hans knarkarpappa kom aldrig hem.", "sv")
    assert alarms("Missbrukarvården utvecklas.", "sv") == []


ADJ_NOUN = [
    ("Psykiskt sjuka hamnar ofta i fängelse.", "sv", "psykiskt sjuka"),
    ("De deprimerade orkar inte söka hjälp.", "sv", "deprimerade"),
    ("Hon har jobbat med dementa i tjugo år.", "sv", "dementa"),
    ("Nuoret masentuneet eivät saa apua ajoissa.", "fi", "masentuneet"),
    ("Huumeriippuvaiset jonottivat pisteeseen.", "fi", "Huumeriippuvaiset"),
    ("The depressed often stop reaching out.", "en", "the depressed"),
]


ADJ_ATTR = [
    ("Psykiskt sjuka människor är oftare offer än förövare.", "sv"),
    ("Deprimerade ungdomar söker sällan hjälp.", "sv"),
    ("Hon var deprimerad hela vintern.", "sv"),
    ("Masentunut ihminen ei aina näytä surulliselta.", "fi"),
    ("Olin nuori ja masentunut.", "fi"),
    ("Monet ovat masentuneita.", "fi"),
    ("The depressed economy hurt everyone.", "en"),
]


def test_an_adjective_used_as_a_noun_is_a_label_but_not_before_a_noun_or_as_a_predicate() -> None:
    for text, lang, word in ADJ_NOUN:
        assert [w.lower() for w in alarms(text, lang)] == [word.lower()], text
    for text, lang in ADJ_ATTR:
        assert alarms(text, lang) == [], text


NOTES = [
    ("AA eli Nimettömät Alkoholistit kokoontuu tiistaisin.", "fi"),
    ("Anonyma Narkomaner har ett möte varje torsdag.", "sv"),
    ("Luimme kirjasta Hullu rakkaus kolme lukua.", "fi"),
    ("Alkoholistilaki korvattiin päihdehuoltolailla.", "fi"),
    ("Lapinlahden mielisairaala perustettiin vuonna 1841.", "fi"),
    ("The lunatic asylum was built in 1851.", "en"),
    ("Meillä oli hullun hauska ilta!", "fi"),
    ("Olen ihan hulluna tähän kirjaan.", "fi"),
    ("Tuli ihan hullu kiire.", "fi"),
    ("Hinta oli aivan hullu.", "fi"),
    ("I'm crazy about this book.", "en"),
    ("Prices are insane this year.", "en"),
    ("The crowd went mad when the band came on.", "en"),
]


STILL = [
    ("Naapurin hullu mies huusi pihalla.", "fi"),
    ("Naapuri on ihan hullu.", "fi"),
    ("Hullut pitäisi pitää lukkojen takana.", "fi"),
    ("Hon lades in på mentalsjukhuset förra året.", "sv"),
    ("He is totally insane and should be locked up.", "en"),
    ("The crazy woman on the bus screamed at us.", "en"),
]


def test_names_titles_laws_history_and_idioms_are_notes_but_about_people_alarms() -> None:
    for text, lang in NOTES:
        assert alarms(text, lang) == [], text
        # ...but still shown as a note, so the writer can look.
        notes = [f for f in check(text, lang) if f.kind == "stigma" and f.severity == "info"]
        assert notes or text == "The crowd went mad when the band came on.", text
    for text, lang in STILL:
        assert alarms(text, lang) != [], text


INSULTS = [
    ("Mitä toi autisti oikein selittää?", "fi"),
    ("Är du helt autist eller?", "sv"),
    ("You are acting so autistic today.", "en"),
    ("Naapurin kossupää sammui pihalle.", "fi"),
    ("Bentsopäät pyörivät asemalla.", "fi"),
]


def test_diagnosis_as_insult_and_slang_labels_are_warnings_a_plain_diagnosis_is_not() -> None:
    for text, lang in INSULTS:
        assert alarms(text, lang) != [], text
    assert alarms("Autismikirjon ihmiset kokevat aistit eri tavoin.", "fi") == []
    assert alarms("Autistic people may experience sensory overload.", "en") == []
    assert alarms("Lääkepäätös tehtiin eilen.", "fi") == []


def method(text: str, lang: str) -> list[str]:
    return [f.text for f in check(text, lang) if f.code == "suicide.method_detail"]


TOLD = [
    ("Hän hirttäytyi kotinsa vintille viime keväänä.", "fi"),
    ("Poika hyppäsi kerrostalon katolta ja kuoli.", "fi"),
    ("Hän ampui itsensä metsästyskiväärillä.", "fi"),
    ("Han hängde sig i garaget i fjol.", "sv"),
    ("Kvinnan kastade sig framför tåget vid stationen.", "sv"),
    ("Hon tog en överdos sömntabletter och dog.", "sv"),
    ("He hanged himself in the garage last year.", "en"),
    ("The student jumped from the bridge and died.", "en"),
    ("She slit her wrists in the bathroom.", "en"),
]


EVERYDAY = [
    ("Hän hyppäsi sillalta uimaan kesäpäivänä.", "fi"),
    ("Hyppäsin junaan viime hetkellä.", "fi"),
    ("Han hängde sig kvar i diskussionen.", "sv"),
    ("Barnen hoppade från bryggan och badade.", "sv"),
    ("She hung the picture on the wall.", "en"),
    ("He was hanging out with friends at the mall.", "en"),
    ("Barriers on bridges prevent deaths, and no one has jumped since.", "en"),
]


def test_suicide_method_told_without_the_word_is_method_detail_everyday_jumps_are_not() -> None:
    for text, lang in TOLD:
        assert method(text, lang) != [], text
        # The text is about suicide, so the help-line note comes too.
        assert any(f.code == "suicide.helpline" for f in check(text, lang)), text
    for text, lang in EVERYDAY:
        assert method(text, lang) == [], text


def test_a_swedish_check_without_the_installed_dictionary_finishes(tmp_path: Path) -> None:
    """Without hunspell-sv (empty dictionary directories, no override) the first Swedish check
    used to deadlock on the module's lock; a subprocess keeps a hang from stopping the suite."""
    code = (
        "import sys\n"
        "from kaiku.language import check, svmorph\n"
        "svmorph.DICT_DIRS = (sys.argv[1],)\n"
        "found = check('Knarkarfamiljen flyttade till ett annat kvarter.', 'sv')\n"
        "print(svmorph.available(), [f.text for f in found if f.kind == 'stigma'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("KAIKU_SV_DICT",)}
    env.pop("KAIKU_LANGUAGE_NO_SV_DICT", None)
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False ['Knarkarfamiljen']"


@pytest.mark.parametrize(
    "text",
    [
        "Missbrukarvården utvecklas.",
        "Missbrukarvårdens framtid diskuteras.",
        "Missbrukarbehandlingen får mer pengar.",
    ],
)
def test_without_the_swedish_dictionary_an_inflected_service_head_is_no_label(
    no_sv_dict: None, text: str
) -> None:
    assert alarms(text, "sv") == []
    assert "missbrukarfamilj" in alarms("Hon växte upp i en missbrukarfamilj.", "sv")


def test_an_answer_found_with_the_dictionary_is_not_reused_without_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The word cache is keyed by the dictionary's state. "Knarkarqwzt" has no Swedish word
    after its label part, so with the dictionary it is no compound label; without it any
    three letters do and it is one. Asked with the dictionary first, the answer must not be
    carried over to the check without it (this test failed alone before, and passed only
    when another test had filled the cache in the right order)."""
    text = "Knarkarqwzt kom hem."
    svmorph.reset()
    alarms(text, "sv")
    monkeypatch.setenv("KAIKU_LANGUAGE_NO_SV_DICT", "1")
    svmorph.reset()
    try:
        assert alarms(text, "sv") == ["Knarkarqwzt"]
    finally:
        monkeypatch.delenv("KAIKU_LANGUAGE_NO_SV_DICT")
        svmorph.reset()
