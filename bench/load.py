"""Load bench: many people at once on a large organisation's data, against a real server.

    .venv/bin/python bench/load.py [--clients 20] [--seconds 60] [--think 0]
        [--server gunicorn|waitress] [--workers 2] [--threads 2] [--burst 1000]
        [--template DIR] [--small]

Builds the data set of bench/dataset.py (or copies a data folder built before: --template,
SQLite only), starts the server: ``kaiku serve --workers W --threads T`` (gunicorn, the
worker as its own process), or for comparison waitress with ``--threads`` threads and a
separate ``kaiku worker``. With DATABASE_URL (PostgreSQL) a fresh database, two
``kaiku serve --no-worker`` processes (``--workers`` each) and one ``kaiku worker``; the
clients are spread over the two.

Each client is a member who signs in through the login form (session and CSRF cookie) and
then, closed-loop (or with ``--think`` seconds of exponential think time between pages), asks
for a realistic mix: dashboard, watch digest (plain, filtered, searched), posts list,
calendar, compose and a live check POST, a post's detail, the public feed and its Atom, the
REST API (watch items, one post). A quarter of the clients belong to the 50 small
organisations, the rest to the big one. ``--burst N`` makes N posts fall due at once on the
big organisation's own feed a third into the run; their lateness (published_at - due) is
printed once all are out, with where it went: due -> the engine's claim (first_attempt_at),
claim -> the answer, due -> the job's end, and how long before its due time the burst was
queued (the worker sleeps until the next job is due, so a burst queued in time waits for no
poll).

Prints per page p50/p95/p99 (ms), requests per second, processor time per request of the
server's processes (from /proc: web processes and worker; the database server's own time on
PostgreSQL is not counted), and the small organisations' p95 apart from the big one's.
The machine's load average is printed too: on a shared machine, compare CPU per request
rather than wall-clock figures.

Measured 2026-12-07 02:35-03:05 UTC, one run at a time, on the 2-core machine shared with
six other sessions (load average 9-16 from them in most runs: the wall-clock figures are
several times what an idle machine gives), full data set, SQLite, 20 clients, 60 s each, gunicorn
``--workers 2 --threads 2`` against waitress ``--threads 2`` + ``kaiku worker``:

- 20 clients closed-loop, 45 s, in a quieter moment (load average 5.5): gunicorn 18.7
  requests/s, p50 725 ms, p95 2.8 s, small organisations p50 434 ms, p95 2.1 s, web CPU
  55.9 ms per request; waitress 14.2 requests/s, p50 1,328 ms, p95 2.6 s, small
  organisations p50 1,320 ms, p95 2.4 s, 61.1 ms per request.
- 20 clients, think time 3 s: gunicorn 5.1 requests/s, p50 443 ms, p95 3.7 s, small
  organisations p50 196 ms; waitress 4.2 requests/s, p50 1,689 ms, p95 5.7 s, small p50
  1,456 ms. Web CPU per request 70 and 69 ms.
- 20 clients closed-loop with a 1,000-post burst: gunicorn 4.8 requests/s, p50 2.4 s,
  p95 13.2 s, small organisations p50 1.4 s; waitress 4.5 requests/s, p50 3.2 s, p95 10.2 s,
  small p50 3.3 s. Web CPU per request 77 and 82 ms. The burst: 1000/1000 published, each
  once, lateness p50/p99 8.2/12.2 s (gunicorn: two web processes take both cores from the
  worker) and 4.7/7.5 s (waitress).
- PostgreSQL 15 (scripts/with-postgres.sh, load average 4.3), two ``kaiku serve
  --no-worker --workers 1 --threads 2`` and one ``kaiku worker``, 20 clients closed-loop,
  45 s, 1,000-post burst: 18.4 requests/s, p50 803 ms, p95 3.0 s, small organisations p50
  789 ms, p95 2.5 s, web CPU 61.7 ms per request (PostgreSQL's own not counted); the burst
  1000/1000 published once each, lateness p50 2.1 s, p99 3.9 s. Data set built in 57 s.
- With 2 clients and think time (little load from the bench), the burst's lateness was
  p50 2.6 s, p99 3.8 s.

The burst after issue 17's publishing work (branch ``burst``: web processes at nice 10
against the worker, the own feed's batch in one write and one wave, growing batches, the
URL configuration loaded while idle), measured 2026-12-07 05:15-06:00 UTC, 20 clients
closed-loop, 45 s, full data set, each line a run of main (e740d5d) and one of the branch
back to back (load average from the other sessions in brackets):

- SQLite, ``kaiku serve --workers 2 --threads 2``: main p50 4.80 s, p95 7.89 s, p99 8.31 s,
  20.3 requests/s (4.8-7.8); branch p50 0.57 s, p95 0.87 s, p99 0.87 s, 18.4 requests/s
  (7.8-8.0). The branch with KAIKU_WEB_NICE=0 right after: p99 2.45 s, 26.3 requests/s (8.0).
  An earlier main run (2.7-5.2): p50 7.48 s, p99 11.98 s, the worker given 1.7 s of
  processor time in the 45 s.
- PostgreSQL, two ``kaiku serve --no-worker --workers 2 --threads 2`` and ``kaiku worker``:
  main p50 18.50 s, p99 19.70 s, 22.2 requests/s (5.9-8.5), then the branch p50 1.20 s,
  p95 2.15 s, p99 2.18 s, 29.7 requests/s (8.5-7.0); again the branch p50 1.38 s, p95
  1.98 s, p99 1.98 s, 19.1 requests/s (7.5-10.4), then main p50 15.89 s, p99 19.99 s,
  27.0 requests/s (10.4-8.6). Requests per second: 24.4 against 24.6 on average, within
  the noise of this machine.
- Without load (``--clients 1 --think 30``, SQLite, 5.0-7.9): main p50 1.09 s, p99 1.64 s,
  worker 3.4 s of processor time; branch p50 0.32 s, p99 0.56 s, worker 0.9 s.
- Every burst: 1000/1000 published, each exactly once.

The pages themselves cost 70-80 ms of CPU on average (the calendar and the posts list the
most; issue 17 items 1 and 2), so two cores top out near 25 requests/s whatever the server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
POST_LINK = re.compile(r"/posts/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/")
ACCOUNT_BOX = re.compile(r'name="accounts"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="accounts"')
CHECK_TEXT = (
    "Tervetuloa vertaistukiryhmään torstaina klo 17! Puhumme päihteistä ja toipumisesta "
    "turvallisessa seurassa. #vertaistuki"
)

# page name -> weight in the mix
MIX = {
    "dashboard": 14,
    "digest": 10,
    "digest_filter": 5,
    "digest_search": 5,
    "posts": 10,
    "calendar": 8,
    "compose": 5,
    "check": 8,
    "detail": 10,
    "feed": 6,
    "atom": 6,
    "api_items": 5,
    "api_post": 3,
}

# pages a role may not use (kaiku.organisations.roles): a realistic mix asks for none of them,
# so that every answer counted is a page served, not a refusal
NOT_FOR_ROLE = {
    "reviewer": frozenset({"compose"}),
    "viewer": frozenset({"compose", "check"}),
}

BURST = r"""
import json, sys
from datetime import timedelta
import django; django.setup()
from django.utils import timezone
from kaiku.connections.models import ChannelAccount
from kaiku.jobs.models import Job
from kaiku.posts import gate
from kaiku.posts.models import Post
from kaiku.publishing import engine
from kaiku.publishing.models import Delivery
n, slug = int(sys.argv[1]), sys.argv[2]
feed = ChannelAccount.objects.get(organisation__slug=slug, platform="feed")
due = timezone.now() + timedelta(seconds=5)
posts = Post.objects.bulk_create(
    [Post(organisation=feed.organisation, text=f"Purske {i}: kevätjuhla", state="scheduled",
          scheduled_at=due) for i in range(n)], batch_size=500)
rows = Delivery.objects.bulk_create(
    [Delivery(post=p, account=feed, state="scheduled", due_at=due, parts=[p.text],
              gate_stamp=gate.stamp_of([p.text])) for p in posts], batch_size=500)
Job.objects.bulk_create(
    [Job(kind=engine.PUBLISH_JOB, payload={"delivery": d.pk}, run_at=due,
         unique_key=f"publish:{d.pk}", max_attempts=50) for d in rows], batch_size=500)
print(json.dumps({"ids": [d.pk for d in rows],
                  "ahead": (due - timezone.now()).total_seconds()}))
"""

BURST_REPORT = r"""
import json, sys
import django; django.setup()
from kaiku.publishing.models import Delivery
from kaiku.site.models import FeedEntry
ids = json.loads(sys.stdin.read())
from kaiku.jobs.models import Job
rows = list(Delivery.objects.filter(pk__in=ids).values_list("state", "due_at", "published_at",
                                                             "first_attempt_at"))
late = [(p - d).total_seconds() for s, d, p, _c in rows if s == "published"]
# Where the lateness goes: due -> the engine's claim (first_attempt_at) -> the answer.
claim = [(c - d).total_seconds() for s, d, p, c in rows if s == "published" and c]
send = [(p - c).total_seconds() for s, d, p, c in rows if s == "published" and c]
done = list(Job.objects.filter(unique_key__in=[f"publish:{i}" for i in ids], state="done")
            .values_list("run_at", "finished_at"))
job_done = [(f - r).total_seconds() for r, f in done if f]
texts = list(FeedEntry.objects.filter(text__startswith="Purske ").values_list("text", flat=True))
print(json.dumps({"published": len(late), "late": late, "claim": claim, "send": send,
                  "job_done": job_done, "entries": len(texts),
                  "distinct": len(set(texts)), "total": len(rows)}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- processes ---------------------------------------------------------------------------


def _ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def descendants(roots: list[int]) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children[ppid].append(int(entry.name))
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    return sum(_ticks(pid) for pid in pids) / os.sysconf("SC_CLK_TCK")


def is_job_worker(pid: int) -> bool:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return words[1:4] == [b"-m", b"kaiku", b"worker"]


@dataclass
class Servers:
    urls: list[str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        return descendants([p.pid for p in self.procs])

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                proc.kill()


def _kaiku(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kaiku", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def start_servers(args: argparse.Namespace, env: dict[str, str], work: Path) -> Servers:
    log = work / "server.log"
    threads = str(args.threads)
    if args.server == "waitress":
        port = free_port()
        servers = Servers([f"http://127.0.0.1:{port}"])
        run = subprocess.run(
            [sys.executable, "-m", "kaiku", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        del run
        servers.procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "waitress",
                    f"--listen=127.0.0.1:{port}",
                    f"--threads={threads}",
                    "kaiku.wsgi:application",
                ],
                cwd=ROOT,
                env=env,
                stdout=log.open("ab"),
                stderr=subprocess.STDOUT,
            )
        )
        servers.procs.append(_kaiku(env, "worker", log=log))
        return servers
    if "DATABASE_URL" in env:
        ports = [free_port(), free_port()]
        servers = Servers([f"http://127.0.0.1:{p}" for p in ports])
        for port in ports:
            servers.procs.append(
                _kaiku(
                    env,
                    "serve",
                    "--no-worker",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.workers),
                    "--threads",
                    threads,
                    "--access-log",
                    "none",
                    log=log,
                )
            )
        servers.procs.append(_kaiku(env, "worker", log=log))
        return servers
    port = free_port()
    servers = Servers([f"http://127.0.0.1:{port}"])
    servers.procs.append(
        _kaiku(
            env,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--threads",
            threads,
            "--access-log",
            "none",
            log=log,
        )
    )
    return servers


def wait_healthy(servers: Servers, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    for url in servers.urls:
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url + "/health", timeout=10).status_code == 200:
                    break
            if time.monotonic() > deadline or any(p.poll() is not None for p in servers.procs):
                raise SystemExit("the server did not become healthy: see server.log")
            time.sleep(0.5)


# --- clients -----------------------------------------------------------------------------


@dataclass
class Person:
    slug: str
    username: str
    token: str
    big: bool
    role: str = "admin"
    client: httpx.Client = field(init=False)
    posts: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)

    def sign_in(self, base_url: str, password: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=120)
        page = self.client.get("/accounts/login/")
        found = CSRF_INPUT.search(page.text)
        if not found:
            raise SystemExit(f"no login form: {page.status_code}")
        answer = self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": found.group(1),
                "username": self.username,
                "password": password,
            },
            headers={"Referer": base_url + "/accounts/login/"},
        )
        if answer.status_code != 302:
            raise SystemExit(f"{self.username} could not sign in: {answer.status_code}")
        self.posts = list(dict.fromkeys(POST_LINK.findall(self.get("posts").text)))[:50]
        if "compose" not in NOT_FOR_ROLE.get(self.role, frozenset()):
            compose = self.get("compose").text
            self.accounts = [a or b for a, b in ACCOUNT_BOX.findall(compose)]

    def get(self, page: str, rng: random.Random | None = None) -> httpx.Response:
        rng = rng or random.Random(0)
        org = f"/o/{self.slug}"
        auth = {"Authorization": f"Bearer {self.token}"}
        if page == "dashboard":
            return self.client.get(f"{org}/")
        if page == "digest":
            return self.client.get(f"{org}/watch/", params={"page": rng.choice([1, 1, 2, 3])})
        if page == "digest_filter":
            return self.client.get(
                f"{org}/watch/",
                params={"platform": rng.choice(["mastodon", "bluesky", "feed"]), "language": "fi"},
            )
        if page == "digest_search":
            return self.client.get(
                f"{org}/watch/", params={"q": rng.choice(["mielenterveys", "päihde", "kahvila"])}
            )
        if page == "posts":
            return self.client.get(f"{org}/posts/")
        if page == "calendar":
            return self.client.get(f"{org}/calendar/")
        if page == "compose":
            return self.client.get(f"{org}/posts/new/")
        if page == "check":
            return self.client.post(
                f"{org}/check/partial/",
                data={"text": CHECK_TEXT, "accounts": self.accounts[:2]},
                headers={
                    "X-CSRFToken": self.client.cookies.get("csrftoken") or "",
                    "HX-Request": "true",
                    "Referer": str(self.client.base_url) + f"{org}/posts/new/",
                },
            )
        if page == "detail":
            if not self.posts:
                return self.client.get(f"{org}/posts/")
            return self.client.get(f"{org}/posts/{rng.choice(self.posts)}/")
        if page == "feed":
            return self.client.get(f"/f/{self.slug}/")
        if page == "atom":
            return self.client.get(f"/f/{self.slug}/atom.xml")
        if page == "api_items":
            return self.client.get(f"/api/v1/organisations/{self.slug}/watch/items", headers=auth)
        if page == "api_post":
            post = rng.choice(self.posts) if self.posts else "00000000-0000-0000-0000-000000000000"
            return self.client.get(f"/api/v1/organisations/{self.slug}/posts/{post}", headers=auth)
        raise ValueError(page)


@dataclass
class Sample:
    page: str
    big: bool
    ms: float
    status: int


def run_clients(
    people: list[Person], seconds: float, think: float, on_third: Callable[[], None] | None
) -> tuple[list[Sample], float]:
    samples: list[Sample] = []
    lock = threading.Lock()
    stop = threading.Event()

    def loop(index: int, person: Person) -> None:
        rng = random.Random(index)
        refused = NOT_FOR_ROLE.get(person.role, frozenset())
        pages = [page for page in MIX if page not in refused]
        weights = [MIX[page] for page in pages]
        while not stop.is_set():
            page = rng.choices(pages, weights)[0]
            started = time.perf_counter()
            try:
                status = person.get(page, rng).status_code
            except httpx.HTTPError:
                status = 0
            ms = (time.perf_counter() - started) * 1000
            with lock:
                samples.append(Sample(page, person.big, ms, status))
            if think:
                stop.wait(rng.expovariate(1 / think))

    threads = [
        threading.Thread(target=loop, args=(i, p), daemon=True) for i, p in enumerate(people)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    if on_third is not None:
        stop.wait(seconds / 3)
        on_third()
    stop.wait(max(0.0, seconds - (time.monotonic() - started)))
    stop.set()
    for thread in threads:
        thread.join(130)
    return samples, time.monotonic() - started


# --- data --------------------------------------------------------------------------------


def _python(env: dict[str, str], code: str, *args: str, stdin: str = "") -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _fresh_postgres(base_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + "/" + name


@contextlib.contextmanager
def environment(args: argparse.Namespace) -> Iterator[tuple[dict[str, str], Path]]:
    work = Path(tempfile.mkdtemp(prefix="kaiku-load-"))
    env = {k: v for k, v in os.environ.items() if k not in {"KAIKU_TESTING", "KAIKU_PUBLIC_URL"}}
    env.update(
        {
            "KAIKU_DATA_DIR": str(work / "data"),
            "DJANGO_SETTINGS_MODULE": "kaiku.settings",
            "PYTHONPATH": str(ROOT),
            "KAIKU_LOG_LEVEL": "WARNING",
        }
    )
    if args.template and "DATABASE_URL" not in env:
        shutil.copytree(Path(args.template), work / "data")
    if "DATABASE_URL" in env:
        env["DATABASE_URL"] = _fresh_postgres(env["DATABASE_URL"], "kaiku_load_bench")
    try:
        yield env, work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def dataset(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    summary = Path(env["KAIKU_DATA_DIR"]) / "load-summary.json"
    if summary.exists():
        found: dict[str, Any] = json.loads(summary.read_text())
        return found
    command = [sys.executable, "-m", "bench.dataset", *(["--small"] if args.small else [])]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(done.stderr)
    summary.write_text(done.stdout.strip().splitlines()[-1])
    built: dict[str, Any] = json.loads(summary.read_text())
    print(f"data set built in {built['seconds']} s")
    return built


# --- the run -----------------------------------------------------------------------------


def people_for(data: dict[str, Any], clients: int, urls: list[str]) -> list[Person]:
    small_clients = max(1, clients // 4)
    chosen = [data["big"][i % len(data["big"])] for i in range(clients - small_clients)]
    big_count = len(chosen)
    chosen += [data["small"][i % len(data["small"])] for i in range(small_clients)]
    people = [
        Person(m["slug"], m["username"], m["token"], big=i < big_count, role=m["role"])
        for i, m in enumerate(chosen)
    ]
    for i, person in enumerate(people):
        person.sign_in(urls[i % len(urls)], data["password"])
    return people


def report(samples: list[Sample], elapsed: float | None, cpu: float, label: str) -> None:
    by_page: dict[str, list[float]] = defaultdict(list)
    for sample in samples:
        by_page[sample.page].append(sample.ms)
    errors = [s for s in samples if s.status == 0 or s.status >= 400]
    print(f"\n== {label}")
    print(f"{'page':<15}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}  (ms)")
    for page in MIX:
        values = by_page.get(page, [])
        print(
            f"{page:<15}{len(values):>6}{percentile(values, 0.5):>9.0f}"
            f"{percentile(values, 0.95):>9.0f}{percentile(values, 0.99):>9.0f}"
        )
    every = [s.ms for s in samples]
    big = [s.ms for s in samples if s.big]
    small = [s.ms for s in samples if not s.big]
    print(
        f"{'all':<15}{len(every):>6}{percentile(every, 0.5):>9.0f}"
        f"{percentile(every, 0.95):>9.0f}{percentile(every, 0.99):>9.0f}"
    )
    print(
        f"big organisation:    p50 {percentile(big, 0.5):.0f} ms, p95 {percentile(big, 0.95):.0f}"
    )
    print(
        f"small organisations: p50 {percentile(small, 0.5):.0f} ms, "
        f"p95 {percentile(small, 0.95):.0f} ms"
    )
    kinds = sorted({(s.page, s.status) for s in errors})
    print(f"errors: {len(errors)} {kinds if errors else ''}")
    if elapsed is None:
        return
    rate = len(samples) / elapsed
    per_request = cpu / len(samples) * 1000 if samples else float("nan")
    print(f"{rate:.1f} requests/s over {elapsed:.0f} s; web CPU {per_request:.1f} ms/request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=0.0, help="mean think time (s)")
    parser.add_argument("--server", choices=["gunicorn", "waitress"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--burst", type=int, default=0, help="posts falling due at once")
    parser.add_argument("--template", help="a data folder built before (SQLite)")
    parser.add_argument("--small", action="store_true", help="a tenth of the data set")
    parser.add_argument("--alone", action="store_true", help="also each page alone first")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    with environment(args) as (env, work):
        data = dataset(args, env)
        servers = start_servers(args, env, work)
        try:
            wait_healthy(servers)
            people = people_for(data, args.clients, servers.urls)
            if args.alone:
                solo = people[0]
                rng = random.Random(1)
                alone: list[Sample] = []
                for page in MIX:
                    for _ in range(20):
                        started = time.perf_counter()
                        status = solo.get(page, rng).status_code
                        alone.append(
                            Sample(page, True, (time.perf_counter() - started) * 1000, status)
                        )
                report(alone, None, 0, "each page alone (big organisation, one client)")
            # Warm-up: every page once for a big and a small organisation's person.
            for person in (people[0], people[-1]):
                for page in MIX:
                    person.get(page)
            burst: dict[str, Any] = {}

            def start_burst() -> None:
                made = time.monotonic()
                burst.update(_python(env, BURST, str(args.burst), data["big"][0]["slug"]))
                burst["at"] = time.monotonic()
                burst["made"] = burst["at"] - made

            pids = servers.pids
            web = [pid for pid in pids if not is_job_worker(pid)]
            jobs = [pid for pid in pids if is_job_worker(pid)]
            cpu_before, jobs_before = cpu_seconds(web), cpu_seconds(jobs)
            samples, elapsed = run_clients(
                people, args.seconds, args.think, start_burst if args.burst else None
            )
            cpu = cpu_seconds(web) - cpu_before
            jobs_cpu = cpu_seconds(jobs) - jobs_before
            shape = (
                f"1 process x {args.threads} threads"
                if args.server == "waitress"
                else f"{len(servers.urls)} x {args.workers} processes x {args.threads} threads"
            )
            label = (
                f"{args.server}, {shape}, {args.clients} clients, think {args.think} s, "
                f"{'PostgreSQL' if 'DATABASE_URL' in env else 'SQLite'}"
            )
            report(samples, elapsed, cpu, label)
            print(f"job worker CPU during the run: {jobs_cpu:.1f} s")
            if args.burst:
                deadline = time.monotonic() + 300
                while True:
                    out = _python(env, BURST_REPORT, stdin=json.dumps(burst["ids"]))
                    if out["published"] == out["total"] or time.monotonic() > deadline:
                        break
                    time.sleep(2)
                late = out["late"]
                once = out["entries"] == out["distinct"] == out["total"]
                print(
                    f"burst: {out['published']}/{out['total']} published, "
                    f"{out['entries']} feed entries (each exactly once: {once}), lateness "
                    f"p50 {percentile(late, 0.5):.2f} s, p95 {percentile(late, 0.95):.2f} s, "
                    f"p99 {percentile(late, 0.99):.2f} s"
                )
                for name, key in (
                    ("due to claim", "claim"),
                    ("claim to answer", "send"),
                    ("due to job done", "job_done"),
                ):
                    values = out[key]
                    print(
                        f"  {name}: p50 {percentile(values, 0.5):.2f} s, "
                        f"p95 {percentile(values, 0.95):.2f} s, "
                        f"p99 {percentile(values, 0.99):.2f} s"
                    )
                made, ahead = burst["made"], burst["ahead"]
                print(f"  burst made in {made:.2f} s ({ahead:.1f} s ahead of its due time)")
        finally:
            servers.stop()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
