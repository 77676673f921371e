"""No secret reaches a log line: everything logged (root logger at DEBUG, every library) while
connecting Facebook through the web page (the token exchange), publishing, and failing requests
against the local Meta server, searched for the canary secrets of that run."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.sessions.models import Session

from kaiku.channels.base import Account, ChannelError
from kaiku.channels.facebook.connector import FacebookConnector
from kaiku.channels.threads.connector import ThreadsConnector
from kaiku.connections.models import ChannelAccount
from kaiku.posts import services
from kaiku.publishing.models import Delivery
from tests.channels.meta.api import THREADS_USER_ID
from tests.channels.meta.server import MetaServer, start_server
from tests.posts.conftest import run_jobs, settle

pytestmark = pytest.mark.django_db

URL = "/o/toivon-polku/channels/"


@pytest.fixture
def meta(monkeypatch: pytest.MonkeyPatch) -> Iterator[MetaServer]:
    server = start_server()
    monkeypatch.setattr(FacebookConnector, "graph_url", server.graph_url)
    monkeypatch.setattr(FacebookConnector, "dialog_url", server.dialog_url)
    monkeypatch.setattr(FacebookConnector, "timeout", httpx.Timeout(5.0, read=2.0))
    yield server
    server.stop()


@pytest.fixture
def all_logs() -> Iterator[io.StringIO]:
    """Every record of every logger, formatted with tracebacks, as an operator's log gets it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "kaiku")}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(old_level)
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


def test_connecting_publishing_and_failing_log_no_token_secret_or_code(
    meta: MetaServer, client_for: Any, org: Any, members: Any, rf_request: Any,
    all_logs: io.StringIO,
) -> None:  # fmt: skip
    admin = client_for("admin")
    # The token exchange, through the channels page as a person connects.
    response = admin.post(
        URL + "facebook/connect/",
        {"facebook-app_id": meta.api.app_id, "facebook-app_secret": meta.api.app_secret},
    )
    assert response.status_code == 302, response.content[:300]
    # While the person is at Meta, the app secret waits in the session: never in clear.
    stored_sessions = " ".join(s.session_data for s in Session.objects.all())
    decoded = " ".join(str(s.get_decoded()) for s in Session.objects.all())
    assert meta.api.app_secret not in stored_sessions + decoded
    dialog = httpx.get(response["Location"], follow_redirects=False)
    callback = dialog.headers["location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    code = query["code"]
    done = admin.get(URL + "facebook/callback/", query)
    assert done.status_code == 302
    account = ChannelAccount.objects.get(organisation=org, platform="facebook")

    # A publish.
    post = services.save_draft(
        org, members["editor"], services.Draft(text="Syysretki lauantaina!", accounts=[account])
    )
    services.submit(post, rf_request)
    settle()
    assert Delivery.objects.get(post=post).state == Delivery.State.PUBLISHED

    # Failed requests: a publish with a token Meta has invalidated, and a Threads token
    # refresh (its token travels in the URL, as Meta's docs demand) that Meta refuses.
    meta.api.expire(account.credentials["access_token"])
    failing = services.save_draft(
        org, members["editor"], services.Draft(text="Toinen kutsu retkelle.", accounts=[account])
    )
    services.submit(failing, rf_request)
    run_jobs()
    assert Delivery.objects.get(post=failing).state != Delivery.State.PUBLISHED
    threads_token = meta.api.issue_threads_token()
    meta.api.expire(threads_token)
    threads = type(
        "LocalThreads",
        (ThreadsConnector,),
        {"graph_url": meta.threads_graph_url, "token_url": meta.base_url},
    )(
        Account(
            handle="@toivonpolku",
            base_url="https://www.threads.com/@toivonpolku",
            credentials={"access_token": threads_token},
            settings={"user_id": THREADS_USER_ID, "graph_url": meta.threads_graph_url},
        )
    )
    with pytest.raises(ChannelError):
        threads.refresh_credentials()
    logging.getLogger("kaiku.test").exception(
        "a failure quoting its URL", exc_info=RuntimeError(f"GET {callback} failed")
    )

    logged = all_logs.getvalue()
    canaries = {
        "app secret": meta.api.app_secret,
        "code": code,
        "app token": f"{meta.api.app_id}|{meta.api.app_secret}",
        **{f"token {t[:8]}": t for t in meta.api.tokens},
    }
    assert "HTTP Request: POST" in logged  # httpx's request lines were captured
    assert "[redacted]" in logged  # and some of them carried a secret, hidden
    leaked = [name for name, secret in canaries.items() if secret in logged]
    assert leaked == []
