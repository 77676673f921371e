"""The watch reads X with the organisation's connected X account (one credential for X), and
the local X server tells the token types apart per endpoint as X does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kaiku.channels.x.reading import XAccount, XSearch
from kaiku.connections.models import ChannelAccount
from kaiku.watch import services
from kaiku.watch.fetch import Fetcher
from kaiku.watch.ingest.pipeline import context_for, run_once
from kaiku.watch.models import Item, Source, WatchSettings, XPlan
from kaiku.watch.sources import SourceSnapshot
from tests.channels.x.harness import XHarness
from tests.channels.x.server import USERNAME, XServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def harness() -> Iterator[XHarness]:
    harness = XHarness()
    harness.start()
    yield harness
    harness.stop()


@pytest.fixture
def x(harness: XHarness) -> XServer:
    assert harness.server is not None
    return harness.server


def _reads_allowed(org: Any) -> None:
    WatchSettings.objects.create(organisation=org, x_plan=XPlan.PAY_PER_USE)


def _connected(org: Any, harness: XHarness) -> Any:
    """An organisation whose plan reads X, with its X account connected to the local X."""
    _reads_allowed(org)
    return harness.make_account(org)


def test_the_watch_reads_an_x_account_and_a_search_with_the_connected_accounts_user_token(
    org: Any, harness: XHarness, x: XServer
) -> None:
    account = _connected(org, harness)
    user_token = account.credentials["access_token"]
    x.add_tweet("thl", "Päihdetyö kuuluu kaikille")
    x.add_tweet("toivonpolku", "Sote-uudistus etenee @thl")
    x.tweets[-1]["public_metrics"].update(like_count=4, retweet_count=1)
    services.add_source(org, "@toivonpolku", kind="x_account")
    services.add_source(org, "x-search:päihdetyö")

    summary = run_once()

    assert summary.new == 2 and not summary.errors
    by_url = {item.url: item for item in Item.objects.all()}
    own = by_url[f"https://x.com/i/status/{x.tweets[-1]['id']}"]  # the timeline names no author
    assert own.engagement_total == 5 and own.mentioned_accounts == ["x:thl"]
    assert f"https://x.com/thl/status/{x.tweets[0]['id']}" in by_url
    reads = [r for r in x.requests if r.method == "GET" and r.path.startswith("/2/")]
    assert {r.path for r in reads} >= {
        "/2/users/by/username/toivonpolku",
        "/2/tweets/search/recent",
    }
    assert all(r.headers["authorization"] == f"Bearer {user_token}" for r in reads)


def test_an_expired_user_token_is_renewed_and_the_rotated_pair_saved_when_the_watch_reads(
    org: Any, harness: XHarness, x: XServer
) -> None:
    account = _connected(org, harness)
    before = account.credentials
    x.add_tweet("toivonpolku", "Vertaistuki auttaa")
    source = services.add_source(org, "x-search:vertaistuki").source
    x.expire_access_tokens()  # X answers 401 to the old token; the stored expiry is still ahead

    with Fetcher() as fetcher:
        batch = XSearch().read(SourceSnapshot.of(source), context_for(org.pk, fetcher))

    assert [e.url.rsplit("/", 1)[1] for e in batch.entries] == [x.tweets[-1]["id"]]
    after = ChannelAccount.objects.get(pk=account.pk).credentials
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]  # rotated, and kept
    assert after["refresh_token"] in x.refresh


def test_without_a_connected_x_account_an_x_source_says_to_connect_it(org: Any) -> None:
    _reads_allowed(org)
    source = services.add_source(org, "x-search:päihdetyö").source
    run_once()
    source.refresh_from_db()
    assert source.last_error_code == "x_token" and "kanavasivulla" in source.last_error  # fi


def test_a_disconnected_x_account_is_not_read_with(org: Any, harness: XHarness, x: XServer) -> None:
    account = _connected(org, harness)
    ChannelAccount.objects.filter(pk=account.pk).update(status=ChannelAccount.Status.DISCONNECTED)
    source = services.add_source(org, "x-search:päihdetyö").source
    run_once()
    assert Source.objects.get(pk=source.pk).last_error_code == "x_token"
    assert not [r for r in x.requests if r.path.startswith("/2/tweets/search")]


def test_an_app_only_token_reads_with_the_account_reader(org: Any, x: XServer) -> None:
    _reads_allowed(org)
    account = ChannelAccount(organisation=org, platform="x", handle="X API")
    account.settings = {"app_only": True, "api_url": x.base_url}
    account.status = ChannelAccount.Status.NEEDS_RECONNECT
    account.set_credentials({"access_token": x.issue_app_token()})
    account.save()
    x.add_tweet("thl", "Mielenterveys on kaikkien asia")
    source = services.add_source(org, "@thl", kind="x_account").source
    with Fetcher() as fetcher:
        batch = XAccount().read(SourceSnapshot.of(source), context_for(org.pk, fetcher))
    assert [e.author_handle for e in batch.entries] == ["@thl"]


# --- the local X as an oracle: which token each endpoint takes --------------------------------


def test_the_local_x_takes_an_app_only_token_for_reading_and_refuses_it_for_posting(
    x: XServer,
) -> None:
    app = {"Authorization": f"Bearer {x.issue_app_token()}"}
    search = httpx.get(f"{x.base_url}/2/tweets/search/recent?query=hei", headers=app)
    user = httpx.get(f"{x.base_url}/2/users/by/username/{USERNAME}", headers=app)
    post = httpx.post(f"{x.base_url}/2/tweets", json={"text": "Hei"}, headers=app)
    me = httpx.get(f"{x.base_url}/2/users/me", headers=app)
    assert search.status_code == 200 and user.json()["data"]["username"] == USERNAME
    assert post.status_code == 403 and me.status_code == 403
    assert post.json()["type"].endswith("/unsupported-authentication")
    assert x.texts() == []


def test_the_local_x_wants_tweet_read_and_users_read_on_a_user_token_for_search(
    x: XServer,
) -> None:
    with x.lock:
        narrow, _refresh = x._issue(x.user(USERNAME)["id"], "app", "tweet.read tweet.write", None)
    answer = httpx.get(
        f"{x.base_url}/2/tweets/search/recent?query=hei",
        headers={"Authorization": f"Bearer {narrow}"},
    )
    assert answer.status_code == 403 and "users.read" in answer.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_a_renewal_during_a_poll_saves_the_rotated_pair_from_the_poll_thread(
    org: Any, harness: XHarness, x: XServer
) -> None:
    account = _connected(org, harness)
    spent = account.credentials["refresh_token"]
    x.add_tweet("toivonpolku", "Vertaistuki auttaa")
    services.add_source(org, "x-search:vertaistuki")
    x.expire_access_tokens()

    summary = run_once()

    assert summary.new == 1 and not summary.errors
    saved = ChannelAccount.objects.get(pk=account.pk).credentials
    assert saved["refresh_token"] != spent and saved["refresh_token"] in x.refresh
    assert spent not in x.refresh  # X retired it: only the saved one works now
