from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from kaiku.accounts import views
from kaiku.accounts.forms import UserLanguagePasswordResetForm

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("login/link/", views.sign_in_link_request, name="sign_in_link_request"),
    path("login/link/<str:token>/", views.sign_in_link, name="sign_in_link"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views.account, name="account"),
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/off/", views.two_factor_disable, name="two_factor_disable"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path(
        "password/",
        views.PasswordChange.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/reset_form.html",
            form_class=UserLanguagePasswordResetForm,
            email_template_name="accounts/reset_email.txt",
            subject_template_name="accounts/reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/reset_complete.html"),
        name="password_reset_complete",
    ),
]
