from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kaiku.organisations.models import Organisation


class OrganisationTerm(models.Model):
    """A word an organisation adds to the stigma check, or allows (the check stays silent)."""

    class Kind(models.TextChoices):
        ADD = "add", _("Warn about this word")
        ALLOW = "allow", _("Allow this word")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="terms")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    language = models.CharField(
        _("language"), max_length=2, choices=[("fi", "suomi"), ("sv", "svenska"), ("en", "English")]
    )
    word = models.CharField(_("word (base form)"), max_length=100)
    alternatives = models.CharField(
        _("better alternatives, separated by commas"), max_length=300, blank=True
    )
    note = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        ordering = ["language", "word"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "language", "word"], name="one_term_per_word"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.language}:{self.word}"
