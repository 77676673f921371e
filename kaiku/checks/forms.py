from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaiku.checks.models import OrganisationTerm


class TermForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = OrganisationTerm
        fields = ["kind", "language", "word", "alternatives", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django's empty choice is "---------": a person reads a word, not a rule.
        for name, empty in (("kind", _("Choose what to do")), ("language", _("Choose a language"))):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            kept: list[tuple[Any, Any]] = [c for c in list(field.choices) if c[0] != ""]  # type: ignore[arg-type]
            field.choices = [("", empty), *kept]
