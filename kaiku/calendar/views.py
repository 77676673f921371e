"""The calendar pages: month and week, moving posts, posting slots and the iCalendar feed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kaiku.calendar import days as cd
from kaiku.calendar import services as cs
from kaiku.calendar.models import CalendarFeed
from kaiku.connections.models import ChannelAccount, PostingSlot
from kaiku.organisations import audit
from kaiku.organisations.access import KaikuRequest, owned, require
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm
from kaiku.posts.access import post_for
from kaiku.posts.forms import zone
from kaiku.posts.models import Post


def _zone(request: KaikuRequest) -> ZoneInfo:
    return zone(getattr(request.user, "time_zone", None))


def _can_edit(request: KaikuRequest) -> bool:
    return bool(request.membership.can(Perm.EDIT_POSTS))


def _render(
    request: KaikuRequest, template: str, context: dict[str, Any], tz: ZoneInfo, status: int = 200
) -> HttpResponse:
    # Dates in templates are shown in the person's own zone, not the server's.
    with timezone.override(tz):
        return render(request, template, context, status=status)


def local_when(when: datetime, tz: ZoneInfo) -> str:
    """``tiistai 1. joulukuuta 2026 kello 10.00``: a time as the person reads it."""
    local = when.astimezone(tz)
    return f"{formats.date_format(local, 'l')} {formats.date_format(local, 'DATETIME_FORMAT')}"


# The weekday as "on <day>" takes: Finnish puts it in the essive (keskiviikkona), which the
# plain weekday name of the date format (keskiviikko) is not.
_ON_WEEKDAY = (
    pgettext_lazy("on a weekday", "Monday"),
    pgettext_lazy("on a weekday", "Tuesday"),
    pgettext_lazy("on a weekday", "Wednesday"),
    pgettext_lazy("on a weekday", "Thursday"),
    pgettext_lazy("on a weekday", "Friday"),
    pgettext_lazy("on a weekday", "Saturday"),
    pgettext_lazy("on a weekday", "Sunday"),
)


def on_when(when: datetime, tz: ZoneInfo) -> str:
    """``keskiviikkona 9. joulukuuta 2026 kello 10.00``: a time after "on" (``is now on …``)."""
    local = when.astimezone(tz)
    return f"{_ON_WEEKDAY[local.weekday()]} {formats.date_format(local, 'DATETIME_FORMAT')}"


# --- month and week --------------------------------------------------------------------------


def _common(request: KaikuRequest, org: Organisation, view: str, period: str) -> dict[str, Any]:
    page = reverse(f"calendar:{view}", args=[org.slug])
    param = "week" if view == "week" else "month"
    return {
        "view": view,
        "period": period,
        "here": f"{page}?{param}={period}",
        "can_edit": _can_edit(request),
        "move_url": reverse("calendar:move", args=[org.slug]),
        "month_url": reverse("calendar:month", args=[org.slug]),
        "week_url": reverse("calendar:week", args=[org.slug]),
        "agenda_url": reverse("calendar:agenda", args=[org.slug]),
        "slots_url": reverse("calendar:slots", args=[org.slug]),
        "day_url": reverse("calendar:day", args=[org.slug]),
    }


def _month_context(
    request: KaikuRequest, org: Organisation, first: date, tz: ZoneInfo
) -> dict[str, Any]:
    weeks = cs.month_weeks(first)
    days = cd.capped_days(org, weeks[0][0], weeks[-1][-1], tz, cd.MONTH_DAY_CAP)
    page = reverse("calendar:month", args=[org.slug])

    def cell(day: date) -> cs.Cell:
        shown = days.get(day)
        return cs.Cell(day, items=shown.items, more=shown.more) if shown else cs.Cell(day)

    return {
        **_common(request, org, "month", cs.month_param(first)),
        "first": first,
        "today": cs.today_in(tz),
        "weekdays": weeks[0],
        "weeks": [[cell(day) for day in week] for week in weeks],
        "title": capfirst(formats.date_format(first, "F Y")),
        "pager_label": _("Change month"),
        "prev_label": _("Previous month"),
        "next_label": _("Next month"),
        "prev_url": f"{page}?month={cs.month_param(cs.add_months(first, -1))}",
        "next_url": f"{page}?month={cs.month_param(cs.add_months(first, 1))}",
        "today_url": page,
    }


def _week_context(
    request: KaikuRequest, org: Organisation, monday: date, tz: ZoneInfo
) -> dict[str, Any]:
    capped = cd.capped_days(org, monday, monday + timedelta(days=6), tz, cd.WEEK_DAY_CAP)
    days, rows = cs.week_rows(org, monday, tz, {d: c.items for d, c in capped.items()})
    page = reverse("calendar:week", args=[org.slug])
    return {
        **_common(request, org, "week", cs.week_param(monday)),
        "days": days,
        "heads": [{"day": d, "more": capped[d].more if d in capped else 0} for d in days],
        "rows": rows,
        "today": cs.today_in(tz),
        "title": _("Week %(number)s, %(start)s–%(end)s")
        % {
            "number": monday.isocalendar().week,
            "start": formats.date_format(days[0], "j.n."),
            "end": formats.date_format(days[-1], "j.n.Y"),
        },
        "pager_label": _("Change week"),
        "prev_label": _("Previous week"),
        "next_label": _("Next week"),
        "prev_url": f"{page}?week={cs.week_param(monday - timedelta(weeks=1))}",
        "next_url": f"{page}?week={cs.week_param(monday + timedelta(weeks=1))}",
        "today_url": page,
    }


def _feed_context(request: KaikuRequest, org: Organisation) -> dict[str, Any]:
    feed, _created = CalendarFeed.objects.get_or_create(organisation=org)
    return {
        "feed_url": request.build_absolute_uri(reverse("calendar:ical", args=[feed.token])),
        "rotate_url": reverse("calendar:rotate_feed", args=[org.slug]),
    }


@require(Perm.VIEW)
def month(request: KaikuRequest, org: Organisation) -> HttpResponse:
    tz = _zone(request)
    first = cs.parse_month(request.GET.get("month"), cs.today_in(tz))
    context = _month_context(request, org, first, tz)
    if request.htmx:
        return _render(request, "calendar/_month_grid.html", context, tz)
    return _render(request, "calendar/month.html", {**context, **_feed_context(request, org)}, tz)


@require(Perm.VIEW)
def week(request: KaikuRequest, org: Organisation) -> HttpResponse:
    tz = _zone(request)
    monday = cs.parse_week(request.GET.get("week"), cs.today_in(tz))
    context = _week_context(request, org, monday, tz)
    if request.htmx:
        return _render(request, "calendar/_week_grid.html", context, tz)
    return _render(request, "calendar/week.html", {**context, **_feed_context(request, org)}, tz)


@require(Perm.VIEW)
@require_GET
def agenda(request: KaikuRequest, org: Organisation) -> HttpResponse:
    """The calendar as a list for phones: the month's days with posts, each in time order."""
    tz = _zone(request)
    today = cs.today_in(tz)
    first = cs.parse_month(request.GET.get("month"), today)
    page = reverse("calendar:agenda", args=[org.slug])
    days = cd.agenda_days(org, first, today, tz)
    context = {
        **_common(request, org, "agenda", cs.month_param(first)),
        "days": days,
        "today": today,
        "title": capfirst(formats.date_format(first, "F Y")),
        "pager_label": _("Change month"),
        "prev_label": _("Previous month"),
        "next_label": _("Next month"),
        "prev_url": f"{page}?month={cs.month_param(cs.add_months(first, -1))}",
        "next_url": f"{page}?month={cs.month_param(cs.add_months(first, 1))}",
        "today_url": page,
    }
    return _render(request, "calendar/agenda.html", context, tz)


@require(Perm.VIEW)
@require_GET
def day(request: KaikuRequest, org: Organisation) -> HttpResponse:
    """One day's posts, a page at a time: where a month cell's "+N more" leads."""
    tz = _zone(request)
    today = cs.today_in(tz)
    try:
        chosen = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        chosen = today
    if not 1900 <= chosen.year <= 9998:
        chosen = today
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    shown = cd.day_page(org, chosen, tz, page=min(max(number, 1), cd.MAX_DAY_PAGE))
    page = reverse("calendar:day", args=[org.slug])
    here = f"{page}?date={chosen.isoformat()}"
    context = {
        **_common(request, org, "day", cs.month_param(chosen)),
        "shown": shown,
        "today": today,
        "title": capfirst(formats.date_format(chosen, "l j.n.Y")),
        "pager_label": _("Change day"),
        "prev_label": _("Previous day"),
        "next_label": _("Next day"),
        "prev_url": f"{page}?date={(chosen - timedelta(days=1)).isoformat()}",
        "next_url": f"{page}?date={(chosen + timedelta(days=1)).isoformat()}",
        "today_url": page,
        "month_here": f"{reverse('calendar:month', args=[org.slug])}?month="
        + cs.month_param(chosen),
        "newer_url": f"{here}&page={shown.page - 1}" if shown.has_previous else "",
        "older_url": f"{here}&page={shown.page + 1}" if shown.has_next else "",
    }
    return _render(request, "calendar/day.html", context, tz)


# --- moving ----------------------------------------------------------------------------------


def _post_or_404(request: KaikuRequest, value: str) -> Post:
    try:
        public_id = uuid.UUID(value)
    except ValueError:
        raise Http404 from None
    return post_for(request, public_id, Post.objects.prefetch_related("deliveries"))


def _back(request: KaikuRequest, org: Organisation) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("calendar:month", args=[org.slug])


@require(Perm.EDIT_POSTS)
@require_POST
def move(request: KaikuRequest, org: Organisation) -> HttpResponse:
    """Move a post: dragged onto a day (``date``, ``time``), by keys (``days``, ``hours``) or
    with the form (``at``). htmx gets the updated grid and a message to announce."""
    tz = _zone(request)
    post = _post_or_404(request, request.POST.get("post", ""))
    try:
        local = cs.new_local_time(post, tz, request.POST)
        when = cs.move(post, local, tz, request)
    except cs.MoveError as error:
        ok, message = False, str(error)
    else:
        ok = True
        message = _("Moved: “%(text)s” is now on %(when)s.") % {
            "text": cs.excerpt(post.text, 6),
            "when": on_when(when, tz),
        }
    if not request.htmx:
        (messages.success if ok else messages.error)(request, message)
        return redirect(_back(request, org))
    today = cs.today_in(tz)
    if request.POST.get("view") == "week":
        monday = cs.parse_week(request.POST.get("period"), today)
        context, template = _week_context(request, org, monday, tz), "calendar/_week_grid.html"
    else:
        first = cs.parse_month(request.POST.get("period"), today)
        context, template = _month_context(request, org, first, tz), "calendar/_month_grid.html"
    context |= {"status_message": message, "status_ok": ok}
    response = _render(request, template, context, tz)
    response["HX-Trigger"] = "calendarMoved" if ok else "calendarMoveRefused"
    return response


# --- posting slots ---------------------------------------------------------------------------


class AccountChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} · {obj.display_name or obj.handle}"


class SlotForm(forms.Form):
    account = AccountChoice(
        label=gettext_lazy("Account"),
        queryset=ChannelAccount.objects.none(),
        empty_label=gettext_lazy("Choose an account"),
    )
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Weekday"), choices=list(WEEKDAYS.items()), coerce=int
    )
    time = forms.TimeField(
        label=gettext_lazy("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, org: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["account"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _slot_accounts(org)


def _slot_accounts(org: Organisation) -> Any:
    return ChannelAccount.objects.filter(organisation=org).exclude(
        status=ChannelAccount.Status.DISCONNECTED
    )


def _remove_slot(request: KaikuRequest, org: Organisation) -> HttpResponse:
    value = request.POST.get("remove", "")
    if not value.isdigit():
        raise Http404
    slot = owned(request, PostingSlot, via="account__organisation", pk=int(value))
    slot.delete()
    audit.record(
        "calendar.slot_removed",
        request=request,
        organisation=org,
        account=str(slot.account.public_id),
        weekday=slot.weekday,
        time=slot.time.strftime("%H:%M"),
    )
    messages.success(request, _("The posting slot was removed."))
    return redirect("calendar:slots", org=org.slug)


@require(Perm.VIEW)
def slots(request: KaikuRequest, org: Organisation) -> HttpResponse:
    tz = _zone(request)
    can_edit = _can_edit(request)
    form = SlotForm(org=org)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if "remove" in request.POST:
            return _remove_slot(request, org)
        form = SlotForm(request.POST, org=org)
        if form.is_valid():
            account: ChannelAccount = form.cleaned_data["account"]
            at = form.cleaned_data["time"].replace(second=0, microsecond=0)
            PostingSlot.objects.get_or_create(
                account=account, weekday=form.cleaned_data["weekday"], time=at
            )
            audit.record(
                "calendar.slot_added",
                request=request,
                organisation=org,
                account=str(account.public_id),
                weekday=form.cleaned_data["weekday"],
                time=at.strftime("%H:%M"),
            )
            messages.success(request, _("The posting slot was added."))
            return redirect("calendar:slots", org=org.slug)
        status = 400
    now = timezone.now()
    accounts = list(_slot_accounts(org).prefetch_related("slots"))
    rows = []
    for account in accounts:
        free = cs.next_free_slot(org, [account], now)
        rows.append(
            {
                "account": account,
                "slots": [{"slot": s, "weekday": WEEKDAYS[s.weekday]} for s in account.slots.all()],
                "next_free": local_when(free, tz) if free else "",
                "next_free_iso": free.isoformat() if free else "",
            }
        )
    context = {
        **_common(request, org, "month", cs.month_param(cs.today_in(tz))),
        "view": "slots",
        "rows": rows,
        "form": form,
        "zone_name": str(cs.ORG_ZONE),
    }
    return _render(request, "calendar/slots.html", context, tz, status=status)


@require(Perm.VIEW)
@require_GET
def next_slot(request: KaikuRequest, org: Organisation) -> HttpResponse:
    """JSON for the compose page: ``{"at": ISO UTC, "local": text, "input": datetime-local}``."""
    tz = _zone(request)
    accounts = cs.accounts_from(org, request.GET.getlist("accounts"))
    when = cs.next_free_slot(org, accounts, timezone.now())
    if when is None:
        return JsonResponse({"at": None, "local": "", "input": ""})
    return JsonResponse(
        {
            "at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "local": local_when(when, tz),
            "input": when.astimezone(tz).strftime(cs.LOCAL_INPUT),
        }
    )


# --- the iCalendar feed ----------------------------------------------------------------------


@require(Perm.EDIT_POSTS)
@require_POST
def rotate_feed(request: KaikuRequest, org: Organisation) -> HttpResponse:
    """A new secret address: the old one stops working at once."""
    feed, _created = CalendarFeed.objects.get_or_create(organisation=org)
    feed.token = CalendarFeed._meta.get_field("token").get_default()
    feed.save(update_fields=["token"])
    audit.record("calendar.feed_rotated", request=request, organisation=org)
    messages.success(
        request, _("The calendar feed has a new address. The old address no longer works.")
    )
    return redirect("calendar:month", org=org.slug)


@require_GET
def ical(request: HttpRequest, token: str) -> HttpResponse:
    """The schedule as iCalendar, for calendar apps: the secret token is the only key."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("organisation"), token=token)
    body = cs.ical_feed(feed.organisation, settings.PUBLIC_URL)
    response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kaiku.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
