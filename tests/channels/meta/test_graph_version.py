"""Meta's Graph API version: one setting, KAIKU_GRAPH_VERSION, watched at start-up, and no
account keeps the version it was connected with (issue 13.7)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kaiku.channels.base import Account, ChannelError, Failure, Redirect
from kaiku.channels.facebook.connector import FacebookConnector
from kaiku.channels.meta import graph
from kaiku.channels.meta.graph import GRAPH_VERSION, check_graph_version
from tests.channels.meta.api import PAGE_ID
from tests.channels.meta.conftest import CALLBACK, TIMEOUT, MakePost, follow_dialog
from tests.channels.meta.server import MetaServer

CB = CALLBACK.format(platform="facebook")


class LocalMeta(FacebookConnector):
    """The production connector, with only Meta's host moved to the local server (the
    version in the path is the connector's own choice)."""

    timeout = TIMEOUT


@pytest.fixture
def on_local_host(meta: MetaServer, monkeypatch: pytest.MonkeyPatch) -> MetaServer:
    monkeypatch.setattr(graph, "GRAPH_HOST", meta.base_url)
    monkeypatch.setattr(graph, "DIALOG_HOST", meta.base_url)
    monkeypatch.setattr("kaiku.channels.meta.pages.GRAPH_HOST", meta.base_url)
    return meta


def test_every_call_uses_the_configured_graph_version(
    on_local_host: MetaServer, make_post: MakePost, settings: Any
) -> None:
    settings.KAIKU_GRAPH_VERSION = "v27.0"
    connector = LocalMeta(
        Account(
            "Toivon Polku ry",
            f"https://www.facebook.com/{PAGE_ID}",
            {"access_token": on_local_host.api.issue_page_token()},
            {"page_id": PAGE_ID},
        )
    )

    connector.publish_part(make_post("Hei"), 0, [])

    paths = [r.path for r in on_local_host.requests]
    assert paths and all(p.startswith("/v27.0/") for p in paths), paths


def test_a_connected_account_keeps_no_version_of_its_own(
    on_local_host: MetaServer, settings: Any
) -> None:
    form = {"app_id": on_local_host.api.app_id, "app_secret": on_local_host.api.app_secret}
    redirect = LocalMeta.start_connect(form, CB)
    assert isinstance(redirect, Redirect)
    setup = LocalMeta.finish_connect(redirect.state, follow_dialog(redirect, CB), CB)

    assert "graph_url" not in setup.settings
    settings.KAIKU_GRAPH_VERSION = "v27.0"  # a year later, the setting moves on
    LocalMeta(Account(setup.handle, setup.base_url, setup.credentials, setup.settings)).verify()
    assert on_local_host.requests[-1].path.startswith("/v27.0/")


def test_a_version_meta_no_longer_serves_fails_clearly(
    on_local_host: MetaServer, make_post: MakePost, settings: Any
) -> None:
    settings.KAIKU_GRAPH_VERSION = "v19.0"
    connector = LocalMeta(
        Account(
            "Toivon Polku ry",
            "",
            {"access_token": on_local_host.api.issue_page_token()},
            {"page_id": PAGE_ID},
        )
    )

    with pytest.raises(ChannelError) as caught:
        connector.publish_part(make_post("Hei"), 0, [])

    assert caught.value.failure is Failure.PERMANENT
    assert "2635" in caught.value.detail
    assert on_local_host.api.posts == []


@pytest.mark.parametrize("version", ["26", "v26", "26.0", "v26.1", ""])
def test_a_malformed_graph_version_is_reported(version: str) -> None:
    problem = check_graph_version(version, date(2026, 12, 1))
    assert problem is not None and "vNN.0" in problem


def test_an_older_graph_version_than_kaikus_is_reported() -> None:
    problem = check_graph_version("v24.0", date(2026, 12, 1))
    assert problem is not None and "older than" in problem


def test_kaikus_own_version_warns_when_it_ages() -> None:
    assert check_graph_version(GRAPH_VERSION, date(2026, 12, 1)) is None
    problem = check_graph_version(GRAPH_VERSION, date(2028, 2, 1))
    assert problem is not None and "19 months old" in problem


def test_the_start_up_check_warns_about_the_configured_graph_version(settings: Any) -> None:
    from kaiku.core.checks import kaiku_settings

    settings.KAIKU_GRAPH_VERSION = "v19.0"

    ids = {problem.id for problem in kaiku_settings(None)}

    assert "kaiku.W005" in ids
