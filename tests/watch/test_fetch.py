"""The feed fetcher: address policy, deadline, size cap, redirects, conditional GET."""

from __future__ import annotations

import ipaddress
import socket
import time
import tracemalloc
from typing import Any

import pytest

from kaiku import http
from kaiku.watch import fetch
from kaiku.watch.errors import WatchError
from kaiku.watch.fetch import Fetcher, address_allowed, literal_address, retry_after
from tests.watch.server import FeedServer

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'

PRIVATE_SPELLINGS = [
    "http://127.0.0.1/",
    "http://2130706433/",  # decimal
    "http://0x7f000001/",  # hex
    "http://0177.0.0.1/",  # octal
    "http://0x7f.1/",  # mixed short form
    "http://127.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[64:ff9b::7f00:1]/",  # NAT64 of loopback
    "http://[2002:7f00:1::]/",  # 6to4 of loopback
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # CGNAT
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fd00:ec2::254]/",  # AWS metadata over IPv6
    "http://[fe80::1]/",  # link-local
    "http://224.0.0.1/",  # multicast
    "http://240.0.0.1/",  # reserved
    "http://0.0.0.0/",
    "http://localhost/",
    "http://localhost./",  # trailing dot
    "http://LOCALHOST:8080/feed",
]


@pytest.mark.parametrize("url", PRIVATE_SPELLINGS)
def test_private_addresses_are_refused_in_every_spelling(policy_on: None, url: str) -> None:
    with Fetcher() as fetcher, pytest.raises(WatchError) as caught:
        fetcher.get(url)
    assert caught.value.code == "blocked_address"


def test_public_addresses_pass_the_policy() -> None:
    assert address_allowed(ipaddress.ip_address("93.184.216.34"))
    assert address_allowed(ipaddress.ip_address("2a00:1450:4001:80b::200e"))
    assert not address_allowed(ipaddress.ip_address("::ffff:10.0.0.1"))


def test_odd_ipv4_spellings_are_read_as_the_address_they_mean() -> None:
    assert str(literal_address("2130706433")) == "127.0.0.1"
    assert str(literal_address("0x7f.1")) == "127.0.0.1"
    assert str(literal_address("[::1]")) == "::1"
    assert literal_address("feeds.example") is None


def test_a_name_that_resolves_to_loopback_is_refused_when_connecting(
    policy_on: None, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def fake(host: str, *args: Any, **kw: Any) -> Any:
        if host == "news.example":
            return real("127.0.0.1", *args, **kw)
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    feeds.add("/feed.xml", RSS)
    with Fetcher() as fetcher, pytest.raises(WatchError) as caught:
        fetcher.get(f"http://news.example:{feeds.port}/feed.xml")
    assert caught.value.code == "blocked_address"
    assert caught.value.params["address"] == "127.0.0.1"
    assert feeds.hits["/feed.xml"] == 0


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(
    feeds: FeedServer, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    # The name is the one allowed to be private (KAIKU_ALLOWED_PRIVATE_HOSTS), not 127.0.0.1.
    settings.KAIKU_ALLOWED_PRIVATE_HOSTS = (("news.example", feeds.port),)
    calls: list[str] = []
    real = socket.getaddrinfo

    def fake(host: str, *args: Any, **kw: Any) -> Any:
        calls.append(host)
        if host == "news.example":
            return real("127.0.0.1", *args, **kw)
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    feeds.add("/feed.xml", RSS)
    with Fetcher() as fetcher:
        result = fetcher.get(f"http://news.example:{feeds.port}/feed.xml")
    assert result.content == RSS
    assert calls.count("news.example") == 1  # resolved once, by us
    assert feeds.requests[-1][1]["Host"] == f"news.example:{feeds.port}"


def test_a_redirect_to_a_private_address_is_refused(
    policy_on: None, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The local server stands in for a public host; its redirect points at cloud metadata.
    real_allowed = fetch.address_allowed

    def allowed(ip: Any) -> bool:
        return str(ip) == "127.0.0.1" or real_allowed(ip)

    # Both places that apply the policy: the URL check here, the connect in kaiku.http.
    monkeypatch.setattr(fetch, "address_allowed", allowed)
    monkeypatch.setattr(http, "address_allowed", allowed)
    feeds.redirect("/moved", "http://169.254.169.254/latest/meta-data/")
    with Fetcher() as fetcher, pytest.raises(WatchError) as caught:
        fetcher.get(feeds.url("/moved"))
    assert caught.value.code == "blocked_address"
    assert caught.value.params["address"] == "169.254.169.254"


def test_redirects_are_followed_and_a_permanent_one_is_reported(feeds: FeedServer) -> None:
    feeds.add("/new.xml", RSS)
    feeds.redirect("/old.xml", "/new.xml", status=301)
    with Fetcher() as fetcher:
        result = fetcher.get(feeds.url("/old.xml"))
    assert result.content == RSS
    assert result.permanent_url == feeds.url("/new.xml")


def test_a_redirect_loop_is_reported_as_a_loop(feeds: FeedServer) -> None:
    feeds.redirect("/a", "/b")
    feeds.redirect("/b", "/a")
    with Fetcher() as fetcher, pytest.raises(WatchError) as caught:
        fetcher.get(feeds.url("/a"))
    assert caught.value.code == "redirect_loop"


def test_more_than_five_redirects_are_refused(feeds: FeedServer) -> None:
    for i in range(7):
        feeds.redirect(f"/r{i}", f"/r{i + 1}")
    feeds.add("/r7", RSS)
    with Fetcher() as fetcher, pytest.raises(WatchError) as caught:
        fetcher.get(feeds.url("/r0"))
    assert caught.value.code == "too_many_redirects"


def test_a_dripping_server_is_cut_off_at_the_total_deadline(feeds: FeedServer) -> None:
    feeds.drip("/slow.xml", RSS, interval=0.5)  # would take ~40 s
    started = time.monotonic()
    with Fetcher(deadline=2.0) as fetcher, pytest.raises(WatchError) as caught:
        fetcher.get(feeds.url("/slow.xml"))
    assert caught.value.code == "deadline"
    assert time.monotonic() - started < 3.5


@pytest.mark.slow  # 5 s or more on the shared machine: `make test` runs it, `make unit` not
def test_a_gzip_bomb_stops_at_the_size_cap_without_inflating_in_memory(
    feeds: FeedServer,
) -> None:
    feeds.gzip_bomb("/bomb.xml", inflated=1 << 30)
    tracemalloc.start()
    try:
        with Fetcher(limit=5 * 1024 * 1024) as fetcher, pytest.raises(WatchError) as caught:
            fetcher.get(feeds.url("/bomb.xml"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.code == "too_large"
    assert peak < 40 * 1024 * 1024


def test_a_gzip_feed_within_the_cap_is_inflated(feeds: FeedServer) -> None:
    import gzip

    feeds.add("/z.xml", gzip.compress(RSS), headers={"Content-Encoding": "gzip"})
    with Fetcher() as fetcher:
        assert fetcher.get(feeds.url("/z.xml")).content == RSS


def test_a_declared_length_over_the_cap_is_not_read(feeds: FeedServer) -> None:
    feeds.add("/huge.xml", b"x" * 2_000_000)
    with Fetcher(limit=1_000_000) as fetcher, pytest.raises(WatchError) as caught:
        fetcher.get(feeds.url("/huge.xml"))
    assert caught.value.code == "too_large"


def test_etag_and_last_modified_make_a_conditional_get(feeds: FeedServer) -> None:
    feeds.add("/feed.xml", RSS, etag='"v1"', last_modified="Tue, 05 Mar 2024 10:00:00 GMT")
    with Fetcher() as fetcher:
        first = fetcher.get(feeds.url("/feed.xml"))
        second = fetcher.get(feeds.url("/feed.xml"), etag=first.etag)
        third = fetcher.get(feeds.url("/feed.xml"), last_modified=first.last_modified)
    assert first.etag == '"v1"' and not first.not_modified
    assert second.not_modified and second.content == b""
    assert third.not_modified


def test_429_gives_the_servers_retry_after(feeds: FeedServer) -> None:
    feeds.status("/busy", 429, {"Retry-After": "120"})
    with Fetcher() as fetcher, pytest.raises(WatchError) as caught:
        fetcher.get(feeds.url("/busy"))
    assert caught.value.code == "rate_limited"
    assert caught.value.retry_after == 120


def test_retry_after_is_capped_at_a_day() -> None:
    assert retry_after("999999999") == 24 * 3600
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after("soon") is None


def test_a_server_error_is_reported_with_its_status(feeds: FeedServer) -> None:
    feeds.status("/broken", 500)
    with Fetcher() as fetcher, pytest.raises(WatchError) as caught:
        fetcher.get(feeds.url("/broken"))
    assert caught.value.code == "server_error"
    assert caught.value.params["status"] == 500


def test_only_http_and_https_addresses_are_fetched() -> None:
    with Fetcher() as fetcher:
        for url in ("file:///etc/passwd", "ftp://example.com/feed", "gopher://x", "not a url"):
            with pytest.raises(WatchError) as caught:
                fetcher.get(url)
            assert caught.value.code == "bad_url"
