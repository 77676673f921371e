"""``kaiku serve`` and the demo organisation it creates."""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from kaiku.accounts.models import User
from kaiku.core.demo import create_demo
from kaiku.organisations.models import Membership
from tests.jobs.handlers import read_log
from tests.jobs.procs import Procs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.slow
def test_serve_prints_its_url_and_the_demo_login_and_reports_healthy(procs: Procs) -> None:
    port = _free_port()
    server = procs.kaiku("serve", "--port", str(port), "--demo", "--threads", "2", name="serve")
    url = f"http://127.0.0.1:{port}/"
    assert server.wait_for_line("Kaiku: ", timeout=60) == f"Kaiku: {url}"
    login = server.wait_for_line(" demo ")  # "Log in as demo with the password …"
    password = login.split()[-1]
    assert procs.ctl("check-password", "demo", password)["ok"], login

    deadline = time.monotonic() + 30
    status, body = 0, b""
    while time.monotonic() < deadline:
        try:
            status, body = _get(url + "health")
        except OSError:
            status = 0
        if status == 200:
            break
        time.sleep(0.2)
    assert status == 200, (status, body, server.stderr())
    health = json.loads(body)
    assert health["worker"]["workers_alive"] == 1

    server.signal(signal.SIGTERM)
    assert server.wait(30) == 0, server.stderr()
    assert procs.ctl("dump")["heartbeats"] == []  # the worker thread stopped cleanly


def _wait_health(url: str, server: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    status, body = 0, b""
    while time.monotonic() < deadline:
        try:
            status, body = _get(url + "health")
        except OSError:
            status = 0
        if status in {200, 503} and body.startswith(b"{"):
            break
        time.sleep(0.2)
    assert status in {200, 503}, (status, body, server.stderr())
    health: dict[str, Any] = json.loads(body)
    return health


@pytest.mark.slow
def test_serve_no_worker_runs_no_job_while_a_separate_worker_runs_them(procs: Procs) -> None:
    port = _free_port()
    server = procs.kaiku("serve", "--port", str(port), "--no-worker", "--threads", "2")
    url = f"http://127.0.0.1:{port}/"
    assert server.wait_for_line("Kaiku: ", timeout=60) == f"Kaiku: {url}"
    server.wait_for_line("kaiku worker")  # it says who runs the jobs
    procs.enqueue("test.record", 3)
    time.sleep(3)  # three polls of a worker, had it one
    state = procs.ctl("dump")
    ours = [job["state"] for job in state["jobs"] if job["kind"] == "test.record"]
    assert ours == ["due"] * 3  # (the demo organisation queues jobs of its own, also due)
    assert {job["state"] for job in state["jobs"]} == {"due"}
    assert state["heartbeats"] == []
    assert read_log(procs.log) == []
    assert _wait_health(url, server)["worker"]["workers_alive"] == 0

    worker = procs.kaiku("worker", name="worker")
    worker.wait_for_line(f":{worker.pid}:")
    deadline = time.monotonic() + 30
    while [e for e, _n, _pid in read_log(procs.log)].count("done") < 3:
        assert time.monotonic() < deadline, worker.stderr()
        time.sleep(0.1)
    assert {pid for _event, _n, pid in read_log(procs.log)} == {worker.pid}
    assert _wait_health(url, server)["worker"]["workers_alive"] == 1

    server.signal(signal.SIGTERM)
    assert server.wait(30) == 0, server.stderr()
    worker.signal(signal.SIGTERM)
    assert worker.wait(30) == 0, worker.stderr()


@pytest.mark.django_db
def test_create_demo_is_idempotent_and_gives_a_new_password_each_time() -> None:
    org, username, password = create_demo()
    again, username_again, new_password = create_demo()
    assert again.pk == org.pk
    assert username == username_again == "demo"
    assert new_password != password
    admin = User.objects.get(username="demo")
    assert admin.check_password(new_password)
    assert not admin.check_password(password)
    roles = dict(Membership.objects.filter(organisation=org).values_list("user__username", "role"))
    assert roles == {"demo": "admin", "aino.demo": "editor", "eero.demo": "reviewer"}
    assert all(user.language == "fi" for user in User.objects.all())
    assert not User.objects.get(username="aino.demo").has_usable_password()


@pytest.mark.django_db
def test_the_demo_organisation_has_the_watchs_default_topics_once() -> None:
    from kaiku.watch.features.topics import SEED_TOPICS
    from kaiku.watch.models import Topic

    org, _username, _password = create_demo()
    create_demo()
    names = sorted(Topic.objects.filter(organisation=org).values_list("name", flat=True))
    assert names == sorted(name for name, _keywords in SEED_TOPICS)


def test_the_demo_logs_requests_to_a_file_and_a_server_to_standard_error(
    settings: Any, tmp_path: Any
) -> None:
    # `make run` is `kaiku serve --demo`: its terminal shows the address and the login, not a
    # line per request; a production server logs to standard error unless told otherwise.
    from kaiku.core.management.commands.serve import access_log

    settings.DATA_DIR = tmp_path
    assert access_log({"demo": True, "access_log": None}) == str(tmp_path / "access.log")
    assert access_log({"demo": False, "access_log": None}) == "-"
    assert access_log({"demo": True, "access_log": "none"}) == "none"
    assert access_log({"demo": False, "access_log": "/var/log/kaiku.log"}) == "/var/log/kaiku.log"


def test_the_demo_worker_writes_beside_the_data_and_a_server_worker_to_the_terminal(
    settings: Any, tmp_path: Any
) -> None:
    from kaiku.core.management.commands.serve import worker_log

    settings.DATA_DIR = tmp_path
    assert worker_log({"demo": True}) == tmp_path / "worker.log"
    assert worker_log({"demo": False}) is None
