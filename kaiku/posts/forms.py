"""Forms of the publishing pages: connecting, composing, rescheduling and reviewing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kaiku.channels.base import ConnectField
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Organisation
from kaiku.posts import bounds, compose
from kaiku.posts.images import Upload
from kaiku.posts.models import Post
from kaiku.posts.services import Draft

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
DEFAULT_ZONE = "Europe/Helsinki"
PAST_TOLERANCE = compose.PAST_TOLERANCE


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
    return compose.variant_field(account)


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

    def draft(
        self,
        *,
        uploads: Sequence[Upload] = (),
        alt_texts: dict[int, str] | None = None,
        remove_images: frozenset[int] = frozenset(),
    ) -> Draft:
        """The draft the valid form describes, for the compose service."""
        cleaned = self.cleaned_data
        when = cleaned.get("publish_at")
        if cleaned.get("repeat") and when is None:
            when = timezone.now()  # a repeating post needs a first time: now
        title = (cleaned.get("link_title") or "").strip()
        description = (cleaned.get("link_description") or "").strip()
        return Draft(
            text=cleaned["text"],
            accounts=self.chosen_accounts(),
            link=cleaned.get("link") or "",
            scheduled_at=when,
            variants=self.variants(),
            repeat=cleaned.get("repeat") or "",
            repeat_until=cleaned.get("repeat_until"),
            reply_to_url=cleaned.get("reply_to") or "",
            link_card={"title": title, "description": description},
            alt_texts=alt_texts,
            remove_images=remove_images,
            uploads=uploads,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Without a text (refused: its error says why) the lengths are not measured.
        text = data.get("text")
        draft = Draft(
            text=text or "",
            accounts=self.chosen_accounts(),
            scheduled_at=data.get("publish_at"),
            variants=self.variants() if text is not None else {},
            repeat=data.get("repeat") or "",
            repeat_until=data.get("repeat_until"),
            reply_to_url=data.get("reply_to") or "",
        )
        publish_field = self.fields["publish_at"]
        assert isinstance(publish_field, LocalDateTimeField)
        # The compose service's own validator, so that its findings land on their fields.
        for problem in compose.validate(draft, tz=publish_field.tz):
            self.add_error(problem.field or None, problem.message)
        return data


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
