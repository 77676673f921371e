"""Start ``kaiku`` processes against a database that the test can share with them.

On PostgreSQL that is pytest-django's test database (the test must be transactional so that
what it writes is committed and visible); on SQLite a migrated file database in the test's
temporary folder (the test database itself lives in memory, out of other processes' reach).
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]


def database_url(settings_dict: dict[str, Any]) -> str:
    """A postgres:// URL for the database a Django connection uses (the test database)."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(str(settings_dict['NAME']), safe='')}"


def base_env(data_dir: Path, database: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KAIKU_PUBLIC_URL"}}
    env.update(
        {
            "KAIKU_TESTING": "1",
            "KAIKU_DATA_DIR": str(data_dir),
            "KAIKU_EXTRA_JOB_MODULES": "tests.jobs.handlers",
            "KAIKU_WORKER_POLL_SECONDS": "1",
            "KAIKU_LOG_LEVEL": "INFO",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if database is not None:
        env["DATABASE_URL"] = database
    env.update(extra)
    return env


class Proc:
    """A running process whose output lines are collected by a thread, to wait on."""

    def __init__(self, args: list[str], env: dict[str, str], stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        self._stderr = stderr_path.open("w")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait_for_line(self, text: str, timeout: float = 30) -> str:
        """The first output line containing ``text``; fails after ``timeout`` seconds."""
        for seen in self.lines:
            if text in seen:
                return seen
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in {self.lines!r}; stderr:\n{self.stderr()}")

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text()

    def signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.popen.wait(timeout)
        finally:
            self._stderr.close()

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)
        self._stderr.close()


class Procs:
    """Processes sharing one database and one run log, stopped when the test ends."""

    def __init__(self, tmp: Path, database: str | None, **extra_env: str) -> None:
        self.tmp = tmp
        self.data_dir = tmp / "data"
        self.data_dir.mkdir(exist_ok=True)
        # Processes starting together would each generate the keys of a fresh data folder, and
        # kaiku.conf.generated_secret lets a reader see the file before its writer has filled it.
        for key_file in ("secret_key", "encryption_key"):
            path = self.data_dir / key_file
            if not path.exists():
                path.write_text(secrets.token_urlsafe(48) + "\n")
                path.chmod(0o600)
        self.log = tmp / "runs.log"
        self.env = base_env(self.data_dir, database, **extra_env)
        self.started: list[Proc] = []

    def kaiku(self, *args: str, name: str = "kaiku") -> Proc:
        index = len(self.started)
        proc = Proc(
            [sys.executable, "-m", "kaiku", *args],
            self.env,
            self.tmp / f"{name}-{index}.stderr",
        )
        self.started.append(proc)
        return proc

    def run_kaiku(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kaiku", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def ctl(self, *args: str, timeout: float = 60) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "tests.jobs.ctl", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    def enqueue(self, kind: str, count: int, **payload: Any) -> None:
        self.ctl("enqueue", kind, str(count), json.dumps({"log": str(self.log), **payload}))

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.popen.poll() is None:
                proc.signal(signal.SIGKILL)
            proc.kill()
