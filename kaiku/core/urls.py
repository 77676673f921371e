from django.urls import path

from kaiku.core import icons, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("o/<slug:org>/", views.dashboard, name="dashboard"),
    path("health", views.health, name="health"),
    path("favicon.ico", icons.favicon, name="favicon"),
    path("language/", views.switch_language, name="switch_language"),
    path("offline/", views.offline, name="offline"),
    path("sw.js", views.service_worker, name="service_worker"),
]
