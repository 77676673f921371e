"""Command line: ``python -m kaiku.language [check] [--lang fi|sv|en] [--channel x,bluesky]
[--json] [--ui-lang fi|en|sv] [FILE|-]`` or ``--batch FILE.jsonl``.

Batch mode reads lines ``{"id": ..., "text": ..., "lang": ...}`` (``lang`` and ``channels``
optional) and writes one line ``{"id": ..., "findings": [...]}`` per input, in order. A line
that cannot be read or checked gives an error on stderr and, in its place in the output,
``{"id": ..., "line": n, "error": "..."}``, so nothing is lost or shifted; the exit code is
then 1. Exit codes otherwise: 0 no block findings, 2 at least one block finding (text mode).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from . import LANGS, channels, check
from .types import Finding

_ANSI = {"block": "\x1b[1;31m", "warn": "\x1b[33m", "info": "\x1b[36m"}
_RESET = "\x1b[0m"
_MARKED_KINDS = frozenset({"stigma", "privacy", "spelling", "accessibility"})


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kaiku check",
        description="The language check: stigma, privacy (client-identifying data) and each "
        "channel's limits, in Finnish, Swedish and English. Runs without Django or a database.",
        epilog="exit codes: 0 no block finding; 2 at least one block finding (text mode); "
        "1 a batch line could not be read or checked (batch mode); 64 an unknown channel; "
        "argparse's own 2 for bad options.",
    )
    p.add_argument("file", nargs="?", default="-", help="text file, or - for standard input")
    p.add_argument("--lang", choices=LANGS, help="language (default: detect)")
    p.add_argument("--channel", default="", help=f"comma-separated: {','.join(channels())}")
    p.add_argument("--json", action="store_true", help="print findings as JSON")
    p.add_argument("--ui-lang", default="fi", choices=("fi", "en", "sv"), help="message language")
    p.add_argument("--batch", metavar="FILE.jsonl", help="check many drafts, one JSON per line")
    p.add_argument("--output", "-o", metavar="FILE", help="batch output file (default stdout)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    return p


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["check"]:
        args_in = args_in[1:]
    args = _parser().parse_args(args_in)
    chans = [c.strip().lower() for c in args.channel.split(",") if c.strip()]
    unknown = [c for c in chans if c not in channels()]
    if unknown:
        sys.stderr.write(f"unknown channel(s): {', '.join(unknown)}\n")
        return 64
    if args.batch:
        if args.output:
            with Path(args.output).open("w", encoding="utf-8") as out:
                return _batch(Path(args.batch), out, args.lang, chans, args.ui_lang)
        return _batch(Path(args.batch), sys.stdout, args.lang, chans, args.ui_lang)

    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    findings = check(text, args.lang, chans, ui_lang=args.ui_lang)
    if args.json:
        json.dump([f.to_dict() for f in findings], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
        sys.stdout.write(render(text, findings, color=color))
    return 2 if any(f.severity == "block" for f in findings) else 0


def render(text: str, findings: Sequence[Finding], *, color: bool = False) -> str:
    """The text with finding spans marked ([[like this]] or in colour), then one line each."""
    spans = sorted(
        (f.start, f.end, f.severity)
        for f in findings
        if f.kind in _MARKED_KINDS and f.end > f.start and f.code != "privacy.person_with_health"
    )
    merged: list[list[Any]] = []
    for s, e, sev in spans:
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
            if sev == "block" or (sev == "warn" and merged[-1][2] == "info"):
                merged[-1][2] = sev
        else:
            merged.append([s, e, sev])
    parts = []
    pos = 0
    for s, e, sev in merged:
        parts.append(text[pos:s])
        if color:
            parts.append(f"{_ANSI[sev]}{text[s:e]}{_RESET}")
        else:
            parts.append(f"[[{text[s:e]}]]")
        pos = e
    parts.append(text[pos:])
    lines = ["".join(parts).rstrip("\n"), ""]
    if not findings:
        lines.append("OK")
    for f in findings:
        label = f"{_ANSI[f.severity]}{f.severity}{_RESET}" if color else f.severity
        span = f" “{f.text}”" if f.text and len(f.text) <= 60 else ""
        line = f"{label:5} {f.code} {f.start}-{f.end}{span}: {f.message}"
        if f.suggestions:
            line += " → " + " | ".join(f.suggestions)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _batch(path: Path, out: IO[str], lang: str | None, chans: list[str], ui: str) -> int:
    failures = 0
    buf: list[str] = []
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            ident: Any = None
            try:
                item = json.loads(line)
                if not isinstance(item, dict):
                    raise ValueError("line is not a JSON object")
                ident = item.get("id")
                text = item["text"]
                if not isinstance(text, str):
                    raise ValueError("text is not a string")
                item_chans = item.get("channels", chans)
                findings = check(text, item.get("lang") or lang, item_chans, ui_lang=ui)
                buf.append(dumps({"id": ident, "findings": [f.to_dict() for f in findings]}))
            except (ValueError, KeyError, TypeError) as exc:
                failures += 1
                reason = f"{type(exc).__name__}: {exc}"
                sys.stderr.write(f"{path}:{n}: id={ident!r}: {reason}\n")
                buf.append(dumps({"id": ident, "line": n, "error": reason}))
            if len(buf) >= 512:
                out.write("\n".join(buf) + "\n")
                buf.clear()
    if buf:
        out.write("\n".join(buf) + "\n")
    out.flush()
    return 1 if failures else 0
