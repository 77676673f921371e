"""Ingest throughput of the field watch against the PyPI ``reader`` library.

    .venv/bin/python bench/watch_ingest.py [--feeds 1000] [--items 50] [--workers 24] [--repeat 3]

Generates FEEDS RSS feeds of ITEMS items each (Finnish and English text about the sector, HTML
summaries with links, some with scripts to strip), serves them from a local threaded HTTP
server, and ingests them twice, each in a fresh subprocess with its own database:

1. Kaiku: ``kaiku.watch.ingest.pipeline.run_once`` with sanitising (nh3), language detection,
   lemmas, topic matching (the six seeded topics) and the stigma check on, into SQLite.
2. reader (``pip install reader sgmllib3k``, bench-only dependencies): ``update_feeds`` on
   the same feeds.

Prints items per second, the ratio, peak memory, and the CPU time per item of each stage
(bench/stages.py: fetch, parse, sanitise, language, lemmas, topics, stigma, the hand-over
between processes, store) next to reader's (fetch, parse with its sanitising, store), with
"other" for what no stage accounts for and the total from getrusage (this process and its
children). The ratio is given in items per second and in CPU per item (what two idle cores
would make of it). The machine may be shared and its speed drifts over minutes, so
``--repeat N`` alternates the two N times and also prints the medians with their spread.
The stage timers cost about 1 µs per timed call (some 10 µs per item), counted in Kaiku's
total. The schema is migrated by a separate process, as in production.

Kaiku's peak memory is the sum over its processes: the main process (ru_maxrss) plus every
child process it starts (the parse workers and multiprocessing's resource tracker), each
child's VmHWM sampled from /proc every 0.1 s while the ingest runs (once it has exec'd:
before that it shows the parent's pages). That sum is an upper bound of the simultaneous
peak. (ru_maxrss of RUSAGE_CHILDREN is no use here: it is the largest single child, and a
spawned child inherits the parent's high-water mark from the fork before its exec.) The CPU
seconds of the main process and of the child processes show where the work went.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FI_SENTENCES = [
    "Hyvinvointialueiden talousahdinko näkyy päihdepalvelujen jonoissa",
    "Järjestöt ovat huolissaan mielenterveyspalvelujen saatavuudesta",
    "Asunto ensin -periaate on vähentänyt asunnottomuutta Suomessa",
    "Kokemusasiantuntijat tuovat arvokasta tietoa palvelujen kehittämiseen",
    "Sote-uudistuksen jälkeen monet palvelut ovat siirtyneet uusiin toimipisteisiin",
    "Sairaanhoitajapula vaikeuttaa päivystysten toimintaa erityisesti kesällä",
    "Vertaistuki auttaa monia toipumaan riippuvuudesta",
    "Terapiatakuu lyhentäisi nuorten odotusaikoja merkittävästi",
    "Stigma estää edelleen monia hakemasta apua ajoissa",
    "Aluevaltuusto päätti leikata matalan kynnyksen palveluista",
    "Haittojen vähentäminen säästää ihmishenkiä ja rahaa",
    "Koulutukseen haetaan uusia sosiaalialan opiskelijoita syksyllä",
    "Kriisikeskus päivysti koko juhlapyhien ajan",
    "Lähihoitajien rekrytointi ulkomailta on lisääntynyt",
]
EN_SENTENCES = [
    "Wellbeing services counties are cutting low-threshold services",
    "Harm reduction programmes save lives and public money",
    "Peer support helps many people recover from addiction",
    "Housing first has reduced homelessness across the country",
    "Stigma still keeps people from seeking help early",
    "The workforce shortage in nursing worsened this summer",
    "Mental health services need long-term funding",
]


def make_feed(rng: random.Random, feed_no: int, items: int) -> bytes:
    now = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Järjestö {feed_no}</title><link>https://org{feed_no}.example/</link>"
        "<description>Ajankohtaista</description>"
    ]
    for i in range(items):
        english = rng.random() < 0.25
        pool = EN_SENTENCES if english else FI_SENTENCES
        title = f"{rng.choice(pool)} ({feed_no}-{i})"
        paragraphs = []
        for _ in range(rng.randint(2, 4)):
            sentences = ". ".join(rng.choice(pool) for _ in range(rng.randint(2, 4)))
            paragraphs.append(
                f'<p>{escape(sentences)}. <a href="https://org{feed_no}.example/lue/{i}'
                f'?utm_source=rss">{"Read more" if english else "Lue lisää"}</a> '
                f"<strong>#{feed_no * 1000 + i}</strong></p>"
            )
        if i % 10 == 0:
            paragraphs.append('<script>track()</script><a href="javascript:x()">x</a>')
        body = "".join(paragraphs)
        date = format_datetime(now - timedelta(hours=feed_no + i))
        parts.append(
            f"<item><title>{escape(title)}</title>"
            f"<link>https://org{feed_no}.example/{i}?utm_source=rss</link>"
            f'<guid isPermaLink="false">org{feed_no}-item-{i}</guid>'
            f"<pubDate>{date}</pubDate><dc:creator>Viestintä {feed_no}</dc:creator>"
            f"<description><![CDATA[{body[:300]}]]></description>"
            f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def peak_mb() -> float:
    """This process's own peak resident set (VmHWM). Not ru_maxrss: Linux carries it over
    exec from the forked child of the bench process, which holds every generated feed (about
    100 MB with 1,000 feeds), so it showed the bench's peak instead of Kaiku's or reader's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc), depth first."""
    out: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in children:
                out.append(int(child))
                stack.append(int(child))
    return out


def _peak_kb(pid: int) -> int:
    """A process's peak resident set so far (VmHWM), 0 when it is gone or has not started
    its own program yet: between fork and exec a child still shows the parent's pages."""
    try:
        if Path(f"/proc/{pid}/cmdline").read_bytes() == Path("/proc/self/cmdline").read_bytes():
            return 0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class ChildPeaks:
    """Samples the peak RSS of every child process (parse workers, the resource tracker)
    while the ingest runs, so the report can sum them: ru_maxrss of RUSAGE_CHILDREN is only
    the largest single child. VmHWM only grows, so the last sample before a child exits is
    its peak, give or take what it allocated in the final interval."""

    # Looking for new child processes reads a file per thread of this process (some 30, about
    # 0.4 ms of CPU), so it is done every DISCOVER_EVERY samples; the peaks of the children
    # found are read at every sample. The parse workers live through the whole ingest.
    DISCOVER_EVERY = 10

    def __init__(self, interval: float = 0.1) -> None:
        self.peaks: dict[int, int] = {}
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ChildPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        known: list[int] = []
        samples = 0
        while True:
            if samples % self.DISCOVER_EVERY == 0 or self._stop.is_set():
                known = _descendants(os.getpid())
            samples += 1
            for pid in known:
                self.peaks[pid] = max(self.peaks.get(pid, 0), _peak_kb(pid))
            if self._stop.is_set():
                return
            self._stop.wait(self._interval)

    @property
    def total_mb(self) -> float:
        return sum(self.peaks.values()) / 1024

    @property
    def largest_mb(self) -> float:
        return max(self.peaks.values(), default=0) / 1024


def _cpu(which: int) -> float:
    usage = resource.getrusage(which)
    return usage.ru_utime + usage.ru_stime


def kaiku_in(data_dir: str) -> None:
    """Set Kaiku up in this (child) process on a fresh SQLite database in ``data_dir``, allowed
    to fetch the local feed server on loopback."""
    os.environ["KAIKU_DATA_DIR"] = data_dir
    os.environ.setdefault("KAIKU_TESTING", "1")
    os.environ["KAIKU_ALLOWED_PRIVATE_HOSTS"] = "127.0.0.1"  # the feeds are on loopback
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaiku.settings"
    # The schema is made by another process, as in production (the worker never migrates):
    # loading every migration would add its memory to this process's peak.
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--verbosity", "0"],
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)


def serve_feeds(rng: random.Random, feeds: int, items: int, *, etags: bool = False) -> Any:
    """The tests' local feed server on 127.0.0.1 with ``feeds`` generated feeds (with an ETag
    each when ``etags``, so a second poll can be answered 304), and their addresses."""
    from tests.watch.server import FeedServer

    server = FeedServer.start()
    urls = []
    for n in range(feeds):
        etag = {"etag": f'"{n}-v1"'} if etags else {}
        urls.append(server.add(f"/feeds/{n}.xml", make_feed(rng, n, items), **etag))
    return server, urls


def result_of(name: str, stdout: str, stderr: str) -> dict[str, Any]:
    """The ``RESULT {json}`` line a child process printed, or the end of what it said."""
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            return result
    raise SystemExit(f"{name} failed:\n{stdout[-3000:]}\n{stderr[-3000:]}")


def run_kaiku(urls: list[str], workers: int, data_dir: str) -> dict[str, Any]:
    kaiku_in(data_dir)
    from bench import stages
    from kaiku.organisations.models import Organisation
    from kaiku.watch.features.topics import seed_topics
    from kaiku.watch.ingest import pipeline
    from kaiku.watch.ingest.pipeline import run_once
    from kaiku.watch.models import Item, Source

    org = Organisation.objects.create(name="Bench ry", slug="bench")
    seed_topics(org)
    Source.objects.bulk_create([Source(organisation=org, kind="feed", url=u) for u in urls])
    stage_dir = Path(data_dir) / "stages"
    stage_dir.mkdir()
    os.environ["BENCH_STAGE_DIR"] = str(stage_dir)
    stages.install_kaiku_main()
    # The pipeline's own pool, with an initializer that also times the workers' stages.
    pipeline.parse_processes = lambda count: ProcessPoolExecutor(
        count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=stages.worker_init,
        initargs=(pipeline.PARSE_NICENESS,),
    )
    rss_before = peak_mb()
    cpu_before = _cpu(resource.RUSAGE_SELF)
    children_before = _cpu(resource.RUSAGE_CHILDREN)  # the migrating process
    started = time.perf_counter()
    processes = int(os.environ.get("BENCH_PROCESSES", "0")) or None
    with ChildPeaks() as children:
        summary = run_once(workers=workers, processes=processes)
    elapsed = time.perf_counter() - started
    cpu_main = _cpu(resource.RUSAGE_SELF) - cpu_before
    cpu_children = _cpu(resource.RUSAGE_CHILDREN) - children_before
    return {
        "items": Item.objects.count(),
        "new": summary.new,
        "errors": len(summary.errors),
        "seconds": elapsed,
        "peak_mb": peak_mb(),
        "children_mb": children.total_mb,
        "largest_child_mb": children.largest_mb,
        "child_processes": len([kb for kb in children.peaks.values() if kb]),
        "cpu_main": cpu_main,
        "cpu_children": cpu_children,
        "cpu": cpu_main + cpu_children,
        "stages": stages.collect(str(stage_dir)),
        "baseline_mb": rss_before,
        "topic_links": Item.objects.filter(topic_links__isnull=False).distinct().count(),
    }


def run_reader(urls: list[str], workers: int, data_dir: str) -> dict[str, Any]:
    import logging

    from reader import make_reader

    from bench import stages

    logging.getLogger("reader").setLevel(logging.ERROR)
    reader = make_reader(str(Path(data_dir) / "reader.sqlite"))
    for url in urls:
        reader.add_feed(url)
    stages.install_reader()
    cpu_before = _cpu(resource.RUSAGE_SELF)
    started = time.perf_counter()
    reader.update_feeds(workers=workers)
    elapsed = time.perf_counter() - started
    cpu = _cpu(resource.RUSAGE_SELF) - cpu_before
    items = reader.get_entry_counts().total
    return {
        "items": items,
        "seconds": elapsed,
        "peak_mb": peak_mb(),
        "errors": 0,
        "cpu": cpu,
        "stages": stages.collect(data_dir),
    }


KAIKU_STAGES = (
    "fetch", "parse", "sanitise", "language", "lemmas", "topics", "stigma", "hand-over", "store",
)  # fmt: skip
READER_STAGES = ("fetch", "parse+sanitise", "store")


def per_item(run: dict[str, Any], names: tuple[str, ...]) -> dict[str, float]:
    """µs of CPU per item by stage, "other" for what no stage accounts for (threads, the
    process pool, Django, the interpreter), and "total" from getrusage."""
    items = max(run["items"], 1)
    out = {name: run["stages"].get(name, 0.0) * 1e6 / items for name in names}
    out["total"] = run["cpu"] * 1e6 / items
    out["other"] = out["total"] - sum(out[name] for name in names)
    return out


def stage_table(kaiku: dict[str, float], reader: dict[str, float] | None) -> str:
    lines = [f"        {'stage':<16}{'kaiku µs/item':>14}{'reader µs/item':>16}"]
    reader_of = {"parse": "parse+sanitise", "fetch": "fetch", "store": "store"}
    for name in [*KAIKU_STAGES, "other", "total"]:
        theirs = ""
        if reader is not None and name in (*reader_of, "other", "total"):
            theirs = f"{reader[reader_of.get(name, name)]:>16.0f}"
        lines.append(f"        {name:<16}{kaiku[name]:>14.0f}{theirs}")
    return "\n".join(lines)


def child(which: str, urls_file: str, workers: int) -> None:
    urls = json.loads(Path(urls_file).read_text())
    with tempfile.TemporaryDirectory(prefix=f"bench-{which}-") as data_dir:
        result = (run_kaiku if which == "kaiku" else run_reader)(urls, workers, data_dir)
    print("RESULT " + json.dumps(result))


def spawn(which: str, urls_file: str, workers: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            which,
            "--urls",
            urls_file,
            "--workers",
            str(workers),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return result_of(which, out.stdout, out.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--workers", type=int, default=24)
    parser.add_argument("--reader-workers", type=int, default=16)
    parser.add_argument("--skip-reader", action="store_true")
    parser.add_argument("--reader-only", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate Kaiku and reader runs this many times"
    )
    parser.add_argument("--child")
    parser.add_argument("--urls")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.urls, args.workers)
        return

    rng = random.Random(20240305)
    started = time.perf_counter()
    server, urls = serve_feeds(rng, args.feeds, args.items)
    total_bytes = sum(len(r.body) for r in server.routes.values())
    print(
        f"generated {args.feeds} feeds x {args.items} items "
        f"({total_bytes / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s; "
        f"{os.cpu_count()} CPUs"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(urls, handle)
    try:
        if args.reader_only:
            read = spawn("reader", handle.name, args.reader_workers)
            print(
                f"reader: {int(read['items'])} items in {read['seconds']:.2f} s = "
                f"{read['items'] / read['seconds']:,.0f} items/s; peak {read['peak_mb']:.0f} MB"
            )
            return
        rounds: list[dict[str, Any]] = []
        for round_no in range(args.repeat):
            if args.repeat > 1:
                print(f"-- round {round_no + 1} of {args.repeat}")
            kaiku = spawn("kaiku", handle.name, args.workers)
            k_rate = kaiku["items"] / kaiku["seconds"]
            total_mb = kaiku["peak_mb"] + kaiku["children_mb"]
            print(
                f"kaiku:  {int(kaiku['items'])} items in {kaiku['seconds']:.2f} s = "
                f"{k_rate:,.0f} items/s; errors {int(kaiku['errors'])}; "
                f"items with a topic {int(kaiku['topic_links'])}\n"
                f"        peak RSS {total_mb:.0f} MB in total = "
                f"main {kaiku['peak_mb']:.0f} MB (before ingest {kaiku['baseline_mb']:.0f} MB) + "
                f"{int(kaiku['child_processes'])} child processes {kaiku['children_mb']:.0f} MB "
                f"(largest {kaiku['largest_child_mb']:.0f} MB)\n"
                f"        CPU main {kaiku['cpu_main']:.1f} s, child processes "
                f"{kaiku['cpu_children']:.1f} s"
            )
            k_stages = per_item(kaiku, KAIKU_STAGES)
            if args.skip_reader:
                print(stage_table(k_stages, None))
                continue
            read = spawn("reader", handle.name, args.reader_workers)
            r_rate = read["items"] / read["seconds"]
            r_stages = per_item(read, READER_STAGES)
            print(
                f"reader: {int(read['items'])} items in {read['seconds']:.2f} s = "
                f"{r_rate:,.0f} items/s; peak RSS {read['peak_mb']:.0f} MB "
                f"(workers={args.reader_workers}); CPU {read['cpu']:.1f} s"
            )
            print(stage_table(k_stages, r_stages))
            print(
                f"ratio:  kaiku / reader = {k_rate / r_rate:.1f}x in items/s, "
                f"{r_stages['total'] / k_stages['total']:.1f}x in CPU per item "
                "(target >= 5x, ambition 10x; < 200 µs CPU per item; peak < 200 MB)"
            )
            rounds.append(
                {"kaiku": k_rate, "reader": r_rate, "mb": total_mb, "k": k_stages, "r": r_stages}
            )
        if len(rounds) > 1:
            ratios = sorted(r["kaiku"] / r["reader"] for r in rounds)
            cpu_ratios = sorted(r["r"]["total"] / r["k"]["total"] for r in rounds)
            median_k = {n: statistics.median(r["k"][n] for r in rounds) for n in rounds[0]["k"]}
            median_r = {n: statistics.median(r["r"][n] for r in rounds) for n in rounds[0]["r"]}
            print(f"== medians over {len(rounds)} rounds")
            print(stage_table(median_k, median_r))
            print(
                f"ratio in items/s median {statistics.median(ratios):.1f}x "
                f"(min {ratios[0]:.1f}x, max {ratios[-1]:.1f}x); in CPU per item median "
                f"{statistics.median(cpu_ratios):.1f}x (min {cpu_ratios[0]:.1f}x, "
                f"max {cpu_ratios[-1]:.1f}x)\n"
                f"kaiku median {statistics.median(r['kaiku'] for r in rounds):,.0f} items/s, "
                f"reader median {statistics.median(r['reader'] for r in rounds):,.0f} items/s; "
                f"peak RSS at most {max(r['mb'] for r in rounds):.0f} MB in total"
            )
    finally:
        Path(handle.name).unlink()
        server.stop()


if __name__ == "__main__":
    main()
