"""The client's parsing at the edge: headers, HTML, instance shapes, public reads."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from kaiku.channels.base import Failure
from kaiku.channels.mastodon.client import (
    MastodonClient,
    error_from_response,
    normalise_instance_url,
    retry_after_from,
)
from kaiku.channels.mastodon.models import (
    comparable_text,
    html_to_text,
    parse_instance,
    parse_status,
)
from tests.channels.mastodon.api import fixture
from tests.channels.mastodon.server import MastodonServer


def headers(**values: str) -> httpx.Headers:
    return httpx.Headers({k.replace("_", "-"): v for k, v in values.items()})


def test_retry_after_is_the_reset_time_minus_the_servers_date() -> None:
    found = retry_after_from(
        headers(
            date="Tue, 08 Sep 2020 13:20:00 GMT",
            x_ratelimit_reset="2020-09-08T13:25:00.019685Z",
        )
    )

    assert found == pytest.approx(300.019685)


def test_retry_after_falls_back_to_retry_after_seconds_and_dates() -> None:
    assert retry_after_from(headers(retry_after="17")) == 17.0
    assert retry_after_from(
        headers(date="Tue, 08 Sep 2020 13:20:00 GMT", retry_after="Tue, 08 Sep 2020 13:21:00 GMT")
    ) == pytest.approx(60.0)
    assert retry_after_from(headers()) is None


def test_error_from_response_maps_statuses_to_failures() -> None:
    def failure(status: int, body: object = None, *, unsafe: bool = False) -> Failure:
        response = httpx.Response(status, json=body if body is not None else {"error": "x"})
        return error_from_response(response, unsafe=unsafe).failure

    assert failure(401) is Failure.AUTH
    assert failure(403, fixture("error_403.json")) is Failure.AUTH
    assert failure(403, {"error": "You cannot reply to this status"}) is Failure.PERMANENT
    assert failure(404) is Failure.PERMANENT
    assert failure(422, fixture("error_422.json")) is Failure.PERMANENT
    assert failure(429) is Failure.RATE_LIMITED
    assert failure(500) is Failure.TRANSIENT
    assert failure(502) is Failure.TRANSIENT
    assert failure(502, unsafe=True) is Failure.UNKNOWN_OUTCOME


def test_error_text_reads_oauth_error_descriptions_and_non_json_bodies() -> None:
    oauth = httpx.Response(400, json=fixture("error_oauth_invalid_grant.json"))
    html = httpx.Response(502, text="<html><body>Bad Gateway</body></html>")

    assert error_from_response(oauth).detail.startswith("invalid_grant: The provided")
    assert error_from_response(html).detail.startswith("HTTP 502: <html>")


def test_status_fixture_parses_into_the_model() -> None:
    status = parse_status(fixture("status.json"))

    assert status.id == "103254962155278888"
    assert status.created_at == datetime(2019, 12, 5, 11, 34, 47, 196000, tzinfo=UTC)
    assert status.text == "test content"
    assert status.account_id == "109302"
    assert status.in_reply_to_id is None


def test_html_to_text_keeps_paragraphs_breaks_and_full_link_text() -> None:
    content = (
        '<p>Rivi<br />toinen &amp; <a href="https://example.org/very/long/path/indeed/yes">'
        '<span class="invisible">https://</span><span class="ellipsis">example.org/very/long/'
        'path/in</span><span class="invisible">deed/yes</span></a></p><p>Kappale '
        '<span class="h-card"><a href="https://m.example/@anna" class="u-url mention">'
        "@<span>anna</span></a></span></p>"
    )

    assert html_to_text(content) == (
        "Rivi\ntoinen & https://example.org/very/long/path/indeed/yes\n\nKappale @anna"
    )


def test_comparable_text_forgets_mention_domains_and_whitespace() -> None:
    assert comparable_text("Hei  @anna@m.example.org\n\nja  muut ") == "Hei @anna ja muut"


def test_instance_without_configuration_gets_documented_defaults() -> None:
    limits = parse_instance({"uri": "old.example", "version": "2.9.0"}, "fallback")

    assert (limits.domain, limits.max_characters, limits.characters_reserved_per_url) == (
        "old.example",
        500,
        23,
    )
    assert limits.max_media_attachments == 4


def test_instance_reads_max_toot_chars_of_forks() -> None:
    assert parse_instance({"max_toot_chars": 5000}, "x").max_characters == 5000


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mastodon.social", "https://mastodon.social"),
        (" https://Mastodon.Social/@someone ", "https://mastodon.social"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ],
)
def test_instance_address_is_normalised(typed: str, expected: str) -> None:
    assert normalise_instance_url(typed) == expected


def test_public_reads_for_field_watch_need_no_token(mastodon: MastodonServer, token: str) -> None:
    with MastodonClient(mastodon.base_url, token) as author:
        author.create_status("Kevätretki #Luonto", idempotency_key="a")
        author.create_status("Sisäpiirille #luonto", idempotency_key="b", visibility="private")
        author.create_status("Muuta", idempotency_key="c")

    with MastodonClient(mastodon.base_url) as reader:
        account = reader.lookup_account("@toivonpolku")
        missing = reader.lookup_account("nobody")
        tagged = reader.tag_timeline("#luonto")
        timeline = reader.account_statuses("109302")

    assert account is not None and account.id == "109302"
    assert missing is None
    assert [s.text for s in tagged] == ["Kevätretki #Luonto"]
    assert tagged[0].tags == ("luonto",)
    assert [s.text for s in timeline] == ["Muuta", "Kevätretki #Luonto"]


def test_every_response_carries_rate_limit_headers(mastodon: MastodonServer, token: str) -> None:
    with MastodonClient(mastodon.base_url, token) as client:
        client.verify_credentials()
        first = client.rate_limit
        client.verify_credentials()
        second = client.rate_limit

    assert first is not None and second is not None
    assert first.limit == 300
    assert first.remaining is not None and second.remaining == first.remaining - 1
    assert first.reset is not None and first.reset > datetime.now(UTC)
