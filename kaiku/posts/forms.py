"""Forms of the publishing pages: connecting, composing, rescheduling and reviewing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kaiku.channels.base import ConnectField
from kaiku.channels.registry import connector_class
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Organisation
from kaiku.posts import bounds
from kaiku.posts.errors import error_message
from kaiku.posts.models import Post

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
DEFAULT_ZONE = "Europe/Helsinki"
# A time this far in the past is a mistake, not "now" (a page left open for a while is fine).
PAST_TOLERANCE = timedelta(minutes=10)


def printable(value: str) -> None:
    """A field validator: no character that a feed or a platform cannot carry."""
    problem = bounds.characters_problem(value)
    if problem:
        raise forms.ValidationError(problem, code="control_characters")


# Only addresses a browser opens: no ftp:, no javascript:, nothing a reader cannot follow.
web_address = URLValidator(schemes=["http", "https"])


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


class NonexistentLocalTime(ValueError):
    """The wall-clock time falls in the hour skipped when clocks move forward."""


class TimeOutOfRange(ValueError):
    """The wall-clock time is so near the ends of the calendar that it cannot be converted."""


def local_to_aware(naive: datetime, tz: ZoneInfo) -> datetime:
    """A local wall-clock time as an aware datetime, safe across daylight-saving changes.

    A time that happens twice (the hour repeated in October) means its first occurrence; a
    time that never happens (the hour skipped in March) is refused rather than guessed.
    """
    aware = naive.replace(tzinfo=tz, fold=0)
    try:
        there_and_back = aware.astimezone(UTC).astimezone(tz)
    except OverflowError:  # year 1 or 9999: no time zone can convert it
        raise TimeOutOfRange(naive.isoformat()) from None
    if there_and_back.replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(naive.isoformat())
    return aware


def aware_to_local_input(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime(LOCAL_FORMAT) if value else ""


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, tz: ZoneInfo, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=LOCAL_FORMAT)
        self.tz = tz

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                return aware_to_local_input(value, self.tz)
            return value.strftime(LOCAL_FORMAT)
        return super().format_value(value)


class LocalDateTimeField(forms.Field):
    """``<input type=datetime-local>`` read in the person's own time zone, stored aware."""

    def __init__(self, *, tz: ZoneInfo | None = None, **kwargs: Any) -> None:
        self.tz = tz or zone(None)
        kwargs.setdefault("widget", LocalDateTimeInput(self.tz))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else local_to_aware(value, self.tz)
        text = str(value).strip()
        naive = None
        for fmt in (LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
            try:
                naive = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if naive is None:
            raise forms.ValidationError(
                _("Enter a date and time, for example 24.12.2025 9.00."), code="invalid"
            )
        try:
            return local_to_aware(naive, self.tz)
        except TimeOutOfRange:
            raise forms.ValidationError(bounds.range_message(), code="out_of_range") from None
        except NonexistentLocalTime:
            raise forms.ValidationError(
                _(
                    "That time does not exist: the clocks move forward an hour that night. "
                    "Choose another time."
                ),
                code="nonexistent",
            ) from None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            problem = bounds.date_problem(value)
            if problem:
                raise forms.ValidationError(problem, code="out_of_range")


# --- channels ------------------------------------------------------------------------------


def connect_form(fields: Sequence[ConnectField], data: Any = None, prefix: str = "") -> forms.Form:
    """The form of a platform's connect flow, built from its connector's ``connect_fields``."""
    form = forms.Form(data, prefix=prefix or None)
    for f in fields:
        common: dict[str, Any] = {
            "label": gettext(f.label),
            "help_text": gettext(f.help) if f.help else "",
            "required": f.required,
            "initial": f.initial,
        }
        if f.kind == "url":
            field: forms.Field = forms.URLField(assume_scheme="https", max_length=500, **common)
        elif f.kind == "password":
            field = forms.CharField(
                widget=forms.PasswordInput(render_value=False), max_length=500, **common
            )
        else:
            field = forms.CharField(max_length=500, **common)
        form.fields[f.name] = field
    return form


# --- composing -----------------------------------------------------------------------------


class AccountChoices(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} · {obj.display_name or obj.handle}"


def variant_name(account: ChannelAccount) -> str:
    return f"variant_{account.pk}"


class ComposeForm(forms.Form):
    text = forms.CharField(
        label=_("Text"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        validators=[printable],
    )
    # A reply to a public post found in the field watch (its address on its platform).
    reply_to = forms.URLField(
        required=False,
        max_length=1000,
        assume_scheme="https",
        widget=forms.HiddenInput,
        validators=[web_address],
    )
    accounts = AccountChoices(
        label=_("Channels"),
        queryset=ChannelAccount.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "account-choice"}),
    )
    link = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text=_("An address the post points to, such as your event page."),
        validators=[web_address],
    )
    link_title = forms.CharField(
        label=_("Link preview title"), required=False, max_length=300, validators=[printable]
    )
    link_description = forms.CharField(
        label=_("Link preview description"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[printable],
    )
    publish_at = LocalDateTimeField(
        label=_("Publish at"),
        required=False,
        help_text=_("Your local time. Leave empty to publish right away."),
    )
    repeat = forms.ChoiceField(label=_("Repeat"), choices=Post.Repeat.choices, required=False)
    repeat_until = forms.DateField(
        label=_("Repeat until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        *args: Any,
        org: Organisation,
        tz: ZoneInfo,
        chosen: Iterable[ChannelAccount] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        chosen_ids = [a.pk for a in chosen]
        # Accounts already chosen stay on the list even when they need reconnecting, so that
        # editing a post never drops a channel silently.
        queryset = ChannelAccount.objects.filter(organisation=org).filter(
            Q(status=ChannelAccount.Status.ACTIVE) | Q(pk__in=chosen_ids)
        )
        self.account_list = list(queryset)
        accounts_field = self.fields["accounts"]
        assert isinstance(accounts_field, forms.ModelMultipleChoiceField)
        accounts_field.queryset = queryset
        publish_field = self.fields["publish_at"]
        assert isinstance(publish_field, LocalDateTimeField)
        publish_field.tz = tz
        publish_field.widget = LocalDateTimeInput(tz)
        for account in self.account_list:
            self.fields[variant_name(account)] = forms.CharField(
                label=_("Own text for %(channel)s")
                % {"channel": f"{account.label} {account.display_name or account.handle}"},
                required=False,
                max_length=20_000,
                widget=forms.Textarea(attrs={"rows": 4}),
                validators=[printable],
            )

    def variant_fields(self) -> list[tuple[ChannelAccount, forms.BoundField]]:
        return [(a, self[variant_name(a)]) for a in self.account_list]

    def chosen_accounts(self) -> list[ChannelAccount]:
        return list(self.cleaned_data.get("accounts") or [])

    def variants(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for account in self.chosen_accounts():
            text = (self.cleaned_data.get(variant_name(account)) or "").strip()
            if text:
                out[account.pk] = text
        return out

    def clean_publish_at(self) -> datetime | None:
        value: datetime | None = self.cleaned_data.get("publish_at")
        if value is not None and value < timezone.now() - PAST_TOLERANCE:
            raise forms.ValidationError(
                _("That time is already past. Leave the field empty to publish right away.")
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reply_to = data.get("reply_to") or ""
        for account in data.get("accounts") or []:
            refusal = (
                connector_class(account.platform).reply_refusal(reply_to) if reply_to else None
            )
            if refusal is not None:
                # A reply that cannot go where it is meant to is refused now, never published
                # as a post of its own.
                self.add_error(
                    "accounts",
                    _("A reply cannot go to %(channel)s: %(reason)s")
                    % {
                        "channel": f"{account.label} {account.display_name or account.handle}",
                        "reason": error_message(refusal.code, refusal.detail),
                    },
                )
        until: date | None = data.get("repeat_until")
        if until and not data.get("repeat"):
            self.add_error("repeat_until", _("Choose how often the post repeats."))
        when: datetime | None = data.get("publish_at")
        tz = self.fields["publish_at"].tz  # type: ignore[attr-defined]
        start = (when or timezone.now()).astimezone(tz).date()
        if until and data.get("repeat") and until < start:
            self.add_error("repeat_until", _("The last day is before the first post."))
        if until and bounds.day_problem(until):
            self.add_error("repeat_until", bounds.day_problem(until))
        self._check_lengths(data)
        return data

    def _check_lengths(self, data: dict[str, Any]) -> None:
        text = data.get("text")
        if text is None:  # the text itself was refused: its error says why
            return
        variants = self.variants()
        for account in self.chosen_accounts():
            for problem in bounds.length_problems(text, [account], variants):
                field = variant_name(account) if account.pk in variants else "text"
                self.add_error(field, problem)


class ImageUploadForm(forms.Form):
    file = forms.FileField(label=_("Image"), required=False)
    alt_text = forms.CharField(
        label=_("Alt text"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Describe the image for people who cannot see it. Required."),
        validators=[printable],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("file") and not (data.get("alt_text") or "").strip():
            self.add_error("alt_text", _("Write an alt text for the image."))
        return data


ImageFormSet = forms.formset_factory(ImageUploadForm, extra=4, max_num=4)


# --- scheduling and reviewing ---------------------------------------------------------------


class RescheduleForm(forms.Form):
    publish_at = LocalDateTimeField(label=_("New time"))

    def __init__(self, *args: Any, tz: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["publish_at"]
        assert isinstance(field, LocalDateTimeField)
        field.tz = tz
        field.widget = LocalDateTimeInput(tz)

    def clean_publish_at(self) -> datetime:
        value: datetime = self.cleaned_data["publish_at"]
        if value < timezone.now() - PAST_TOLERANCE:
            raise forms.ValidationError(_("That time is already past."))
        return value


class ApproveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for approval"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when the text may reveal a client's details, for example "
            "“the client's written consent is on file”."
        ),
    )


class SendBackForm(forms.Form):
    note = forms.CharField(
        label=_("What should be changed?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
