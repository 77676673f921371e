"""The REST API keeps the contract its OpenAPI document states, checked by Schemathesis.

Schemathesis (an independent implementation of OpenAPI) reads /api/v1/openapi.json from a live
server, generates requests from it with every one of its checks and a fixed seed, and runs its
stateful phase, which follows the document's links: a post or source created is read back and
deleted. Every answer must be documented (status code, content type, schema), every error JSON.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kaiku.accounts.models import ApiToken
from tests.watch.server import FeedServer

SEED = 14
MAX_EXAMPLES = 15


def _config(tmp_path: Path, slug: str, channel: str, feed: str) -> Path:
    """The values Schemathesis cannot guess from the document: which organisation and channel
    exist. Everything else it generates."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f"""
[parameters]
slug = "{slug}"
organisation = "{slug}"
"body.organisation" = "{slug}"
"body.accounts" = ["{channel}"]
"body.value" = "{feed}"

# A schema-valid request can still be refused for what JSON Schema cannot say: a post with a
# time from the year 2000 to five years ahead and not in the past, a text that fits the chosen
# channel, a variant only for a chosen channel (422); a source whose address is not a feed (400).
# Every other check stays as Schemathesis has it.
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "422"]
"""
    )
    return config


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_the_api_keeps_its_document(
    live_server: Any, members: Any, org: Any, tmp_path: Path, request: Any
) -> None:
    from kaiku.connections.models import ChannelAccount

    feed_account = ChannelAccount.objects.create(
        organisation=org, platform="feed", handle=org.slug, settings={"organisation": org.slug}
    )
    _, token = ApiToken.issue(members["admin"], "schemathesis")
    feeds = FeedServer.start()  # the one source address that is a feed (on this machine)
    request.addfinalizer(feeds.stop)
    config = _config(
        tmp_path, org.slug, str(feed_account.public_id), feeds.url("/corpus/rss_fi.xml")
    )
    st = shutil.which("schemathesis", path=str(Path(__file__).resolve().parents[2] / ".venv/bin"))
    assert st is not None
    done = subprocess.run(
        [
            st,
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/v1/openapi.json",
            "--url",
            live_server.url,
            "--checks",
            "all",
            "--seed",
            str(SEED),
            "--max-examples",
            str(MAX_EXAMPLES),
            "--header",
            f"Authorization: Bearer {token}",
            "--workers",
            "1",
            "--no-color",
            "--report",
            "har",
            "--report-dir",
            str(tmp_path / "report"),
        ],
        cwd=tmp_path,  # its cache directory goes there, not into the working copy
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
    assert "Stateful" in done.stdout
    # The stateful phase followed the links: it created, read back and deleted the same post,
    # and the same source.
    har = json.loads(next((tmp_path / "report").glob("har-*.json")).read_text())
    seen = [
        (e["request"]["method"], urlsplit(e["request"]["url"]).path, e["response"]["status"])
        for e in har["log"]["entries"]
    ]
    for kind, created_path in (
        ("posts", f"/api/v1/organisations/{org.slug}/posts/"),
        ("sources", f"/api/v1/organisations/{org.slug}/watch/sources/"),
    ):
        read = {
            p
            for m, p, status in seen
            if m == "GET" and p.startswith(created_path) and status == 200
        }
        deleted = {
            p
            for m, p, status in seen
            if m == "DELETE" and p.startswith(created_path) and status in (200, 204)
        }
        assert read & deleted, kind


# --- the document and the error answers, without Schemathesis ------------------------------


@pytest.fixture
def document(db: Any) -> dict[str, Any]:
    from django.test import Client

    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def test_every_secured_operation_documents_its_error_answers(document: dict[str, Any]) -> None:
    operations = [
        (path, method, op)
        for path, methods in document["paths"].items()
        for method, op in methods.items()
        if op.get("security")
    ]
    assert len(operations) >= 15
    for path, method, op in operations:
        codes = set(op["responses"])
        assert {"400", "401", "403", "404", "422"} <= codes, (method, path, codes)
        assert codes & {"200", "201", "204"}, (method, path)


def test_a_post_needs_a_channel_and_its_link_is_declared_an_http_address(
    document: dict[str, Any],
) -> None:
    post_in = document["components"]["schemas"]["PostIn"]
    assert "accounts" in post_in["required"]
    assert post_in["properties"]["accounts"]["minItems"] == 1
    link = post_in["properties"]["link"]["anyOf"][0]
    assert link["format"] == "uri"
    assert link["pattern"] == "^https?://"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/no-such-route", 404),
        ("put", "/api/v1/organisations", 405),
        ("delete", "/api/v1/health", 405),
    ],
)
def test_an_error_under_the_api_is_json(members: Any, method: str, path: str, status: int) -> None:
    from django.test import Client

    _, token = ApiToken.issue(members["admin"], "t")
    response = getattr(Client(), method)(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    if status == 405:
        assert response["Allow"]


@pytest.mark.django_db
def test_a_server_error_under_the_api_is_json(members: Any, monkeypatch: Any) -> None:
    from django.test import Client

    from kaiku.organisations import api as organisations_api

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(organisations_api, "_org_out", broken)
    _, token = ApiToken.issue(members["admin"], "t")
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/organisations", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Internal Server Error"}


@pytest.mark.django_db
def test_a_json_body_over_djangos_cap_is_a_json_400(members: Any, settings: Any) -> None:
    from django.test import Client

    _, token = ApiToken.issue(members["admin"], "t")
    body = json.dumps({"text": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = Client(raise_request_exception=False).post(
        "/api/v1/check",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
