"""The iCalendar feed, read back with a small RFC 5545 parser of the test's own."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from kaiku.calendar import services as cs
from kaiku.calendar.models import CalendarFeed
from kaiku.connections.models import ChannelAccount
from kaiku.posts import services
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery
from tests.posts.test_calendar_views import hel, schedule

pytestmark = pytest.mark.django_db


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def parse(body: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The calendar's own properties and its events; checks folding and line endings."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n")
    physical = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in physical)
    for line in physical:
        assert len(line.encode("utf-8")) <= 75, line
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    calendar: dict[str, str] = {}
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in logical:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            current[name] = value
        else:
            calendar[name] = value
    return calendar, events


def feed(client: Any, org: Any) -> tuple[Any, dict[str, str], list[dict[str, str]]]:
    token = CalendarFeed.objects.get_or_create(organisation=org)[0].token
    response = client.get(f"/ical/{token}.ics")
    assert response.status_code == 200
    calendar, events = parse(response.content)
    return response, calendar, events


def test_the_feed_is_a_valid_calendar_with_one_event_per_scheduled_post(
    client: Any, org: Any, members: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 5, 14, 9, 30))
    response, calendar, events = feed(client, org)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert calendar["BEGIN"] == "VCALENDAR"
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert unescape(calendar["X-WR-CALNAME"]) == "Kaiku: Toivon Polku ry"
    assert calendar["END"] == "VCALENDAR"
    [event] = events
    assert event["UID"] == f"{post.public_id}@kaiku"
    assert event["DTSTART"] == "20300514T063000Z"
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
    assert event["DURATION"] == "PT15M"
    assert unescape(event["SUMMARY"]) == post.text[:60]
    assert "Kaiku-syöte" in unescape(event["DESCRIPTION"])
    assert event["URL"].endswith(f"/o/toivon-polku/posts/{post.public_id}/")
    assert "RRULE" not in event


def test_summary_and_description_are_escaped(
    client: Any, org: Any, members: Any, feed_account: Any
) -> None:
    text = "Tule; tuo ystävä, ota\\mukaan\nkahvikuppi"
    schedule(org, members["editor"], feed_account, hel(2030, 5, 14, 9), text=text)
    _, _, [event] = feed(client, org)
    assert event["SUMMARY"] == "Tule\\; tuo ystävä\\, ota\\\\mukaan kahvikuppi"
    assert unescape(event["SUMMARY"]) == "Tule; tuo ystävä, ota\\mukaan kahvikuppi"
    assert "\\n" in event["DESCRIPTION"]  # channels and state on lines of their own


def test_long_lines_are_folded_without_breaking_a_character(
    client: Any, org: Any, members: Any, feed_account: Any
) -> None:
    account = ChannelAccount.objects.create(
        organisation=org, platform="feed", handle="ä" * 40, display_name="Ääkkösiä " * 12
    )
    schedule(org, members["editor"], account, hel(2030, 5, 14, 9), text="Öö " * 40)
    response, _, [event] = feed(client, org)
    assert "Ääkkösiä Ääkkösiä" in unescape(event["DESCRIPTION"])
    for line in response.content.split(b"\r\n"):
        line.decode("utf-8")  # each physical line is whole UTF-8 on its own


def test_the_fold_splits_at_75_octets() -> None:
    folded = cs.fold("SUMMARY:" + "ä" * 80)
    lines = folded.split("\r\n")
    assert [len(line.encode()) for line in lines] == [74, 75, 21]
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == "SUMMARY:" + "ä" * 80


def test_a_repeating_post_carries_a_rule_until_its_last_day(
    client: Any, org: Any, members: Any, feed_account: Any
) -> None:
    schedule(
        org,
        members["editor"],
        feed_account,
        hel(2030, 1, 7, 10),
        repeat=Post.Repeat.WEEKLY,
        repeat_until=date(2030, 3, 25),
    )
    schedule(org, members["editor"], feed_account, hel(2030, 1, 8, 10), repeat="monthly")
    _, _, events = feed(client, org)
    assert events[0]["RRULE"] == "FREQ=WEEKLY;UNTIL=20300325T215959Z"
    assert events[1]["RRULE"] == "FREQ=MONTHLY"


def test_only_the_last_post_of_a_series_repeats_in_the_feed(
    client: Any, org: Any, members: Any, feed_account: Any
) -> None:
    first = schedule(org, members["editor"], feed_account, hel(2030, 1, 7, 10), repeat="daily")
    Delivery.objects.filter(post=first).update(state=Delivery.State.PUBLISHED)
    Post.objects.filter(pk=first.pk).update(state=Post.State.DONE)
    first.refresh_from_db()
    nxt = services.spawn_next_repeat(first)
    assert nxt is not None
    _, _, events = feed(client, org)
    by_uid = {e["UID"]: e for e in events}
    assert "RRULE" not in by_uid[f"{first.public_id}@kaiku"]
    assert by_uid[f"{nxt.public_id}@kaiku"]["RRULE"] == "FREQ=DAILY"
    assert by_uid[f"{nxt.public_id}@kaiku"]["DTSTART"] == "20300108T080000Z"


def test_drafts_and_deleted_posts_are_not_in_the_feed(
    client: Any, org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    services.save_draft(
        org,
        members["editor"],
        services.Draft(text="Luonnos", accounts=[feed_account], scheduled_at=hel(2030, 1, 7, 10)),
    )
    deleted = schedule(org, members["editor"], feed_account, hel(2030, 1, 8, 10))
    services.delete(deleted, rf_request)
    kept = schedule(org, members["editor"], feed_account, hel(2030, 1, 9, 10))
    _, _, events = feed(client, org)
    assert [e["UID"] for e in events] == [f"{kept.public_id}@kaiku"]


def test_another_organisations_posts_are_not_in_the_feed(
    client: Any, org: Any, other_org: Any, members: Any
) -> None:
    account = ChannelAccount.objects.create(organisation=other_org, platform="feed", handle="muu")
    schedule(other_org, members["editor"], account, hel(2030, 1, 9, 10))
    _, _, events = feed(client, org)
    assert events == []


def test_times_in_the_feed_are_utc_across_daylight_saving(
    client: Any, org: Any, members: Any, feed_account: Any
) -> None:
    schedule(org, members["editor"], feed_account, hel(2026, 3, 29, 10))
    schedule(org, members["editor"], feed_account, hel(2026, 10, 25, 10))
    _, _, events = feed(client, org)
    starts = sorted(e["DTSTART"] for e in events)
    assert starts == ["20260329T070000Z", "20261025T080000Z"]
    parsed = datetime.strptime(starts[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert parsed == hel(2026, 3, 29, 10)
