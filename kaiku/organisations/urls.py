from django.urls import path

from kaiku.organisations import views

app_name = "organisations"
urlpatterns = [
    path("o/<slug:org>/members/", views.members, name="members"),
    path("o/<slug:org>/members/invite/", views.invite, name="invite"),
    path("o/<slug:org>/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("o/<slug:org>/members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "o/<slug:org>/invitations/<int:inv_id>/cancel/", views.invite_cancel, name="invite_cancel"
    ),
    path("o/<slug:org>/settings/", views.org_settings, name="settings"),
    path("o/<slug:org>/audit/", views.audit_log, name="audit"),
    path("invite/<str:token>/", views.accept_invite, name="accept"),
]
