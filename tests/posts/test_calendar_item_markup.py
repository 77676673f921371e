"""The calendar entries written in Python (``{% calendar_item %}``,
``{% calendar_list_item %}``) give the markup the templates ``calendar/_item.html`` and
``calendar/_list_item.html`` gave, for any entry: repeated or not, movable or not, by someone
who may edit or not, texts and handles with characters HTML must escape, in each language."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kaiku.calendar.services import Channel, Item
from kaiku.posts.models import Post

# calendar/_item.html as it was before it became the tag: the oracle.
TEMPLATE = """{% load i18n %}{% with post=item.post %}
<li class="cal-item cal-state-{{ post.state }}{% if item.repeat %} cal-item--repeat{% endif %}" id="{{ item.dom_id }}"
  {% if not item.repeat %}data-post="{{ post.public_id }}" data-local="{{ item.local_input }}"{% if item.movable and can_edit %} data-movable="1" draggable="true" tabindex="0" aria-describedby="cal-keys"{% endif %}{% endif %}>
  <time datetime="{{ item.utc_iso }}">{{ item.at|time }}</time>
  <a href="{{ item.url }}" class="cal-text">{{ item.excerpt }}</a>
  <span class="cal-channels">{% for c in item.channels %}<span class="cal-channel cal-channel--{{ c.platform }}" title="{{ c.handle }}">{{ c.label }}</span>{% endfor %}</span>
  {% if item.repeat %}<span class="badge cal-badge-repeat">{% translate "Repeats" %}</span>{% else %}<span class="badge cal-badge cal-badge--{{ post.state }}">{{ post.get_state_display }}</span>{% endif %}
  {% if item.movable and can_edit and not item.repeat %}
  <details class="cal-move">
    <summary>{% translate "Move" %}<span class="visually-hidden">: {{ item.excerpt }}</span></summary>
    <form method="post" action="{{ move_url }}">
      {% csrf_token %}
      <input type="hidden" name="post" value="{{ post.public_id }}">
      <input type="hidden" name="next" value="{{ here }}">
      <label for="move-{{ post.public_id }}">{% translate "New time" %}</label>
      <input type="datetime-local" id="move-{{ post.public_id }}" name="at" value="{{ item.local_input }}" required>
      <button type="submit">{% translate "Move" %}</button>
    </form>
  </details>
  {% endif %}
</li>
{% endwith %}
"""  # noqa: E501

# calendar/_list_item.html (the agenda and the day view) as it was.
LIST_TEMPLATE = """{% load i18n %}{% with post=item.post %}
      <li class="cal-item cal-state-{{ post.state }}{% if item.repeat %} cal-item--repeat{% endif %}">
        <time datetime="{{ item.utc_iso }}">{{ item.at|time }}</time>
        <span class="cal-channels">{% for c in item.channels %}<span class="cal-channel cal-channel--{{ c.platform }}" title="{{ c.handle }}">{{ c.label }}</span>{% endfor %}</span>
        {% if item.repeat %}<span class="badge cal-badge-repeat">{% translate "Repeats" %}</span>{% else %}<span class="badge cal-badge cal-badge--{{ post.state }}">{{ post.get_state_display }}</span>{% endif %}
        <a href="{{ item.url }}" class="cal-text">{{ item.excerpt }}</a>
      </li>
{% endwith %}
"""  # noqa: E501

TAG = "{% load calendar_items %}{% calendar_item item %}"
LIST_TAG = "{% load calendar_items %}{% calendar_list_item item %}"
TEXT = st.text(alphabet=st.sampled_from("ab <>&\"'äö\n#"), max_size=60)


@settings(max_examples=150, deadline=None)
@given(
    text=TEXT,
    state=st.sampled_from([s.value for s in Post.State]),
    repeat=st.booleans(),
    movable=st.booleans(),
    can_edit=st.booleans(),
    minutes=st.integers(0, 60 * 24 * 400),
    channels=st.lists(
        st.tuples(st.sampled_from(["mastodon", "bluesky", "feed"]), TEXT, TEXT), max_size=3
    ),
    language=st.sampled_from(["fi", "sv", "en"]),
    zone=st.sampled_from(["Europe/Helsinki", "America/New_York"]),
    token=st.sampled_from(["", "NOTPROVIDED", "abc<&>"]),
    here=TEXT,
)
def test_the_entry_tags_write_what_the_entry_templates_wrote(
    text: str,
    state: str,
    repeat: bool,
    movable: bool,
    can_edit: bool,
    minutes: int,
    channels: list[tuple[str, str, str]],
    language: str,
    zone: str,
    token: str,
    here: str,
) -> None:
    tz = ZoneInfo(zone)
    post = Post(pk=7, public_id=uuid.uuid4(), text=text, state=state)
    at = (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)).astimezone(tz)
    item = Item(
        post,
        at,
        repeat=repeat,
        movable=movable,
        channels=tuple(Channel(*c) for c in channels),
        url=f"/o/x/posts/{post.public_id}/?a=1&b=<{text}>",
    )
    values: dict[str, Any] = {
        "item": item,
        "can_edit": can_edit,
        "move_url": "/o/x/calendar/move/?a=1&b=2",
        "here": here,
        "csrf_token": token,
    }
    with translation.override(language), timezone.override(tz):
        expected = Template(TEMPLATE).render(Context(values))
        written = Template(TAG).render(Context(values))
        expected_list = Template(LIST_TEMPLATE).render(Context(values))
        written_list = Template(LIST_TAG).render(Context(values))
    assert written == expected
    assert written_list == expected_list


@pytest.mark.django_db
def test_the_month_page_writes_each_entry_with_its_move_form(
    client_for: Any, members: Any, org: Any, feed_account: Any
) -> None:
    """Through the page: an editor gets the move form of a scheduled post, a viewer not."""
    from tests.posts.test_calendar_views import hel, schedule

    post = schedule(org, members["editor"], feed_account, hel(2030, 5, 14, 9, 30))
    month = "/o/toivon-polku/calendar/?month=2030-05"
    editor = client_for("editor").get(month).content.decode()
    viewer = client_for("viewer").get(month).content.decode()
    assert f'id="move-{post.public_id}"' in editor
    assert 'name="csrfmiddlewaretoken"' in editor.split(f'id="move-{post.public_id}"')[0]
    assert f'data-post="{post.public_id}"' in viewer
    assert f'id="move-{post.public_id}"' not in viewer
