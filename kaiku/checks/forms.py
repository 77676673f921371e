from __future__ import annotations

from django import forms

from kaiku.checks.models import OrganisationTerm


class TermForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = OrganisationTerm
        fields = ["kind", "language", "word", "alternatives", "note"]
