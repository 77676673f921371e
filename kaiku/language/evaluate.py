"""Score the check on the labelled sentence sets in ``data/eval/{lang}_{set}.jsonl``.

    python -m kaiku.language.evaluate [--lang fi,sv,en] [--set stigma,privacy] [--json]
                                      [--quiet] [FILE.jsonl ...]

Each line is ``{"id", "lang", "text", "expect": {"kind", "severity", "category"}, "reason"}``
with ``severity`` one of ``block``, ``warn`` or ``none``. Only alarms count, as in the issue
that asked for the sets: a finding of the set's kind (stigma findings include suicide wording)
at ``warn`` or ``block``. ``info`` notes (a quoted word, a lone phone number) are not alarms,
so a negative sentence may carry them. Per sentence: an expected alarm that comes is a true
positive, one that does not is a miss, an alarm on a sentence that expects none is a false
alarm. Recall and precision are printed per language and set and per category, then every
miss and false alarm with its reason. Exit code 0 (the scores are a measurement, not a gate).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import check

SETS = ("stigma", "privacy")
LANGS = ("fi", "sv", "en")
ALARM = frozenset({"warn", "block"})


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    lang: str
    text: str
    kind: str
    severity: str
    category: str
    reason: str


@dataclass(slots=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


@dataclass(slots=True)
class Report:
    by_set: dict[tuple[str, str], Score] = field(default_factory=dict)
    by_category: dict[tuple[str, str, str], Score] = field(default_factory=dict)
    misses: list[tuple[Item, str]] = field(default_factory=list)
    false_alarms: list[tuple[Item, str]] = field(default_factory=list)
    severity_off: list[tuple[Item, str]] = field(default_factory=list)


def parse_item(raw: dict[str, Any]) -> Item:
    """One labelled sentence; a missing or unknown field is a clear ``ValueError``."""
    try:
        exp = raw["expect"]
        item = Item(
            id=str(raw["id"]),
            lang=str(raw["lang"]),
            text=str(raw["text"]),
            kind=str(exp["kind"]),
            severity=str(exp["severity"]),
            category=str(exp.get("category", "")),
            reason=str(raw.get("reason", "")),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"eval item {raw.get('id', '?')!r}: missing field {exc}") from exc
    if item.lang not in LANGS or item.kind not in SETS:
        raise ValueError(f"eval item {item.id}: unknown lang or kind ({item.lang}, {item.kind})")
    if item.severity not in ("block", "warn", "none"):
        raise ValueError(f"eval item {item.id}: severity must be block, warn or none")
    return item


def load(path: Path) -> list[Item]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(parse_item(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: {exc}") from exc
    return items


def shipped_sets(langs: Iterable[str] = LANGS, sets: Iterable[str] = SETS) -> list[Path]:
    base = Path(str(resources.files("kaiku.language").joinpath("data", "eval")))
    return [base / f"{lg}_{s}.jsonl" for lg in langs for s in sets]


def got_severity(item: Item) -> str:
    """The strongest severity among the findings of the item's kind ("none" without any)."""
    best = "none"
    for f in check(item.text, item.lang):
        if f.kind != item.kind:
            continue
        if f.severity == "block":
            return "block"
        if f.severity == "warn" or best == "none":
            best = f.severity
    return best


def evaluate(items: Sequence[Item]) -> Report:
    rep = Report()
    for it in items:
        got = got_severity(it)
        want_alarm = it.severity in ALARM
        got_alarm = got in ALARM
        for key in ((it.lang, it.kind),):
            s = rep.by_set.setdefault(key, Score())
            c = rep.by_category.setdefault((it.lang, it.kind, it.category), Score())
            for sc in (s, c):
                if want_alarm and got_alarm:
                    sc.tp += 1
                elif want_alarm:
                    sc.fn += 1
                elif got_alarm:
                    sc.fp += 1
                else:
                    sc.tn += 1
        if want_alarm and not got_alarm:
            rep.misses.append((it, got))
        elif got_alarm and not want_alarm:
            rep.false_alarms.append((it, got))
        elif want_alarm and got != it.severity:
            rep.severity_off.append((it, got))
    return rep


def render(rep: Report, *, quiet: bool = False) -> str:
    lines = ["lang set      recall precision   tp  fp  fn  tn"]
    for (lang, kind), s in sorted(rep.by_set.items()):
        lines.append(
            f"{lang:4} {kind:8} {s.recall:6.3f} {s.precision:9.3f} "
            f"{s.tp:4} {s.fp:3} {s.fn:3} {s.tn:3}"
        )
    lines += ["", "per category (recall for expected alarms, false alarms for expected none)"]
    for (lang, kind, cat), s in sorted(rep.by_category.items()):
        if s.tp + s.fn:
            lines.append(f"  {lang} {kind:8} {cat:18} recall {s.tp}/{s.tp + s.fn}")
        else:
            lines.append(f"  {lang} {kind:8} {cat:18} false alarms {s.fp}/{s.fp + s.tn}")
    if not quiet:
        for title, rows in (
            ("misses", rep.misses),
            ("false alarms", rep.false_alarms),
            ("alarm of another severity", rep.severity_off),
        ):
            lines += ["", f"{title} ({len(rows)})"]
            for it, got in rows:
                lines.append(
                    f"  {it.id} [{it.category}] want {it.severity} got {got}: {it.text}"
                    f"  -- {it.reason}"
                )
    return "\n".join(lines) + "\n"


def to_json(rep: Report) -> dict[str, Any]:
    def sc(s: Score) -> dict[str, Any]:
        return {"tp": s.tp, "fp": s.fp, "fn": s.fn, "tn": s.tn, "recall": s.recall,
                "precision": s.precision}  # fmt: skip

    return {
        "sets": {f"{lg}_{k}": sc(s) for (lg, k), s in sorted(rep.by_set.items())},
        "categories": {f"{lg}_{k}_{c}": sc(s) for (lg, k, c), s in sorted(rep.by_category.items())},
        "misses": [{"id": i.id, "got": g, "text": i.text} for i, g in rep.misses],
        "false_alarms": [{"id": i.id, "got": g, "text": i.text} for i, g in rep.false_alarms],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kaiku.language.evaluate", description=__doc__)
    p.add_argument("files", nargs="*", type=Path, help="JSONL sets (default: the shipped ones)")
    p.add_argument("--lang", default=",".join(LANGS))
    p.add_argument("--set", default=",".join(SETS), dest="sets")
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true", help="scores only, no lists")
    args = p.parse_args(argv)
    langs = [x.strip() for x in args.lang.split(",") if x.strip()]
    sets = [x.strip() for x in args.sets.split(",") if x.strip()]
    paths = args.files or shipped_sets(langs, sets)
    try:
        items = [it for path in paths for it in load(path)]
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 64
    items = [it for it in items if it.lang in langs and it.kind in sets]
    rep = evaluate(items)
    if args.json:
        json.dump(to_json(rep), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(rep, quiet=args.quiet))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
