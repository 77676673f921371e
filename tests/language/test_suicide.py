from __future__ import annotations

from kaiku.language import check


def codes(text: str, lang: str = "fi") -> list[str]:
    return [f.code for f in check(text, lang) if f.code.startswith("suicide.")]


def test_method_and_place_detail_is_warned_about() -> None:
    found = [f for f in check("Hän hyppäsi sillalta ja kuoli itsemurhaan.", "fi")]
    method = [f for f in found if f.code == "suicide.method_detail"]
    assert [f.text for f in method] == ["hyppäsi sillalta"]
    assert all(f.severity == "warn" for f in method)


def test_successful_and_failed_suicide_wording_is_warned_about() -> None:
    assert "suicide.success_framing" in codes("Epäonnistunut itsemurhayritys jätti jäljet.")
    assert "suicide.success_framing" in codes("Ett misslyckat självmord.", "sv")
    assert "suicide.success_framing" in codes("After a failed suicide attempt he got help.", "en")


def test_suicide_presented_as_a_solution_is_warned_about() -> None:
    assert "suicide.as_solution" in codes("Itsemurha oli hänelle ainoa ulospääsy.")


def test_saying_suicide_is_not_a_solution_is_fine() -> None:
    assert "suicide.as_solution" not in codes("Itsemurha ei ole koskaan ratkaisu. Apua saa.")


def test_text_about_suicide_without_help_gets_a_helpline_note() -> None:
    found = [f for f in check("Itsemurhista pitää puhua.", "fi") if f.code == "suicide.helpline"]
    assert len(found) == 1 and found[0].severity == "info"
    assert "Kriisipuhelin" in found[0].message


def test_text_that_already_points_to_help_gets_no_helpline_note() -> None:
    assert codes("Itsemurhista pitää puhua. Kriisipuhelin päivystää.") == []


def test_prevention_of_access_to_means_is_not_method_detail() -> None:
    assert "suicide.method_detail" not in codes(
        "Itsemurhia voi ehkäistä säilyttämällä aseet lukitussa kaapissa. Kriisipuhelin auttaa."
    )


def test_success_framing_with_taking_ones_own_life_is_warned_about() -> None:
    # Found with the issue-18 evaluation sets: the framing was caught only next to the word
    # "suicide", not with "taking her own life" / "ta sitt liv", which guidance recommends.
    assert "suicide.success_framing" in codes("She finally succeeded in taking her own life.", "en")
    assert "suicide.success_framing" in codes("He failed to take his own life.", "en")
    assert "suicide.success_framing" in codes("Han lyckades ta sitt liv på andra försöket.", "sv")


def test_method_with_to_end_her_life_is_method_detail_but_a_life_of_crime_is_not() -> None:
    assert "suicide.method_detail" in codes(
        "She overdosed on sleeping pills to end her life.", "en"
    )
    assert codes("He tried to end his life of crime and found work.", "en") == []
