"""Per-host exceptions to the address guard (``KAIKU_ALLOWED_PRIVATE_HOSTS``): a listed internal
feed is read; every other private address, and every redirect toward one, stays refused.

Real servers on loopback: the allowed feed server and a second one on another port. The test
suite's network guard (tests/conftest.py) fails any connection beyond loopback, so a redirect
to 169.254.169.254 or 10.0.0.1 that was refused with ``blocked_address`` was refused before
connecting."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.checks import run_checks

from kaiku.conf import SettingError, host_ports
from kaiku.watch.errors import WatchError
from kaiku.watch.fetch import Fetcher
from kaiku.watch.ingest.pipeline import run_once
from kaiku.watch.models import Item, Source
from tests.watch.server import FeedServer

RSS = (
    b"<rss><channel><title>Sis\xc3\xa4inen</title><item><title>Intran uutinen</title>"
    b"<link>https://intra.example/1</link><guid>https://intra.example/1</guid></item>"
    b"</channel></rss>"
)


@pytest.fixture
def other() -> Iterator[FeedServer]:
    server = FeedServer.start()
    yield server
    server.stop()


@pytest.fixture
def only_feeds_allowed(settings: Any, feeds: FeedServer) -> int:
    """Private addresses refused but for the feed server's own host and port."""
    port = feeds.port
    settings.KAIKU_ALLOW_PRIVATE_ADDRESSES = False
    settings.KAIKU_ALLOWED_PRIVATE_HOSTS = host_ports(f"127.0.0.1:{port}")
    return port


def _fetch_error(url: str) -> WatchError:
    with Fetcher() as fetcher, pytest.raises(WatchError) as caught:
        fetcher.get(url)
    return caught.value


@pytest.mark.django_db
def test_an_allowed_internal_feed_is_read(
    org: Any, feeds: FeedServer, only_feeds_allowed: int
) -> None:
    source = Source.objects.create(organisation=org, kind="feed", url=feeds.add("/intra.xml", RSS))
    run_once()
    source.refresh_from_db()
    assert source.last_error == ""
    assert Item.objects.get().title == "Intran uutinen"


def test_a_redirect_from_the_allowed_host_to_another_loopback_port_is_refused(
    feeds: FeedServer, other: FeedServer, only_feeds_allowed: int
) -> None:
    target = other.add("/elsewhere.xml", RSS)
    feeds.redirect("/jump.xml", target)
    error = _fetch_error(feeds.url("/jump.xml"))
    assert error.code == "blocked_address"
    assert other.hits["/elsewhere.xml"] == 0


def test_another_loopback_port_is_refused_when_asked_directly(
    other: FeedServer, only_feeds_allowed: int
) -> None:
    error = _fetch_error(other.add("/direct.xml", RSS))
    assert error.code == "blocked_address"
    assert other.hits["/direct.xml"] == 0


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/feed.xml",
        "http://[::ffff:10.0.0.1]/feed.xml",
        "http://0xa000001/feed.xml",
    ],
)
def test_a_redirect_from_the_allowed_host_to_a_private_network_is_refused_before_connecting(
    feeds: FeedServer, only_feeds_allowed: int, target: str
) -> None:
    feeds.redirect("/meta.xml", target)
    error = _fetch_error(feeds.url("/meta.xml"))
    assert error.code == "blocked_address"
    assert error.permanent


def test_the_allowed_host_by_another_name_is_refused(
    feeds: FeedServer, only_feeds_allowed: int
) -> None:
    feeds.add("/by-name.xml", RSS)
    error = _fetch_error(f"http://localhost:{only_feeds_allowed}/by-name.xml")
    assert error.code == "blocked_address"
    assert feeds.hits["/by-name.xml"] == 0


def test_an_allowed_host_never_reaches_the_cloud_metadata_address(settings: Any) -> None:
    settings.KAIKU_ALLOW_PRIVATE_ADDRESSES = False
    settings.KAIKU_ALLOWED_PRIVATE_HOSTS = host_ports("169.254.169.254")
    assert _fetch_error("http://169.254.169.254/latest/meta-data/").code == "blocked_address"


def test_the_setting_reads_hosts_and_ports_and_rejects_junk() -> None:
    assert host_ports(" Feeds.Intra:8080, 127.0.0.1 ,[::1]:80, [fd00::1],") == (
        ("feeds.intra", 8080),
        ("127.0.0.1", None),
        ("::1", 80),
        ("fd00::1", None),
    )
    for bad in ("feeds.intra:http", "feeds.intra:70000", "http://feeds.intra/", "[::1]:x"):
        with pytest.raises(SettingError):
            host_ports(bad, name="KAIKU_ALLOWED_PRIVATE_HOSTS")


def test_the_old_all_or_nothing_switch_warns_at_start_up(settings: Any) -> None:
    settings.KAIKU_ALLOW_PRIVATE_ADDRESSES = True
    settings.TESTING = False
    ids = [message.id for message in run_checks()]
    assert "kaiku.W002" in ids
    settings.KAIKU_ALLOW_PRIVATE_ADDRESSES = False
    assert "kaiku.W002" not in [message.id for message in run_checks()]
