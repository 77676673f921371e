"""A calendar entry of the month and week grids, and one of the agenda and day lists,
written in Python.

The grids show up to 42 × 4 (month) or 7 × 12 (week) entries, the agenda up to 8 a day;
as an included template each cost about 0.2 ms of variable look-ups, a third of the month
page's CPU. The markup is the one the templates ``calendar/_item.html`` and
``calendar/_list_item.html`` gave, byte for byte, every value escaped as ``{{ }}`` escapes
it; tests/posts/test_calendar_item_markup.py holds them together.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from kaiku.calendar.services import Item
from kaiku.posts.models import Post

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
    attrs = ""
    if not item.repeat:
        attrs = f'data-post="{_e(post.public_id)}" data-local="{local_input}"'
        if item.movable and can_edit:
            attrs += ' data-movable="1" draggable="true" tabindex="0" aria-describedby="cal-keys"'
    badge = _badge(item)
    channels = _channels(item)
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


def _channels(item: Item) -> str:
    return "".join(
        f'<span class="cal-channel cal-channel--{_e(c.platform)}" title="{_e(c.handle)}">'
        f"{_e(c.label)}</span>"
        for c in item.channels
    )


def _badge(item: Item) -> str:
    if item.repeat:
        return f'<span class="badge cal-badge-repeat">{_e(gettext("Repeats"))}</span>'
    return (
        f'<span class="badge cal-badge cal-badge--{_e(item.post.state)}">'
        f"{_e(_state_label(item.post.state))}</span>"
    )


def _state_label(state: str) -> str:
    """What ``post.get_state_display()`` gives, without its dictionary of every choice built
    per call (half of an agenda entry's time)."""
    try:
        return str(Post.State(state).label)
    except ValueError:
        return state


@register.simple_tag
def calendar_list_item(item: Item) -> SafeString:
    """One entry of the agenda and the day view: time, channels, state and text."""
    # Every value is escaped.
    return mark_safe(
        "\n"
        f'      <li class="cal-item cal-state-{_e(item.post.state)}'
        f'{" cal-item--repeat" if item.repeat else ""}">\n'
        f'        <time datetime="{_e(item.utc_iso)}">'
        f"{_e(formats.time_format(timezone.localtime(item.at)))}</time>\n"
        f'        <span class="cal-channels">{_channels(item)}</span>\n'
        f"        {_badge(item)}\n"
        f'        <a href="{_e(item.url)}" class="cal-text">{_e(item.excerpt)}</a>\n'
        "      </li>\n"
        "\n"
    )
