from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaiku import language
from kaiku.checks import services
from kaiku.checks.forms import TermForm
from kaiku.checks.models import OrganisationTerm
from kaiku.connections.models import ChannelAccount
from kaiku.organisations import audit
from kaiku.organisations.access import KaikuRequest, owned, require
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm
from kaiku.posts.previews import check_inputs

MAX_TEXT = 20_000


def results_context(text: str, findings: list[object], note: str = "") -> dict[str, object]:
    ordered = services.ordered(findings)
    return {
        "grammar_note": note,
        "text": text,
        "findings": ordered,
        "segments": services.segments(text, ordered),
        "blocking": sum(1 for f in ordered if getattr(f, "severity", "") == "block"),
        # A henkilötunnus is not for a reviewer: no approval lets it out (kaiku.posts.gate).
        "hetu": any(getattr(f, "code", "") in language.IDENTITY_CODES for f in ordered),
        "language_status": language.status(),
    }


@require(Perm.CHECK_TEXT)
def check_page(request: KaikuRequest, org: Organisation) -> HttpResponse:
    text = request.GET.get("text", "")[:MAX_TEXT]
    context = results_context(text, services.run_check(text, org=org) if text else [])
    context.update(
        {
            "channel_choices": services.channel_choices(),
            "terms": OrganisationTerm.objects.filter(organisation=org),
            "term_form": TermForm(),
            "can_edit_terms": request.membership.can(Perm.EDIT_POSTS),
        }
    )
    return render(request, "checks/page.html", context)


@require(Perm.CHECK_TEXT)
@require_POST
def check_partial(request: KaikuRequest, org: Organisation) -> HttpResponse:
    text = request.POST.get("text", "")[:MAX_TEXT]
    lang = request.POST.get("lang") or None
    if lang not in (None, "fi", "sv", "en"):
        lang = None
    channels = request.POST.getlist("channels") or [
        c for c in request.POST.get("channel_list", "").split(",") if c
    ]
    chosen = request.POST.getlist("accounts")
    changes = services.parse_changes(request.POST.get("changes", ""), text)
    if text and chosen:
        # From the compose page: measure the text as each chosen account's platform gets it.
        accounts = list(
            ChannelAccount.objects.filter(
                organisation=org, pk__in=[a for a in chosen if a.isdigit()]
            )
        )
        try:
            images = max(0, min(int(request.POST.get("image_count", "0")), 20))
        except ValueError:
            images = 0
        inputs = check_inputs(
            text, accounts, link=request.POST.get("link", "").strip(), images=images
        )
        findings = services.run_check(
            text,
            lang=lang,
            channels=inputs.channels,
            org=org,
            sent_texts=inputs.sent_texts,
            channel_limits=inputs.channel_limits,
            url_weights=inputs.url_weights,
            changes=changes,
        ) + list(inputs.refusals)
    else:
        findings = (
            services.run_check(text, lang=lang, channels=channels, org=org, changes=changes)
            if text
            else []
        )
    note = services.grammar_note(text, lang, changes)
    return render(request, "checks/_results.html", results_context(text, findings, note))


@require(Perm.EDIT_POSTS)
@require_POST
def term_add(request: KaikuRequest, org: Organisation) -> HttpResponse:
    form = TermForm(request.POST)
    if form.is_valid():
        term = form.save(commit=False)
        term.organisation = org
        term.word = term.word.strip().lower()
        try:
            term.save()
        except IntegrityError:
            messages.error(request, _("That word is already on the list."))
        else:
            audit.record(
                "check.term_added",
                request=request,
                organisation=org,
                target=term.word,
                kind=term.kind,
            )
            messages.success(request, _("Saved. The check uses it from now on."))
    else:
        messages.error(request, _("Give the word and its language."))
    return redirect("checks:page", org=org.slug)


@require(Perm.EDIT_POSTS)
@require_POST
def term_delete(request: KaikuRequest, org: Organisation, term_id: int) -> HttpResponse:
    term = owned(request, OrganisationTerm, pk=term_id)
    term.delete()
    audit.record("check.term_removed", request=request, organisation=org, target=term.word)
    return redirect("checks:page", org=org.slug)
