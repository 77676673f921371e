"""The topics page: the organisation's watch topics with their keywords and matches; add, edit,
enable/disable, delete, and restore the default topics.

Every change queues a re-match of the organisation's items (``watch.rescore``): with many items
it takes too long for a request.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kaiku.organisations.access import KaikuRequest, require
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm
from kaiku.watch.features.topics import seed_topics
from kaiku.watch.forms import EditTopicForm, TopicForm, name_taken
from kaiku.watch.jobs import request_rescore, rescore_pending
from kaiku.watch.models import Topic


def _topics_context(
    request: KaikuRequest, org: Organisation, add_form: TopicForm | None = None
) -> dict[str, Any]:
    topics = list(
        Topic.objects.filter(organisation=org)
        .annotate(item_count=Count("item_links"))
        .order_by("name", "id")
    )
    return {
        "topics": topics,
        "can_manage": bool(request.membership.can(Perm.MANAGE_WATCH)),
        "add_form": add_form or TopicForm(organisation=org),
        "rescore_pending": rescore_pending(org.pk),
    }


def _saved(topic: Topic, form: TopicForm, **save: Any) -> bool:
    """Save, or put the form's name error on it when another request took the name between
    the form's check and this write (the database's unique slug decides)."""
    try:
        with transaction.atomic():
            topic.save(**save)
    except IntegrityError:
        form.add_error("name", name_taken(topic.name))
        return False
    return True


@require(Perm.VIEW)
def topics(request: KaikuRequest, org: Organisation) -> HttpResponse:
    return render(request, "watch/topics.html", _topics_context(request, org))


def _to_topics(org: Organisation) -> HttpResponse:
    return redirect("watch:topics", org=org.slug)


def _topic(org: Organisation, topic_id: int) -> Topic:
    return get_object_or_404(Topic, organisation=org, pk=topic_id)


@require_POST
@require(Perm.MANAGE_WATCH)
def topic_add(request: KaikuRequest, org: Organisation) -> HttpResponse:
    form = TopicForm(request.POST, organisation=org)
    if not form.is_valid():
        context = _topics_context(request, org, add_form=form)
        return render(request, "watch/topics.html", context, status=400)
    topic = Topic(organisation=org)
    form.apply(topic)
    if not _saved(topic, form):
        context = _topics_context(request, org, add_form=form)
        return render(request, "watch/topics.html", context, status=400)
    request_rescore(org.pk)
    messages.success(request, _("Topic added: %(name)s") % {"name": topic})
    return _to_topics(org)


@require_http_methods(["GET", "POST"])
@require(Perm.MANAGE_WATCH)
def topic_edit(request: KaikuRequest, org: Organisation, topic_id: int) -> HttpResponse:
    topic = _topic(org, topic_id)
    if request.method != "POST":
        form = EditTopicForm(organisation=org, topic=topic)
        return render(request, "watch/topic_edit.html", {"topic": topic, "form": form})
    form = EditTopicForm(request.POST, organisation=org, topic=topic)
    if not form.is_valid():
        context = {"topic": topic, "form": form}
        return render(request, "watch/topic_edit.html", context, status=400)
    before = (topic.name, list(topic.keywords), topic.enabled)
    form.apply(topic)
    if (topic.name, topic.keywords, topic.enabled) != before:
        if not _saved(topic, form, update_fields=["name", "slug", "keywords", "enabled"]):
            context = {"topic": topic, "form": form}
            return render(request, "watch/topic_edit.html", context, status=400)
        request_rescore(org.pk)
    messages.success(request, _("Saved: %(name)s") % {"name": topic})
    return _to_topics(org)


@require_POST
@require(Perm.MANAGE_WATCH)
def topic_toggle(request: KaikuRequest, org: Organisation, topic_id: int) -> HttpResponse:
    topic = _topic(org, topic_id)
    topic.enabled = not topic.enabled
    topic.save(update_fields=["enabled"])
    request_rescore(org.pk)
    if topic.enabled:
        messages.success(request, _("Enabled: %(name)s") % {"name": topic})
    else:
        messages.success(request, _("Disabled: %(name)s") % {"name": topic})
    return _to_topics(org)


@require_http_methods(["GET", "POST"])
@require(Perm.MANAGE_WATCH)
def topic_delete(request: KaikuRequest, org: Organisation, topic_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes (its item links go with it)."""
    topic = _topic(org, topic_id)
    if request.method != "POST":
        item_count = topic.item_links.count()
        context = {"topic": topic, "item_count": item_count}
        return render(request, "watch/topic_delete.html", context)
    name = topic.name
    topic.delete()
    request_rescore(org.pk)
    messages.success(request, _("Removed: %(name)s") % {"name": name})
    return _to_topics(org)


@require_POST
@require(Perm.MANAGE_WATCH)
def topics_restore(request: KaikuRequest, org: Organisation) -> HttpResponse:
    """Add back the default topics the organisation does not have (by slug); others stay."""
    created = seed_topics(org)
    if created:
        request_rescore(org.pk)
        messages.success(
            request,
            ngettext(
                "%(n)d default topic restored.", "%(n)d default topics restored.", len(created)
            )
            % {"n": len(created)},
        )
    else:
        messages.info(request, _("Every default topic is already there."))
    return _to_topics(org)
