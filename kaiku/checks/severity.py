"""The severity names a person reads, one source for the check page, compose and review.

The check page and the compose page said "Must be checked" while the post's own page said
"Must be fixed": a reviewer read two names for one finding (issue 19, item 5)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

LABELS: dict[str, Promise] = {
    "block": gettext_lazy("Must be checked"),
    "warn": gettext_lazy("Warning"),
    "info": gettext_lazy("Note"),
}

# The badge colour of each severity (the classes in base.css).
BADGES = {"block": "bad", "warn": "warn"}


def label(severity: str) -> str:
    """The translated name of a severity; an unknown one reads as itself."""
    return str(LABELS.get(severity, severity))


# Worst first: the order a reviewer reads them in.
ORDER = ("block", "warn", "info")


def counts(summary: dict[str, int]) -> list[dict[str, object]]:
    """The non-zero counts of a post's or text's findings, worst severity first, each with its
    name and badge class: the first one is the worst."""
    return [
        {"severity": s, "label": label(s), "count": summary[s], "badge": BADGES.get(s, "")}
        for s in ORDER
        if summary.get(s)
    ]
