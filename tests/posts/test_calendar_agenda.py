"""The calendar as a list (the agenda, for phones): days with posts, in time order, bounded."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Organisation
from tests.posts.test_calendar_views import BASE, hel, schedule

pytestmark = pytest.mark.django_db

AGENDA = BASE + "agenda/"


def day_section(html: str, day: str) -> str:
    match = re.search(
        rf'<section[^>]*aria-labelledby="day-{day}"(?:(?!</section>).)*</section>', html, re.S
    )
    assert match, f"no section for {day}"
    return match.group(0)


@pytest.mark.parametrize("who", ["admin", "editor", "reviewer", "viewer"])
def test_every_member_sees_the_agenda_and_an_outsider_gets_404(client_for: Any, who: str) -> None:
    assert client_for(who).get(AGENDA).status_code == 200
    assert client_for("outsider").get(AGENDA).status_code == 404


def test_posts_of_two_days_are_listed_under_their_days_in_time_order(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    editor = members["editor"]
    schedule(org, editor, feed_account, hel(2030, 5, 14, 15), text="Iltapäivän vertaisryhmä alkaa")
    schedule(org, editor, feed_account, hel(2030, 5, 14, 9, 30), text="Aamun kahvihetki alkaa")
    schedule(org, editor, feed_account, hel(2030, 5, 3, 12), text="Toukokuun alun tiedote")
    html = client_for("viewer").get(AGENDA + "?month=2030-05").content.decode()
    days = re.findall(r'aria-labelledby="day-([\d-]+)"', html)
    assert days == ["2030-05-03", "2030-05-14"]  # the empty days are left out
    fourteenth = day_section(html, "2030-05-14")
    assert fourteenth.index("Aamun kahvihetki") < fourteenth.index("Iltapäivän vertaisryhmä")
    assert '<time datetime="2030-05-14T06:30:00Z">9.30</time>' in fourteenth
    assert "Kaiku-syöte" in fourteenth
    assert "cal-badge--scheduled" in fourteenth
    assert "Toukokuun alun" not in fourteenth
    assert "Toukokuun alun tiedote" in day_section(html, "2030-05-03")


def test_another_organisations_posts_are_never_in_the_agenda(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    theirs = Organisation.objects.get(slug="muu-yhdistys")
    their_account = ChannelAccount.objects.create(
        organisation=theirs, platform="feed", handle="muu", settings={"organisation": "muu"}
    )
    schedule(theirs, members["outsider"], their_account, hel(2030, 5, 14, 9), text="Salainen")
    schedule(org, members["editor"], feed_account, hel(2030, 5, 15, 9), text="Oma tiedote")
    html = client_for("admin").get(AGENDA + "?month=2030-05").content.decode()
    assert "Oma tiedote" in html
    assert "Salainen" not in html
    assert "2030-05-14" not in html


def test_a_busy_day_shows_a_capped_list_and_a_link_to_the_rest(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    for minute in range(11):
        schedule(org, members["editor"], feed_account, hel(2030, 5, 20, 9, minute))
    html = client_for("viewer").get(AGENDA + "?month=2030-05").content.decode()
    section = day_section(html, "2030-05-20")
    assert section.count("<li") == 8
    assert "+3 muuta tänä päivänä" in section
    assert 'href="/o/toivon-polku/calendar/day/?date=2030-05-20"' in section


def test_the_agenda_makes_the_same_number_of_queries_for_1_and_50_posts(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    client = client_for("editor")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(AGENDA + "?month=2030-05").status_code == 200
        return len(ctx.captured_queries)

    schedule(org, members["editor"], feed_account, hel(2030, 5, 1, 9))
    client.get(AGENDA)  # the session's first visit reads a little more, once
    one = queries()
    for n in range(49):
        schedule(org, members["editor"], feed_account, hel(2030, 5, 1 + n % 30, 10, n))
    assert queries() == one
    assert one <= 10, one


def test_the_month_page_links_to_the_list_of_the_same_month(client_for: Any) -> None:
    html = client_for("viewer").get(BASE + "?month=2030-05").content.decode()
    assert (
        'class="cal-phone-agenda"><a href="/o/toivon-polku/calendar/agenda/?month=2030-05"' in html
    )
    tab = '<a href="/o/toivon-polku/calendar/agenda/?month=2030-05">Lista</a>'
    assert tab in html  # the tab keeps the month, too
