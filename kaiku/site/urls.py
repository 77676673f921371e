"""The public own-feed pages, under /f/."""

from __future__ import annotations

from django.urls import path

from kaiku.site import views as feed_views

app_name = "feed"
urlpatterns = [
    path("<slug:slug>/", feed_views.index, name="index"),
    path("<slug:slug>/atom.xml", feed_views.atom, name="atom"),
    path("<slug:slug>/rss.xml", feed_views.rss, name="rss"),
    path("<slug:slug>/<int:entry_id>/", feed_views.entry, name="entry"),
    path("<slug:slug>/media/<path:name>", feed_views.media, name="media"),
]
