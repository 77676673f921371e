from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from kaiku.accounts.models import User
from kaiku.organisations.models import Invitation, Organisation
from kaiku.organisations.roles import Role


class InviteForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Invitation
        fields = ["email", "role"]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class SettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Organisation
        fields = [
            "name",
            "approval_required",
            "self_review_wait_minutes",
            "require_two_factor_for_admins",
        ]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        if data is not None and "self_review_wait_minutes" not in data and instance is not None:
            # A form sent without the field (an older page, a script) keeps the waiting time.
            data = data.copy()
            data["self_review_wait_minutes"] = str(instance.self_review_wait_minutes)
        super().__init__(data, *args, **kwargs)


class JoinForm(forms.Form):
    """A new person accepting an invitation chooses a username and a password."""

    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken."))
        return username

    def clean(self) -> dict[str, object] | None:
        data = super().clean()
        if data and data.get("password"):
            try:
                validate_password(
                    str(data["password"]), User(username=str(data.get("username", "")))
                )
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data
