"""The calendar's secret iCal address is renewed when a member leaves the organisation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kaiku.calendar.models import CalendarFeed
from kaiku.organisations.models import Membership

pytestmark = pytest.mark.django_db


def test_removing_a_member_renews_the_calendar_address_and_the_old_one_stops_answering(
    client_for: Any, org: Any, members: Any
) -> None:
    feed = CalendarFeed.objects.create(organisation=org)
    known = f"/ical/{feed.token}.ics"
    assert Client().get(known).status_code == 200  # what the leaving editor has saved
    editor = Membership.objects.get(organisation=org, user=members["editor"])

    response = client_for("admin").post(f"/o/toivon-polku/members/{editor.pk}/remove/")

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=editor.pk).exists()
    feed.refresh_from_db()
    assert f"/ical/{feed.token}.ics" != known
    assert Client().get(known).status_code == 404
    assert Client().get(f"/ical/{feed.token}.ics").status_code == 200
    page = client_for("viewer").get("/o/toivon-polku/calendar/").content.decode()
    assert feed.token in page


def test_a_refused_removal_keeps_the_address(client_for: Any, org: Any, members: Any) -> None:
    feed = CalendarFeed.objects.create(organisation=org)
    admin = Membership.objects.get(organisation=org, user=members["admin"])
    client_for("admin").post(f"/o/toivon-polku/members/{admin.pk}/remove/")  # the last admin
    assert CalendarFeed.objects.get(pk=feed.pk).token == feed.token
