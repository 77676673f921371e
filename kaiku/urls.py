from __future__ import annotations

from django.urls import include, path

from kaiku.api import api
from kaiku.posts.media import serve_signed

urlpatterns = [
    path("", include("kaiku.core.urls")),
    path("accounts/", include("kaiku.accounts.urls")),
    path("", include("kaiku.organisations.urls")),
    path("", include("kaiku.posts.urls")),
    path("f/", include("kaiku.site.urls")),
    path("", include("kaiku.calendar.urls")),
    path("", include("kaiku.checks.urls")),
    path("", include("kaiku.watch.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("m/<str:token>/", serve_signed, name="media_signed"),
]
