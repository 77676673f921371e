from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kaiku.accounts.models import User


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PreferencesForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language", "time_zone"]

    def clean_time_zone(self) -> str:
        value: str = self.cleaned_data["time_zone"].strip()
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Give a time zone such as Europe/Helsinki."))
        return value


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name of the token"), max_length=100)


class ReplaceCodeForm(CodeForm):
    """Replacing the authenticator needs a code from the old one as well as from the new."""

    current_code = forms.CharField(
        label=_("Code from the authenticator app you use now"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    field_order = ["current_code", "code"]


class SignInLinkForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of your account"), max_length=254)


class UserLanguagePasswordResetForm(PasswordResetForm):
    """The reset e-mail in the account's language: whoever asks is not signed in, so the
    request's language is the browser's (or the server's default), not the owner's choice."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context.get("user")
        language = getattr(user, "language", "") or translation.get_language() or "fi"
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )
