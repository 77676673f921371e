"""Benchmark of kaiku.language: check() on 1,800- and 5,000-character Finnish texts (targets:
median under 1 ms and 5 ms warm), the first check in a fresh process (target under 100 ms),
bare Voikko analysis of the same words, and the words per second of the CLI's --batch mode.

    .venv/bin/python bench/language_bench.py [--runs 300] [--drafts 10000]

Each timed check() gets a slightly different text (a counter is appended), so per-text caches
miss and only the per-word memo is warm: that is what an editor re-checking a draft sees.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kaiku.language import check, voikko_available
from kaiku.language.cli import main as cli_main
from kaiku.language.text import WORD_RE

SENTENCES = [
    "Tervetuloa mukaan vertaistukiryhmään, joka kokoontuu torstaisin kirjaston kokoushuoneessa.",
    "Mielenterveysviikolla järjestämme avoimia keskustelutilaisuuksia eri puolilla kaupunkia.",
    "Päihdetyön ammattilaiset kohtaavat työssään ihmisiä, joilla on monenlaisia taustoja.",
    "Huumeita käyttävät ihmiset ansaitsevat kunnioittavan ja turvallisen kohtaamisen.",
    "Lisätietoja antaa toiminnanjohtaja Maija Meikäläinen, puh. 040 123 4567.",
    "Kahvila on avoinna arkisin kello 10\u201315, ja kaikki ovat tervetulleita.",
    "Vapaaehtoisemme tekevät arvokasta työtä, ja kiitämme heitä lämpimästi.",
    "Asunto ensin -periaate on vähentänyt asunnottomuutta Suomessa merkittävästi.",
    "Kriisipuhelin päivystää ympäri vuorokauden, ja sinne voi soittaa nimettömänä.",
    "Hankkeen rahoittaa STEA, ja se jatkuu vuoden 2027 loppuun.",
    "Nuorten mielenterveyspalveluihin pääsy on parantunut, mutta jonot ovat yhä pitkiä.",
    "Kuntoutujat ja työntekijät suunnittelivat yhdessä syksyn retken ohjelman.",
    "Moni kertoo, että vertaistuki auttoi jaksamaan vaikeimpien aikojen yli.",
    "Naapurustossa puhutaan yhä narkkareista, vaikka sana leimaa ihmisiä.",
    "Järjestämme koulutuksen päihdetyöntekijöille ja sosiaalialan opiskelijoille.",
    "Ilmoittaudu tapahtumaan viimeistään perjantaina verkkosivuillamme.",
    "Yhdistyksen vuosikokous pidetään toukokuussa, ja kaikki jäsenet ovat tervetulleita.",
    "Korvaushoito on tutkitusti tehokas hoitomuoto opioidiriippuvuuteen.",
    "Mielenterveyden häiriöt ovat yleisiä, ja niistä voi toipua.",
    "Tule mukaan tekemään hyvää! #vapaaehtoistyö #mielenterveys",
]
NAMES = ["Aino", "Pekka", "Sanna", "Jukka", "Liisa", "Matti", "Emma", "Ville"]


def finnish_text(target: int = 2000, seed: int = 1) -> str:
    rnd = random.Random(seed)
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < target:
        parts.append(rnd.choice(SENTENCES))
    text = " ".join(parts)
    return text[:target]


def draft(rnd: random.Random) -> str:
    k = rnd.randint(2, 5)
    body = " ".join(rnd.choice(SENTENCES) for _ in range(k))
    if rnd.random() < 0.3:
        body += f" Kiitos {rnd.choice(NAMES)}!"
    if rnd.random() < 0.2:
        body += f" Tapahtuma {rnd.randint(1, 28)}.{rnd.randint(1, 12)}. klo {rnd.randint(9, 18)}."
    return body


def bench_check(runs: int, chars: int = 2000) -> tuple[float, float, float, int]:
    """Median and p99 wall time and median CPU time (process_time_ns: on a shared machine the
    wall clock also counts other processes' turns) of a warm check()."""
    text = finnish_text(chars)
    check(text, "fi")  # warm the per-word memo
    times = []
    cpu = []
    for i in range(runs):
        t = f"{text} {i}"
        start = time.perf_counter()
        cpu_start = time.process_time_ns()
        check(t, "fi")
        cpu.append((time.process_time_ns() - cpu_start) / 1e9)
        times.append(time.perf_counter() - start)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return statistics.median(times), p99, statistics.median(cpu), len(text)


def bench_first_check() -> tuple[float, float, float]:
    """Import time and the first check() of a fresh interpreter (cold caches, Voikko opening)."""
    code = (
        "import time, json\n"
        "t0 = time.perf_counter()\n"
        "from kaiku.language import check\n"
        "t1 = time.perf_counter()\n"
        "c1 = time.process_time()\n"
        f"check({finnish_text(1800)!r}, 'fi')\n"
        "t2 = time.perf_counter()\n"
        "c2 = time.process_time()\n"
        "print(json.dumps([t1 - t0, t2 - t1, c2 - c1]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imp, first, first_cpu = json.loads(out.stdout.strip().splitlines()[-1])
    return float(imp), float(first), float(first_cpu)


def bench_bare_voikko(runs: int) -> float | None:
    try:
        import libvoikko
    except ImportError:
        return None
    v = libvoikko.Voikko("fi")
    words = [m.group(0) for m in WORD_RE.finditer(finnish_text())]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for w in words:
            v.analyze(w)
        times.append(time.perf_counter() - start)
    v.terminate()
    return statistics.median(times)


def bench_batch(n: int) -> tuple[int, float]:
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "drafts.jsonl"
        out = Path(tmp) / "findings.jsonl"
        words = 0
        with src.open("w", encoding="utf-8") as fh:
            for i in range(n):
                text = draft(rnd)
                words += sum(1 for _ in WORD_RE.finditer(text))
                fh.write(json.dumps({"id": i, "text": text, "lang": "fi"}, ensure_ascii=False))
                fh.write("\n")
        start = time.perf_counter()
        code = cli_main(["--batch", str(src), "--output", str(out)])
        elapsed = time.perf_counter() - start
        lines = out.read_text(encoding="utf-8").count("\n")
    if code != 0 or lines != n:
        raise SystemExit(f"batch failed: exit {code}, {lines} lines for {n} drafts")
    return words, elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--drafts", type=int, default=10_000)
    args = ap.parse_args()
    print(f"voikko available: {voikko_available()}")
    for size in (1800, 5000):
        median, p99, cpu, chars = bench_check(args.runs, size)
        print(f"check() on {chars} chars of Finnish, warm: median {median * 1e3:.2f} ms wall, "
              f"{cpu * 1e3:.2f} ms CPU, p99 {p99 * 1e3:.2f} ms wall")  # fmt: skip
    imp, first, first_cpu = bench_first_check()
    print(f"fresh process: import {imp * 1e3:.0f} ms, first check() of 1800 chars "
          f"{first * 1e3:.0f} ms wall, {first_cpu * 1e3:.0f} ms CPU")  # fmt: skip
    bare = bench_bare_voikko(max(20, args.runs // 10))
    if bare is not None:
        print(f"bare Voikko analyze() of the same words, no cache: median {bare * 1e3:.2f} ms")
    words, elapsed = bench_batch(args.drafts)
    print(f"--batch: {args.drafts} drafts, {words} words in {elapsed:.2f} s = "
          f"{words / elapsed:,.0f} words/s")  # fmt: skip


if __name__ == "__main__":
    main()
