from django.urls import path

from kaiku.checks import views

app_name = "checks"
urlpatterns = [
    path("o/<slug:org>/check/", views.check_page, name="page"),
    path("o/<slug:org>/check/partial/", views.check_partial, name="partial"),
    path("o/<slug:org>/check/terms/", views.term_add, name="term_add"),
    path("o/<slug:org>/check/terms/<int:term_id>/delete/", views.term_delete, name="term_delete"),
]
