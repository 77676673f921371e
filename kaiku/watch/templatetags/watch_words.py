"""The watch's codes in people's words inside templates."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from kaiku.watch.sources import platform_names

register = template.Library()


@register.filter
def platform_name(code: str) -> str:
    """An item's platform by its name ("feed" is a web feed, not a word to show)."""
    if code == "feed":
        return _("Web feed")
    return platform_names().get(code, code)
