"""Forms of the watch pages (sources, imports, the digest's filters and e-mail choice)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaiku.watch.models import MIN_POLL_SECONDS, SourceKind

INTERVAL_CHOICES = (
    (900, _("every 15 minutes")),
    (1800, _("every 30 minutes")),
    (3600, _("every hour")),
    (3 * 3600, _("every 3 hours")),
    (6 * 3600, _("every 6 hours")),
    (24 * 3600, _("once a day")),
)


class AddSourceForm(forms.Form):
    value = forms.CharField(
        label=_("Address, account or search"),
        max_length=2000,
        help_text=_(
            "A web or feed address, @user@instance (Mastodon), a Bluesky handle, "
            "a YouTube channel address or an X account."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Recognise automatically")), *SourceKind.choices],
        help_text=_(
            "Reading X needs a paid X API plan: X charges per post read, so X sources cost "
            "money on every fetch."
        ),
    )
    weight = forms.FloatField(label=_("Weight"), min_value=0.0, max_value=100.0, initial=1.0)
    poll_interval = forms.TypedChoiceField(
        label=_("How often to fetch"), choices=INTERVAL_CHOICES, coerce=int, initial=3600
    )


class EditSourceForm(forms.Form):
    weight = forms.FloatField(label=_("Weight"), min_value=0.0, max_value=100.0)
    poll_interval = forms.IntegerField(
        label=_("Fetch interval (seconds)"), min_value=MIN_POLL_SECONDS, max_value=7 * 24 * 3600
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False)


class OpmlImportForm(forms.Form):
    file = forms.FileField(label=_("OPML file"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class BlueskyListForm(forms.Form):
    value = forms.CharField(
        label=_("Bluesky starter pack or list address"),
        max_length=1000,
        help_text=_(
            "For example https://bsky.app/starter-pack/… or https://bsky.app/profile/…/lists/…"
        ),
    )


class MastodonAccountsForm(forms.Form):
    accounts = forms.CharField(
        label=_("Mastodon accounts, one a line"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("@user@instance or a profile address. Lines starting with # are skipped."),
    )


class DigestEmailForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("E-mail digest"),
        choices=(
            ("none", _("No e-mail")),
            ("daily", _("Daily")),
            ("weekly", _("Weekly (Mondays)")),
        ),
    )
