"""The sources page: list, add, edit, enable/disable, delete, imports, OPML and "fetch now"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kaiku.organisations.access import KaikuRequest, require
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm
from kaiku.watch import services
from kaiku.watch.errors import WatchError
from kaiku.watch.features.opml import export_opml, import_opml
from kaiku.watch.forms import (
    AddSourceForm,
    BlueskyListForm,
    EditSourceForm,
    MastodonAccountsForm,
    OpmlImportForm,
)
from kaiku.watch.models import Source
from kaiku.watch.sources import kind_label, source_type


def _sources_context(request: KaikuRequest, org: Organisation, **forms: Any) -> dict[str, Any]:
    sources = list(
        Source.objects.filter(organisation=org)
        .annotate(item_count=Count("seen_items"))
        .order_by("title", "id")
    )
    can_manage = bool(request.membership.can(Perm.MANAGE_WATCH))
    return {
        "sources": sources,
        # Each source with its platform, from the readers' registry (the model knows none).
        "source_rows": [(s, source_type(s.kind).platform, kind_label(s.kind)) for s in sources],
        "can_manage": can_manage,
        "add_form": forms.get("add_form") or AddSourceForm(),
        "opml_form": forms.get("opml_form") or OpmlImportForm(),
        "bluesky_form": forms.get("bluesky_form") or BlueskyListForm(),
        "mastodon_form": forms.get("mastodon_form") or MastodonAccountsForm(),
        "x_reads_allowed": services.watch_settings(org).x_reads_allowed if can_manage else False,
    }


@require(Perm.VIEW)
def sources(request: KaikuRequest, org: Organisation) -> HttpResponse:
    return render(request, "watch/sources.html", _sources_context(request, org))


def _to_sources(org: Organisation) -> HttpResponse:
    return redirect("watch:sources", org=org.slug)


@require_POST
@require(Perm.MANAGE_WATCH)
def source_add(request: KaikuRequest, org: Organisation) -> HttpResponse:
    form = AddSourceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            added = services.add_source(
                org,
                data["value"],
                kind=data["kind"] or None,
                weight=data["weight"],
                poll_interval=data["poll_interval"],
                poll_now=True,
            )
        except WatchError as exc:
            form.add_error("value", exc.message)
        else:
            if added.created:
                messages.success(request, _("Source added: %(name)s") % {"name": added.source})
            else:
                messages.info(
                    request, _("This source is already followed: %(name)s") % {"name": added.source}
                )
            for alt in added.alternatives[:5]:
                messages.info(
                    request, _("The page also offers the feed %(url)s") % {"url": alt.url}
                )
            return _to_sources(org)
    return render(
        request, "watch/sources.html", _sources_context(request, org, add_form=form), status=400
    )


def _source(org: Organisation, source_id: int) -> Source:
    return get_object_or_404(Source, organisation=org, pk=source_id)


@require_POST
@require(Perm.MANAGE_WATCH)
def source_edit(request: KaikuRequest, org: Organisation, source_id: int) -> HttpResponse:
    source = _source(org, source_id)
    form = EditSourceForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{source}: {error}")
        return _to_sources(org)
    services.edit_source(
        source,
        weight=form.cleaned_data["weight"],
        poll_interval=form.cleaned_data["poll_interval"],
        enabled=form.cleaned_data["enabled"],
    )
    messages.success(request, _("Saved: %(name)s") % {"name": source})
    return _to_sources(org)


@require_POST
@require(Perm.MANAGE_WATCH)
def source_toggle(request: KaikuRequest, org: Organisation, source_id: int) -> HttpResponse:
    source = _source(org, source_id)
    source.enabled = not source.enabled
    source.save(update_fields=["enabled"])
    if source.enabled:
        messages.success(request, _("Enabled: %(name)s") % {"name": source})
    else:
        messages.success(request, _("Disabled: %(name)s") % {"name": source})
    return _to_sources(org)


@require_POST
@require(Perm.MANAGE_WATCH)
def source_delete(request: KaikuRequest, org: Organisation, source_id: int) -> HttpResponse:
    source = _source(org, source_id)
    name = str(source)
    services.remove_source(source)
    messages.success(request, _("Removed: %(name)s") % {"name": name})
    return _to_sources(org)


@require_POST
@require(Perm.MANAGE_WATCH)
def fetch_now(request: KaikuRequest, org: Organisation) -> HttpResponse:
    """Queue a poll of every enabled source now (the worker runs them)."""
    n = services.fetch_now(org)
    messages.success(
        request, ngettext("Fetching %(n)d source.", "Fetching %(n)d sources.", n) % {"n": n}
    )
    return _to_sources(org)


@require_POST
@require(Perm.MANAGE_WATCH)
def opml_import(request: KaikuRequest, org: Organisation) -> HttpResponse:
    form = OpmlImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            report = import_opml(org, form.cleaned_data["file"].read())
        except WatchError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(
                request,
                ngettext("%(n)d source imported.", "%(n)d sources imported.", len(report.added))
                % {"n": len(report.added)},
            )
            if report.existing:
                messages.info(
                    request,
                    ngettext(
                        "%(n)d source was already followed.",
                        "%(n)d sources were already followed.",
                        report.existing,
                    )
                    % {"n": report.existing},
                )
            for value, problem in report.refused[:10]:
                messages.error(request, f"{value}: {problem}")
            return _to_sources(org)
    return render(
        request, "watch/sources.html", _sources_context(request, org, opml_form=form), status=400
    )


@require(Perm.VIEW)
def opml_export(request: KaikuRequest, org: Organisation) -> HttpResponse:
    response = HttpResponse(export_opml(org), content_type="text/x-opml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kaiku-{org.slug}-lahteet.opml"'
    return response


def _imported(request: KaikuRequest, added: list[services.AddedSource]) -> None:
    new = sum(1 for a in added if a.created)
    messages.success(
        request,
        ngettext("%(n)d source added.", "%(n)d sources added.", new) % {"n": new},
    )


@require_POST
@require(Perm.MANAGE_WATCH)
def bluesky_import(request: KaikuRequest, org: Organisation) -> HttpResponse:
    form = BlueskyListForm(request.POST)
    if form.is_valid():
        try:
            added = services.import_bluesky_list(org, form.cleaned_data["value"])
        except WatchError as exc:
            form.add_error("value", exc.message)
        else:
            _imported(request, added)
            return _to_sources(org)
    return render(
        request, "watch/sources.html", _sources_context(request, org, bluesky_form=form), status=400
    )


@require_POST
@require(Perm.MANAGE_WATCH)
def mastodon_import(request: KaikuRequest, org: Organisation) -> HttpResponse:
    form = MastodonAccountsForm(request.POST)
    if form.is_valid():
        try:
            added = services.import_mastodon_accounts(
                org, form.cleaned_data["accounts"].splitlines()
            )
        except WatchError as exc:
            form.add_error("accounts", exc.message)
        else:
            _imported(request, added)
            return _to_sources(org)
    return render(
        request,
        "watch/sources.html",
        _sources_context(request, org, mastodon_form=form),
        status=400,
    )


@require_POST
@require(Perm.MANAGE_WATCH)
def starter_add(request: KaikuRequest, org: Organisation) -> HttpResponse:
    _imported(request, services.add_starter_sources(org))
    return _to_sources(org)
