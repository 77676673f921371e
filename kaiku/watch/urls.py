from __future__ import annotations

from django.urls import path

from kaiku.watch import views, views_sources, views_topics

app_name = "watch"
urlpatterns = [
    path("o/<slug:org>/watch/", views.digest_view, name="digest"),
    path("o/<slug:org>/watch/items/<int:item_id>/mark/", views.item_mark, name="item_mark"),
    path("o/<slug:org>/watch/email/", views.email_preference, name="email_preference"),
    path("o/<slug:org>/watch/debate/", views.debate_view, name="debate"),
    path("o/<slug:org>/watch/discover/", views.discover_view, name="discover"),
    path("o/<slug:org>/watch/discover/follow/", views.discover_follow, name="discover_follow"),
    path("o/<slug:org>/watch/sources/", views_sources.sources, name="sources"),
    path("o/<slug:org>/watch/sources/add/", views_sources.source_add, name="source_add"),
    path("o/<slug:org>/watch/sources/fetch/", views_sources.fetch_now, name="fetch_now"),
    path("o/<slug:org>/watch/sources/opml/", views_sources.opml_export, name="opml_export"),
    path("o/<slug:org>/watch/sources/opml/import/", views_sources.opml_import, name="opml_import"),
    path(
        "o/<slug:org>/watch/sources/bluesky/import/",
        views_sources.bluesky_import,
        name="bluesky_import",
    ),
    path(
        "o/<slug:org>/watch/sources/mastodon/import/",
        views_sources.mastodon_import,
        name="mastodon_import",
    ),
    path("o/<slug:org>/watch/sources/starter/", views_sources.starter_add, name="starter_add"),
    path(
        "o/<slug:org>/watch/sources/<int:source_id>/edit/",
        views_sources.source_edit,
        name="source_edit",
    ),
    path(
        "o/<slug:org>/watch/sources/<int:source_id>/toggle/",
        views_sources.source_toggle,
        name="source_toggle",
    ),
    path(
        "o/<slug:org>/watch/sources/<int:source_id>/delete/",
        views_sources.source_delete,
        name="source_delete",
    ),
    path("o/<slug:org>/watch/topics/", views_topics.topics, name="topics"),
    path("o/<slug:org>/watch/topics/add/", views_topics.topic_add, name="topic_add"),
    path(
        "o/<slug:org>/watch/topics/defaults/",
        views_topics.topics_restore,
        name="topics_restore",
    ),
    path(
        "o/<slug:org>/watch/topics/<int:topic_id>/edit/",
        views_topics.topic_edit,
        name="topic_edit",
    ),
    path(
        "o/<slug:org>/watch/topics/<int:topic_id>/toggle/",
        views_topics.topic_toggle,
        name="topic_toggle",
    ),
    path(
        "o/<slug:org>/watch/topics/<int:topic_id>/delete/",
        views_topics.topic_delete,
        name="topic_delete",
    ),
]
