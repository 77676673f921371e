from __future__ import annotations

import zoneinfo

from django import forms
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
