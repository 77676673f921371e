"""The evaluation command: its scoring on a small set with a known answer, and the shipped sets."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from kaiku.language import evaluate


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _row(i: int, text: str, severity: str, category: str = "c") -> dict[str, object]:
    return {
        "id": f"t-{i}",
        "lang": "fi",
        "text": text,
        "expect": {"kind": "stigma", "severity": severity, "category": category},
        "reason": "test",
    }


def test_scores_count_hits_misses_false_alarms_and_quiet_sentences(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "fi_stigma.jsonl",
        [
            _row(1, "Rappukäytävässä nukkui narkkari.", "warn", "slur"),  # hit
            _row(2, "Kokous alkaa kello kuusi.", "warn", "slur"),  # miss
            _row(3, "Puistossa istui juoppo.", "none", "idiom"),  # false alarm
            _row(4, "Tervetuloa kahville.", "none", "idiom"),  # quiet
        ],
    )
    rep = evaluate.evaluate(evaluate.load(path))
    s = rep.by_set[("fi", "stigma")]
    assert (s.tp, s.fn, s.fp, s.tn) == (1, 1, 1, 1)
    assert s.recall == 0.5 and s.precision == 0.5
    assert [i.id for i, _ in rep.misses] == ["t-2"]
    assert [i.id for i, _ in rep.false_alarms] == ["t-3"]
    assert rep.by_category[("fi", "stigma", "slur")].tp == 1


def test_command_prints_the_table_and_lists_misses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "x.jsonl", [_row(1, "Kokous alkaa kello kuusi.", "warn", "slur")])
    assert evaluate.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "fi   stigma    0.000" in out
    assert "misses (1)" in out and "t-1 [slur] want warn got none" in out


def test_a_broken_line_is_a_clear_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "b-1", "lang": "fi", "text": "x"}\n', encoding="utf-8")
    assert evaluate.main([str(path)]) == 64
    assert "b-1" in capsys.readouterr().err


def test_shipped_sets_are_well_formed_with_positives_negatives_and_reasons() -> None:
    ids: Counter[str] = Counter()
    for path in evaluate.shipped_sets():
        items = evaluate.load(path)
        lang, kind = path.stem.split("_")
        assert all(i.lang == lang and i.kind == kind and i.reason for i in items), path
        alarms = sum(1 for i in items if i.severity != "none")
        assert alarms >= 20 and len(items) - alarms >= 20, path
        texts = Counter(i.text for i in items)
        assert max(texts.values()) == 1, path
        ids.update(i.id for i in items)
    assert max(ids.values()) == 1


def test_shipped_sets_score_at_least_090_recall_and_095_precision_everywhere() -> None:
    """A floor, not a target: the sets were written beside the rules, so held-out text scores
    lower; this catches a change that breaks a whole language or category."""
    items = [i for path in evaluate.shipped_sets() for i in evaluate.load(path)]
    rep = evaluate.evaluate(items)
    low = [
        f"{lang} {kind}: recall {s.recall:.3f} precision {s.precision:.3f}"
        for (lang, kind), s in sorted(rep.by_set.items())
        if s.recall < 0.90 or s.precision < 0.95
    ]
    assert not low, "\n".join(low) + "\n" + evaluate.render(rep)


def test_shipped_sets_hold_500_stigma_and_300_privacy_sentences_per_language() -> None:
    """Issue 18 item 8 asks for at least 500 stigma and 300 privacy sentences per language."""
    want = {"stigma": 500, "privacy": 300}
    short = []
    for path in evaluate.shipped_sets():
        lang, kind = path.stem.split("_")
        n = len(evaluate.load(path))
        if n < want[kind]:
            short.append(f"{lang} {kind}: {n} < {want[kind]}")
    assert len(list(evaluate.shipped_sets())) == 6
    assert not short, "\n".join(short)
