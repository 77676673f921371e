"""The calendar's addresses (included from kaiku/urls.py at the root)."""

from __future__ import annotations

from django.urls import path

from kaiku.calendar import views

app_name = "calendar"
urlpatterns = [
    path("o/<slug:org>/calendar/", views.month, name="month"),
    path("o/<slug:org>/calendar/week/", views.week, name="week"),
    path("o/<slug:org>/calendar/agenda/", views.agenda, name="agenda"),
    path("o/<slug:org>/calendar/day/", views.day, name="day"),
    path("o/<slug:org>/calendar/move/", views.move, name="move"),
    path("o/<slug:org>/calendar/slots/", views.slots, name="slots"),
    path("o/<slug:org>/calendar/next-slot/", views.next_slot, name="next_slot"),
    path("o/<slug:org>/calendar/feed/new/", views.rotate_feed, name="rotate_feed"),
    path("ical/<str:token>.ics", views.ical, name="ical"),
]
