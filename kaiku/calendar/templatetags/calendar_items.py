"""A calendar entry of the month and week grids, written in Python.

The grids show up to 42 × 4 (month) or 7 × 12 (week) entries; as an included template each
cost about 0.2 ms of variable look-ups, a third of the month page's CPU. The markup is the
one the template ``calendar/_item.html`` gave, byte for byte, every value escaped as
``{{ }}`` escapes it; tests/posts/test_calendar_item_markup.py holds them together.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from kaiku.calendar.services import Item

register = template.Library()


def _e(value: object) -> str:
    return escape(str(value))


@register.simple_tag(takes_context=True)
def calendar_item(context: Any, item: Item) -> SafeString:
    """One entry: its time, text, channels and state, and the move form for those who may."""
    post = item.post
    state = _e(post.state)
    excerpt = _e(item.excerpt)
    local_input = _e(item.local_input)
    can_edit = bool(context.get("can_edit"))
    if item.repeat:
        attrs = ""
        badge = f'<span class="badge cal-badge-repeat">{_e(gettext("Repeats"))}</span>'
    else:
        attrs = f'data-post="{_e(post.public_id)}" data-local="{local_input}"'
        if item.movable and can_edit:
            attrs += ' data-movable="1" draggable="true" tabindex="0" aria-describedby="cal-keys"'
        badge = (
            f'<span class="badge cal-badge cal-badge--{state}">'
            f"{_e(post.get_state_display())}</span>"
        )
    channels = "".join(
        f'<span class="cal-channel cal-channel--{_e(c.platform)}" title="{_e(c.handle)}">'
        f"{_e(c.label)}</span>"
        for c in item.channels
    )
    move = ""
    if item.movable and can_edit and not item.repeat:
        move = _move_form(context, item, excerpt, local_input)
    # Every value above is escaped.
    return mark_safe(
        "\n"
        f'<li class="cal-item cal-state-{state}{" cal-item--repeat" if item.repeat else ""}"'
        f' id="{_e(item.dom_id)}"\n'
        f"  {attrs}>\n"
        f'  <time datetime="{_e(item.utc_iso)}">'
        f"{_e(formats.time_format(timezone.localtime(item.at)))}</time>\n"
        f'  <a href="{_e(item.url)}" class="cal-text">{excerpt}</a>\n'
        f'  <span class="cal-channels">{channels}</span>\n'
        f"  {badge}\n"
        f"  {move}\n"
        "</li>\n"
        "\n"
    )


def _move_form(context: Any, item: Item, excerpt: str, local_input: str) -> str:
    public_id = _e(item.post.public_id)
    move = _e(gettext("Move"))
    token = context.get("csrf_token")
    # As {% csrf_token %} writes it: nothing without a token.
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(token)}">'
        if token and str(token) != "NOTPROVIDED"
        else ""
    )
    return (
        "\n"
        '  <details class="cal-move">\n'
        f'    <summary>{move}<span class="visually-hidden">: {excerpt}</span></summary>\n'
        f'    <form method="post" action="{_e(context.get("move_url", ""))}">\n'
        f"      {csrf}\n"
        f'      <input type="hidden" name="post" value="{public_id}">\n'
        f'      <input type="hidden" name="next" value="{_e(context.get("here", ""))}">\n'
        f'      <label for="move-{public_id}">{_e(gettext("New time"))}</label>\n'
        f'      <input type="datetime-local" id="move-{public_id}" name="at"'
        f' value="{local_input}" required>\n'
        f'      <button type="submit">{move}</button>\n'
        "    </form>\n"
        "  </details>\n"
        "  "
    )
