"""Recall and precision on the labelled set in eval_set.jsonl, per language and per kind.

An *alarm* is a stigma or privacy finding at ``warn`` or ``block``: what stops or questions a
post. Info notes (a quoted term, "teki itsemurhan", a lone phone number) are not alarms, so
traps that quote a word or give a contact line must produce none. Each line lists the alarm
codes it should raise; comparison is per code, as a multiset, within each sentence.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from kaiku.language import check, morph

EVAL = Path(__file__).with_name("eval_set.jsonl")
KINDS = ("stigma", "privacy")
THRESHOLD = 0.95


def _kind(code: str) -> str:
    return "privacy" if code.startswith("privacy.") else "stigma"


def _alarms(text: str, lang: str) -> Counter[str]:
    return Counter(
        f.code for f in check(text, lang) if f.kind in KINDS and f.severity in ("warn", "block")
    )


def _evaluate() -> tuple[dict[tuple[str, str], list[int]], list[str]]:
    """Counts [tp, fp, fn] per (lang, kind) and a list of readable misses."""
    counts: dict[tuple[str, str], list[int]] = {}
    misses: list[str] = []
    for line in EVAL.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        expected = Counter(item["expect"])
        got = _alarms(item["text"], item["lang"])
        for code in set(expected) | set(got):
            key = (item["lang"], _kind(code))
            c = counts.setdefault(key, [0, 0, 0])
            tp = min(expected[code], got[code])
            c[0] += tp
            c[1] += got[code] - tp
            c[2] += expected[code] - tp
        if expected != got:
            misses.append(
                f"{item['id']}: expected {dict(expected)} got {dict(got)}: {item['text']}"
            )
    return counts, misses


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def test_eval_set_is_large_and_half_traps() -> None:
    items = [json.loads(x) for x in EVAL.read_text(encoding="utf-8").splitlines()]
    per_lang = Counter(i["lang"] for i in items)
    assert len(items) >= 200
    assert per_lang["fi"] >= 150 and per_lang["sv"] >= 50 and per_lang["en"] >= 60
    traps = sum(1 for i in items if i["trap"])
    assert 0.4 <= traps / len(items) <= 0.6


def test_precision_and_recall_per_language_and_kind_are_at_least_095() -> None:
    if not morph.voikko_available():
        pytest.fail("libvoikko and voikko-fi must be installed for the evaluation")
    counts, misses = _evaluate()
    rows = []
    failures = []
    for (lang, kind), (tp, fp, fn) in sorted(counts.items()):
        p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        rows.append(f"{lang} {kind:8} precision {p:.3f} recall {r:.3f} (tp {tp} fp {fp} fn {fn})")
        if p < THRESHOLD or r < THRESHOLD:
            failures.append(rows[-1])
    for lang in ("fi", "sv", "en"):
        tp, fp, fn = (sum(v[k] for (lg, _), v in counts.items() if lg == lang) for k in range(3))
        p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        rows.append(f"{lang} all      precision {p:.3f} recall {r:.3f}")
        if p < THRESHOLD or r < THRESHOLD:
            failures.append(rows[-1])
    print("\n" + "\n".join(rows))  # pytest -s shows the table
    if misses:
        print("misses:\n  " + "\n  ".join(misses))
    assert not failures, "\n".join(failures + misses)
