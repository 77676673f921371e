"""Template filters for findings: their severity's name and badge, from kaiku.checks.severity."""

from __future__ import annotations

from django import template

from kaiku.checks import severity

register = template.Library()


@register.filter
def severity_label(value: str) -> str:
    return severity.label(str(value))


@register.filter
def severity_badge(value: str) -> str:
    return severity.BADGES.get(str(value), "")
