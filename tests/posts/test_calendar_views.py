"""The calendar pages: who may see and change what, where posts land, and moving them."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaiku.calendar.models import CalendarFeed
from kaiku.connections.models import ChannelAccount, PostingSlot
from kaiku.jobs.models import Job
from kaiku.organisations.models import AuditEvent
from kaiku.posts import services
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery

pytestmark = pytest.mark.django_db

HEL = ZoneInfo("Europe/Helsinki")
MEMBERS = ("admin", "editor", "reviewer", "viewer")
EDITORS = ("admin", "editor")


@pytest.fixture
def english(members: Any) -> None:
    """For tests that read a confirmation text: it is written here in English."""
    from kaiku.accounts.models import User

    User.objects.update(language="en")


def hel(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HEL)


def schedule(
    org: Any, author: Any, account: Any, when: datetime | None, text: str = "", **kw: Any
) -> Post:
    """A post written and sent to the schedule the way the compose page does it."""
    post = services.save_draft(
        org,
        author,
        services.Draft(
            text=text or "Vertaisryhmä kokoontuu taas, tervetuloa mukaan!",
            accounts=[account],
            scheduled_at=when,
            **kw,
        ),
    )
    services.submit(post, _request(author))
    post.refresh_from_db()
    return post


def _request(user: Any) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.user = user
    return request


def future_month() -> date:
    """The first day of the month after next: always ahead of the clock."""
    today = timezone.now().astimezone(HEL).date()
    index = today.year * 12 + today.month - 1 + 2
    return date(index // 12, index % 12 + 1, 1)


def cell_html(html: str, day: str) -> str:
    match = re.search(rf'<td data-date="{day}"(?:(?!</td>).)*</td>', html, re.S)
    assert match, f"no cell for {day}"
    return match.group(0)


BASE = "/o/toivon-polku/calendar/"


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
@pytest.mark.parametrize("page", ["", "week/", "slots/", "next-slot/"])
def test_every_member_sees_the_calendar_pages(client_for: Any, who: str, page: str) -> None:
    assert client_for(who).get(BASE + page).status_code == 200


@pytest.mark.parametrize("page", ["", "week/", "slots/", "next-slot/"])
def test_an_outsider_gets_404_for_the_calendar_pages(client_for: Any, page: str) -> None:
    assert client_for("outsider").get(BASE + page).status_code == 404


@pytest.mark.parametrize("page", ["", "week/", "slots/", "next-slot/", "move/", "feed/new/"])
def test_an_anonymous_visitor_is_sent_to_log_in(client: Any, members: Any, page: str) -> None:
    response = (
        client.post(BASE + page) if page in {"move/", "feed/new/"} else client.get(BASE + page)
    )
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 302), ("editor", 302), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_editors_and_admins_move_posts(
    client_for: Any, members: Any, org: Any, feed_account: Any, who: str, status: int
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    response = client_for(who).post(BASE + "move/", {"post": post.public_id, "date": "2030-01-11"})
    assert response.status_code == status
    post.refresh_from_db()
    moved = post.scheduled_at == hel(2030, 1, 11, 10)
    assert moved is (status == 302)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 302), ("editor", 302), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_editors_and_admins_change_posting_slots(
    client_for: Any, feed_account: Any, who: str, status: int
) -> None:
    data = {"account": feed_account.pk, "weekday": 0, "time": "09:00"}
    response = client_for(who).post(BASE + "slots/", data)
    assert response.status_code == status
    assert PostingSlot.objects.exists() is (status == 302)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 302), ("editor", 302), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_editors_and_admins_make_a_new_feed_address(
    client_for: Any, org: Any, who: str, status: int
) -> None:
    old = CalendarFeed.objects.create(organisation=org).token
    response = client_for(who).post(BASE + "feed/new/")
    assert response.status_code == status
    changed = CalendarFeed.objects.get(organisation=org).token != old
    assert changed is (status == 302)


def test_the_feed_needs_no_login_but_the_right_token(client: Any, org: Any) -> None:
    feed = CalendarFeed.objects.create(organisation=org)
    assert client.get(f"/ical/{feed.token}.ics").status_code == 200
    assert client.get("/ical/not-the-token.ics").status_code == 404


# --- the month view ----------------------------------------------------------------------------


def test_the_month_view_shows_the_current_month_by_default(client_for: Any) -> None:
    response = client_for("viewer").get(BASE)
    first = timezone.now().astimezone(HEL).date().replace(day=1)
    assert response.context["first"] == first
    assert 'aria-current="date"' in response.content.decode()


def test_a_scheduled_post_shows_on_its_day_with_time_channel_state_and_link(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 5, 14, 9, 30))
    html = client_for("viewer").get(BASE + "?month=2030-05").content.decode()
    cell = cell_html(html, "2030-05-14")
    assert '<time datetime="2030-05-14T06:30:00Z">9.30</time>' in cell
    assert "Vertaisryhmä kokoontuu taas" in cell
    assert "Kaiku-syöte" in cell
    assert f'href="/o/toivon-polku/posts/{post.public_id}/"' in cell
    assert "cal-badge--scheduled" in cell
    assert "Vertaisryhmä" not in cell_html(html, "2030-05-13")


def test_a_viewer_sees_posts_but_no_move_controls(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    schedule(org, members["editor"], feed_account, hel(2030, 5, 14, 9, 30))
    viewer = client_for("viewer").get(BASE + "?month=2030-05").content.decode()
    editor = client_for("editor").get(BASE + "?month=2030-05").content.decode()
    assert "data-movable" not in viewer
    assert 'name="at"' not in viewer
    assert "data-movable" in editor
    assert 'name="at"' in editor


def test_deleted_posts_are_not_on_the_calendar(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 5, 14, 9, 30))
    services.delete(post, _request(members["editor"]))
    html = client_for("viewer").get(BASE + "?month=2030-05").content.decode()
    assert "Vertaisryhmä" not in html


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25)])
def test_a_post_at_ten_on_a_daylight_saving_sunday_shows_that_day_at_ten(
    client_for: Any, members: Any, org: Any, feed_account: Any, day: date
) -> None:
    schedule(org, members["editor"], feed_account, hel(day.year, day.month, day.day, 10))
    html = client_for("viewer").get(BASE + f"?month={day:%Y-%m}").content.decode()
    cell = cell_html(html, day.isoformat())
    assert ">10.00</time>" in cell
    assert "Vertaisryhmä" in cell
    week = client_for("viewer").get(BASE + f"week/?week={day:%G-W%V}")
    row = next(r for r in week.context["rows"] if r.hour == 10)
    assert [i.post.text[:12] for i in row.cells[6].items] == ["Vertaisryhmä"]


def test_times_are_shown_in_the_persons_own_time_zone(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    members["viewer"].time_zone = "America/New_York"
    members["viewer"].save()
    schedule(org, members["editor"], feed_account, hel(2030, 5, 15, 1, 0))
    html = client_for("viewer").get(BASE + "?month=2030-05").content.decode()
    assert ">18.00</time>" in cell_html(html, "2030-05-14")
    assert "Vertaisryhmä" not in cell_html(html, "2030-05-15")


def test_a_repeating_post_shows_its_future_occurrences_until_the_last_day(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    schedule(
        org,
        members["editor"],
        feed_account,
        hel(2030, 1, 7, 10),
        repeat=Post.Repeat.WEEKLY,
        repeat_until=date(2030, 1, 28),
    )
    html = client_for("viewer").get(BASE + "?month=2030-01").content.decode()
    assert "cal-item--repeat" not in cell_html(html, "2030-01-07")
    for day in ("2030-01-14", "2030-01-21", "2030-01-28"):
        cell = cell_html(html, day)
        assert "cal-item--repeat" in cell, day
        assert ">10.00</time>" in cell
        assert "data-movable" not in cell
    february = client_for("viewer").get(BASE + "?month=2030-02").content.decode()
    assert "Vertaisryhmä" not in cell_html(february, "2030-02-04")
    assert Post.objects.count() == 1


def test_a_repeating_post_keeps_its_clock_time_across_the_spring_change(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    schedule(org, members["editor"], feed_account, hel(2030, 3, 24, 10), repeat="daily")
    html = client_for("viewer").get(BASE + "?month=2030-03").content.decode()
    for day in ("2030-03-30", "2030-03-31"):  # clocks move forward on the 31st
        assert ">10.00</time>" in cell_html(html, day)
    april = client_for("viewer").get(BASE + "?month=2030-04").content.decode()
    assert ">10.00</time>" in cell_html(april, "2030-04-01")


def test_the_month_view_makes_the_same_number_of_queries_for_many_posts(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    other = ChannelAccount.objects.create(organisation=org, platform="feed", handle="toinen")
    client = client_for("editor")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(BASE + "?month=2030-05").status_code == 200
        return len(ctx.captured_queries)

    schedule(org, members["editor"], feed_account, hel(2030, 5, 1, 9))
    client.get(BASE)  # the feed row is made on the first visit
    few = queries()
    for day in range(2, 12):
        account = other if day % 2 else feed_account
        repeat = "weekly" if day == 3 else ""
        schedule(org, members["editor"], account, hel(2030, 5, day, 9), repeat=repeat)
    assert queries() == few
    assert few <= 12, few


def test_the_week_view_shows_hours_and_posting_slots(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    PostingSlot.objects.create(account=feed_account, weekday=1, time=datetime(1, 1, 1, 9).time())
    schedule(org, members["editor"], feed_account, hel(2030, 5, 14, 12, 15))
    response = client_for("viewer").get(BASE + "week/?week=2030-W20")
    html = response.content.decode()
    hours = [r.hour for r in response.context["rows"]]
    assert hours == list(range(6, 24))
    assert 'data-date="2030-05-14" data-hour="9"' in html
    nine = next(r for r in response.context["rows"] if r.hour == 9)
    assert [s.account for s in nine.cells[1].slots] == [feed_account]
    noon = next(r for r in response.context["rows"] if r.hour == 12)
    assert noon.cells[1].items[0].at == hel(2030, 5, 14, 12, 15)
    assert '<h2 id="cal-title">Viikko 20, 13.5.\u201319.5.2030</h2>' in html
    assert "?week=2030-W19" in html
    assert "?week=2030-W21" in html


def test_an_early_morning_post_gets_a_row_before_the_grid(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    schedule(org, members["editor"], feed_account, hel(2030, 5, 14, 3, 0))
    rows = client_for("viewer").get(BASE + "week/?week=2030-W20").context["rows"]
    assert rows[0].hour is None
    assert rows[0].cells[1].items


def test_navigation_links_lead_to_the_previous_and_next_month(client_for: Any) -> None:
    html = client_for("viewer").get(BASE + "?month=2030-01").content.decode()
    assert '<h2 id="cal-title">Tammikuu 2030</h2>' in html
    assert 'href="/o/toivon-polku/calendar/?month=2029-12" rel="prev"' in html
    assert 'href="/o/toivon-polku/calendar/?month=2030-02" rel="next"' in html
    assert 'href="/o/toivon-polku/calendar/">' in html  # today


def test_a_malformed_month_or_week_shows_the_current_one(client_for: Any) -> None:
    today = timezone.now().astimezone(HEL).date()
    month = client_for("viewer").get(BASE + "?month=2030-13")
    assert month.context["first"] == today.replace(day=1)
    week = client_for("viewer").get(BASE + "week/?week=nonsense")
    assert week.context["days"][0] == today - timedelta(days=today.weekday())


# --- moving ------------------------------------------------------------------------------------


def _job_time(post: Post) -> datetime:
    delivery = Delivery.objects.get(post=post)
    return Job.objects.get(unique_key=f"publish:{delivery.pk}").run_at


def test_dropping_a_post_on_another_day_keeps_its_time_of_day(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10, 45))
    response = client_for("editor").post(
        BASE + "move/", {"post": post.public_id, "date": "2030-01-15", "next": BASE}
    )
    assert response.status_code == 302
    assert response["Location"] == BASE
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 1, 15, 10, 45)
    assert Delivery.objects.get(post=post).due_at == hel(2030, 1, 15, 10, 45)
    assert _job_time(post) == hel(2030, 1, 15, 10, 45)
    assert AuditEvent.objects.filter(action="post.rescheduled").exists()


def test_dropping_a_post_on_an_hour_of_the_week_view_sets_the_time_too(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10, 45))
    client_for("editor").post(
        BASE + "move/", {"post": post.public_id, "date": "2030-01-11", "time": "14:45"}
    )
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 1, 11, 14, 45)


def test_htmx_gets_the_updated_grid_and_a_message_to_announce(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    response = client_for("editor").post(
        BASE + "move/",
        {"post": post.public_id, "date": "2030-01-17", "view": "month", "period": "2030-01"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="cal-grid"')
    assert "<html" not in html
    assert "Vertaisryhmä" in cell_html(html, "2030-01-17")
    assert "Vertaisryhmä" not in cell_html(html, "2030-01-10")
    assert 'hx-swap-oob="innerHTML:#cal-status"' in html
    assert "cal-ok" in html
    assert response["HX-Trigger"] == "calendarMoved"


def test_htmx_in_the_week_view_gets_the_week_grid(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    response = client_for("editor").post(
        BASE + "move/",
        {"post": post.public_id, "hours": "1", "view": "week", "period": "2030-W02"},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-view="week"' in response.content.decode()
    eleven = next(r for r in response.context["rows"] if r.hour == 11)
    assert eleven.cells[3].items[0].post == post


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"days": "1"}, hel(2030, 1, 11, 10)),
        ({"days": "-1"}, hel(2030, 1, 9, 10)),
        ({"days": "7"}, hel(2030, 1, 17, 10)),
        ({"days": "-7"}, hel(2030, 1, 3, 10)),
        ({"hours": "1"}, hel(2030, 1, 10, 11)),
        ({"hours": "-1"}, hel(2030, 1, 10, 9)),
    ],
)
def test_the_keyboard_moves_a_post_by_a_day_a_week_or_an_hour(
    client_for: Any, members: Any, org: Any, feed_account: Any, keys: Any, expected: datetime
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    client_for("editor").post(BASE + "move/", {"post": post.public_id, **keys})
    post.refresh_from_db()
    assert post.scheduled_at == expected


def test_moving_a_day_over_the_spring_change_keeps_the_clock_time(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 3, 30, 10))  # Saturday
    client_for("editor").post(BASE + "move/", {"post": post.public_id, "days": "1"})
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 3, 31, 10)
    assert post.scheduled_at.astimezone(HEL).utcoffset() == timedelta(hours=3)


def test_the_form_moves_a_post_to_a_date_and_time_without_javascript(
    client_for: Any, english: None, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    client = client_for("editor")
    response = client.post(
        BASE + "move/",
        {"post": post.public_id, "at": "2030-02-01T09:30", "next": BASE + "?month=2030-01"},
        follow=True,
    )
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 2, 1, 9, 30)
    assert response.redirect_chain[-1][0] == BASE + "?month=2030-01"
    assert "Moved:" in response.content.decode()


def test_a_draft_with_a_time_can_be_moved_too(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    post = services.save_draft(
        org,
        members["editor"],
        services.Draft(text="Luonnos", accounts=[feed_account], scheduled_at=hel(2030, 1, 10, 10)),
    )
    client_for("editor").post(BASE + "move/", {"post": post.public_id, "days": "2"})
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 1, 12, 10)


def test_a_published_post_is_not_moved(
    client_for: Any, english: None, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    Delivery.objects.filter(post=post).update(state=Delivery.State.PUBLISHED)
    response = client_for("editor").post(
        BASE + "move/", {"post": post.public_id, "days": "1"}, follow=True
    )
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 1, 10, 10)
    assert "can no longer be moved" in response.content.decode()


def test_a_post_being_published_is_not_moved_and_htmx_hears_why(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    Delivery.objects.filter(post=post).update(state=Delivery.State.PUBLISHING)
    response = client_for("editor").post(
        BASE + "move/",
        {"post": post.public_id, "days": "1", "view": "month", "period": "2030-01"},
        HTTP_HX_REQUEST="true",
    )
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 1, 10, 10)
    assert "cal-error" in response.content.decode()
    assert response["HX-Trigger"] == "calendarMoveRefused"


def test_a_post_is_not_moved_into_the_past(
    client_for: Any, english: None, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    response = client_for("editor").post(
        BASE + "move/", {"post": post.public_id, "date": "2020-01-10"}, follow=True
    )
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 1, 10, 10)
    assert "already past" in response.content.decode()


def test_a_post_is_not_moved_into_the_hour_skipped_in_spring(
    client_for: Any, english: None, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 3, 30, 3, 30))
    response = client_for("editor").post(
        BASE + "move/", {"post": post.public_id, "days": "1"}, follow=True
    )
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 3, 30, 3, 30)
    assert "does not exist" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [{"date": "2030-02-30"}, {"at": "huomenna"}, {"days": "x"}, {"days": "0"}, {"days": "9999"}],
)
def test_a_malformed_move_is_refused_with_a_message(
    client_for: Any, members: Any, org: Any, feed_account: Any, data: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    response = client_for("editor").post(BASE + "move/", {"post": post.public_id, **data})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 1, 10, 10)


def test_another_organisations_post_cannot_be_moved(
    client_for: Any, members: Any, other_org: Any, feed_account: Any
) -> None:
    account = ChannelAccount.objects.create(organisation=other_org, platform="feed", handle="muu")
    post = schedule(other_org, members["editor"], account, hel(2030, 1, 10, 10))
    response = client_for("editor").post(BASE + "move/", {"post": post.public_id, "days": "1"})
    assert response.status_code == 404
    assert client_for("editor").post(BASE + "move/", {"post": "nonsense"}).status_code == 404


def test_an_unsafe_next_address_is_not_followed(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    response = client_for("editor").post(
        BASE + "move/", {"post": post.public_id, "days": "1", "next": "https://evil.test/"}
    )
    assert response["Location"] == BASE


def test_moving_needs_post(client_for: Any) -> None:
    assert client_for("editor").get(BASE + "move/").status_code == 405


# --- posting slots and the feed address ----------------------------------------------------------


def test_an_editor_adds_and_removes_a_posting_slot(client_for: Any, feed_account: Any) -> None:
    client = client_for("editor")
    response = client.post(
        BASE + "slots/", {"account": feed_account.pk, "weekday": 2, "time": "09:15"}, follow=True
    )
    slot = PostingSlot.objects.get()
    assert (slot.account, slot.weekday, slot.time.strftime("%H:%M")) == (feed_account, 2, "09:15")
    assert "9.15" in response.content.decode()
    assert AuditEvent.objects.filter(action="calendar.slot_added").exists()
    client.post(BASE + "slots/", {"remove": slot.pk})
    assert not PostingSlot.objects.exists()


def test_a_slot_form_with_errors_is_shown_again(client_for: Any, feed_account: Any) -> None:
    response = client_for("editor").post(BASE + "slots/", {"account": feed_account.pk})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()


def test_another_organisations_slot_cannot_be_removed(
    client_for: Any, members: Any, other_org: Any
) -> None:
    account = ChannelAccount.objects.create(organisation=other_org, platform="feed", handle="muu")
    slot = PostingSlot.objects.create(account=account, weekday=0, time=datetime(1, 1, 1, 9).time())
    assert client_for("editor").post(BASE + "slots/", {"remove": slot.pk}).status_code == 404
    assert PostingSlot.objects.filter(pk=slot.pk).exists()


def test_the_slots_page_lists_slots_and_the_next_free_one(
    client_for: Any, feed_account: Any
) -> None:
    PostingSlot.objects.create(account=feed_account, weekday=0, time=datetime(1, 1, 1, 9).time())
    html = client_for("viewer").get(BASE + "slots/").content.decode()
    assert "Monday" in html or "maanantai" in html
    assert 'class="cal-next-free"' in html
    assert 'name="remove"' not in html


def test_the_next_free_slot_is_json_for_the_compose_page(
    client_for: Any, members: Any, org: Any, feed_account: Any, other_org: Any
) -> None:
    for weekday in range(7):
        PostingSlot.objects.create(
            account=feed_account, weekday=weekday, time=datetime(1, 1, 1, 23, 59).time()
        )
    data = client_for("editor").get(BASE + f"next-slot/?accounts={feed_account.pk}").json()
    at = datetime.fromisoformat(data["at"])
    assert at > timezone.now()
    assert at.astimezone(HEL).strftime("%H:%M") == "23:59"
    assert data["input"].endswith("T23:59")
    assert data["local"]
    by_public_id = client_for("editor").get(BASE + f"next-slot/?accounts={feed_account.public_id}")
    assert by_public_id.json()["at"] == data["at"]
    foreign = ChannelAccount.objects.create(organisation=other_org, platform="feed", handle="muu")
    PostingSlot.objects.create(account=foreign, weekday=0, time=datetime(1, 1, 1, 9).time())
    none = client_for("editor").get(BASE + f"next-slot/?accounts={foreign.pk},x").json()
    assert none == {"at": None, "local": "", "input": ""}


def test_the_feed_address_is_made_on_the_first_visit_and_shown(client_for: Any, org: Any) -> None:
    assert not CalendarFeed.objects.exists()
    html = client_for("viewer").get(BASE).content.decode()
    feed = CalendarFeed.objects.get(organisation=org)
    assert f"/ical/{feed.token}.ics" in html
    assert "feed/new/" not in html  # a viewer cannot make a new address


def test_a_new_feed_address_retires_the_old_one(client_for: Any, client: Any, org: Any) -> None:
    old = CalendarFeed.objects.create(organisation=org).token
    client_for("editor").post(BASE + "feed/new/")
    new = CalendarFeed.objects.get(organisation=org).token
    assert client.get(f"/ical/{old}.ics").status_code == 404
    assert client.get(f"/ical/{new}.ics").status_code == 200
    assert AuditEvent.objects.filter(action="calendar.feed_rotated").exists()


@pytest.mark.parametrize(
    ("day", "weekday"),
    [(3, "maanantaina"), (5, "keskiviikkona"), (8, "lauantaina"), (9, "sunnuntaina")],
)
def test_a_moved_post_is_published_on_a_weekday_in_the_finnish_essive(
    client_for: Any, members: Any, org: Any, feed_account: Any, day: int, weekday: str
) -> None:
    # "julkaistaan nyt keskiviikko 5. kesäkuuta" is not Finnish; "keskiviikkona" is.
    post = schedule(org, members["editor"], feed_account, hel(2030, 1, 10, 10))
    response = client_for("editor").post(
        BASE + "move/", {"post": post.public_id, "at": f"2030-06-{day:02d}T09:30"}, follow=True
    )
    page = response.content.decode()
    assert f"julkaistaan nyt {weekday} {day}. kesäkuuta 2030" in page, re.findall(
        r"Siirretty:[^<]*", page
    )
