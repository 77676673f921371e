from __future__ import annotations

from django.urls import path

from kaiku.connections import views as views_channels
from kaiku.posts import views, views_compose

app_name = "posts"
urlpatterns = [
    path("o/<slug:org>/channels/", views_channels.channels, name="channels"),
    path("o/<slug:org>/channels/guide/<str:name>/", views_channels.setup_guide, name="setup_guide"),
    path(
        "o/<slug:org>/channels/<slug:platform>/connect/",
        views_channels.connect,
        name="channel_connect",
    ),
    path(
        "o/<slug:org>/channels/<slug:platform>/callback/",
        views_channels.connect_callback,
        name="channel_callback",
    ),
    path(
        "o/<slug:org>/channels/<uuid:account_id>/disconnect/",
        views_channels.disconnect,
        name="channel_disconnect",
    ),
    path("o/<slug:org>/posts/", views.post_list, name="list"),
    path("o/<slug:org>/posts/new/", views_compose.compose, name="compose"),
    path("o/<slug:org>/posts/preview/", views_compose.preview_partial, name="compose_preview"),
    path("o/<slug:org>/posts/link-preview/", views_compose.link_preview, name="link_preview"),
    path("o/<slug:org>/posts/<uuid:post_id>/", views.detail, name="detail"),
    path("o/<slug:org>/posts/<uuid:post_id>/edit/", views_compose.edit, name="edit"),
    path("o/<slug:org>/posts/<uuid:post_id>/delete/", views.delete, name="delete"),
    path("o/<slug:org>/posts/<uuid:post_id>/reschedule/", views.reschedule, name="reschedule"),
    path("o/<slug:org>/posts/<uuid:post_id>/approve/", views.approve, name="approve"),
    path("o/<slug:org>/posts/<uuid:post_id>/send-back/", views.send_back, name="send_back"),
    path(
        "o/<slug:org>/posts/<uuid:post_id>/deliveries/<uuid:delivery_id>/retry/",
        views.retry,
        name="retry",
    ),
    path("o/<slug:org>/posts/images/<int:image_id>/", views.image, name="image"),
    path("o/<slug:org>/review/", views.review_list, name="review"),
]
