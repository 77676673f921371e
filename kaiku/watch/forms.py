"""Forms of the watch pages (sources, imports, topics, the digest's filters and e-mail choice)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from kaiku.organisations.models import Organisation
from kaiku.watch.features.topics import topic_slug
from kaiku.watch.models import MIN_POLL_SECONDS, Topic
from kaiku.watch.sources import kind_choices

INTERVAL_CHOICES = (
    (900, _("every 15 minutes")),
    (1800, _("every 30 minutes")),
    (3600, _("every hour")),
    (3 * 3600, _("every 3 hours")),
    (6 * 3600, _("every 6 hours")),
    (24 * 3600, _("once a day")),
)


class AddSourceForm(forms.Form):
    value = forms.CharField(
        label=_("Address, account or search"),
        max_length=2000,
        help_text=_(
            "A web or feed address, @user@instance (Mastodon), a Bluesky handle, "
            "a YouTube channel address or an X account."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=lambda: [("", _("Recognise automatically")), *kind_choices()],
        help_text=_(
            "Reading X needs a paid X API plan: X charges per post read, so X sources cost "
            "money on every fetch."
        ),
    )
    weight = forms.FloatField(
        label=_("Weight"),
        min_value=0.0,
        max_value=100.0,
        initial=1.0,
        help_text=_(
            "How much the source counts in the digest's order: 1 is normal, 2 twice as much, "
            "0 puts its items last."
        ),
    )
    poll_interval = forms.TypedChoiceField(
        label=_("How often to fetch"), choices=INTERVAL_CHOICES, coerce=int, initial=3600
    )


class EditSourceForm(forms.Form):
    weight = forms.FloatField(label=_("Weight"), min_value=0.0, max_value=100.0)
    poll_interval = forms.IntegerField(
        label=_("Fetch interval (seconds)"), min_value=MIN_POLL_SECONDS, max_value=7 * 24 * 3600
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False)


class OpmlImportForm(forms.Form):
    file = forms.FileField(label=_("OPML file"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class BlueskyListForm(forms.Form):
    value = forms.CharField(
        label=_("Bluesky starter pack or list address"),
        max_length=1000,
        help_text=_(
            "For example https://bsky.app/starter-pack/… or https://bsky.app/profile/…/lists/…"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # It shares the sources page with AddSourceForm, whose field is also "value": one id
        # for two inputs would tie both labels to the first input.
        kwargs.setdefault("auto_id", "bluesky_%s")
        super().__init__(*args, **kwargs)


class MastodonAccountsForm(forms.Form):
    accounts = forms.CharField(
        label=_("Mastodon accounts, one a line"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("@user@instance or a profile address. Lines starting with # are skipped."),
    )


class DigestEmailForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("E-mail digest"),
        choices=(
            ("none", _("No e-mail")),
            ("daily", _("Daily")),
            ("weekly", _("Weekly (Mondays)")),
        ),
    )


# --- topics --------------------------------------------------------------------------------------

MAX_KEYWORDS = 200
MAX_KEYWORD_CHARS = 100
_KEYWORD_SEPARATOR = re.compile(r"[,\n]")


def parse_keywords(text: str) -> list[str]:
    """Keywords given one a line or separated by commas: trimmed (inner runs of spaces made one),
    lower-cased, each once, in the order first given."""
    keywords = (" ".join(part.split()).lower() for part in _KEYWORD_SEPARATOR.split(text))
    return list(dict.fromkeys(k for k in keywords if k))


def name_taken(name: str) -> forms.ValidationError:
    return forms.ValidationError(
        _(
            "The organisation already has a topic with this name or one too close to it: "
            "%(name)s. Choose another name."
        ),
        params={"name": name},
    )


class TopicForm(forms.Form):
    """A new topic: its name (which gives its slug) and keywords."""

    name = forms.CharField(label=_("Name"), max_length=200)
    keywords = forms.CharField(
        label=_("Keywords"),
        widget=forms.Textarea(attrs={"rows": 6}),
        # Room for the most keywords at their longest; the limits themselves are checked below.
        max_length=MAX_KEYWORDS * (MAX_KEYWORD_CHARS + 2),
        help_text=_(
            "One keyword a line, or separated by commas. Write Finnish keywords in their base "
            "form (hyvinvointialue): they also match the inflected forms "
            "(hyvinvointialueilla) and compounds. A keyword of several words (asunto ensin) "
            "matches an item that has every one of the words. Swedish and English keywords work "
            "too."
        ),
    )

    def __init__(
        self, *args: Any, organisation: Organisation, topic: Topic | None = None, **kwargs: Any
    ) -> None:
        if topic is not None:
            keywords = "\n".join(str(k) for k in topic.keywords)
            kwargs.setdefault(
                "initial", {"name": topic.name, "keywords": keywords, "enabled": topic.enabled}
            )
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.topic = topic

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        slug = topic_slug(name)
        if not slug:
            raise forms.ValidationError(_("The name needs at least one letter or digit."))
        taken = Topic.objects.filter(organisation=self.organisation, slug=slug)
        if self.topic is not None:
            taken = taken.exclude(pk=self.topic.pk)
        other = taken.first()
        if other is not None:
            raise name_taken(other.name)
        return name

    def clean_keywords(self) -> list[str]:
        keywords = parse_keywords(self.cleaned_data["keywords"])
        if not keywords:
            raise forms.ValidationError(_("Give at least one keyword."))
        if len(keywords) > MAX_KEYWORDS:
            raise forms.ValidationError(
                _("A topic can have at most %(max)d keywords; these are %(count)d."),
                params={"max": MAX_KEYWORDS, "count": len(keywords)},
            )
        errors = []
        for keyword in keywords:
            shown = Truncator(keyword).chars(40)
            if len(keyword) > MAX_KEYWORD_CHARS:
                errors.append(
                    forms.ValidationError(
                        _("A keyword can be at most %(max)d characters long: %(keyword)s"),
                        params={"max": MAX_KEYWORD_CHARS, "keyword": shown},
                    )
                )
            elif not any(char.isalpha() for char in keyword):
                # The matcher reads words that start with a letter: this keyword would never match.
                errors.append(
                    forms.ValidationError(
                        _("A keyword needs at least one letter: %(keyword)s"),
                        params={"keyword": shown},
                    )
                )
        if errors:
            raise forms.ValidationError(errors[:10])
        return keywords

    def apply(self, topic: Topic) -> None:
        """Copy the cleaned values onto ``topic`` (not saved)."""
        topic.name = self.cleaned_data["name"]
        topic.slug = topic_slug(topic.name)
        topic.keywords = self.cleaned_data["keywords"]


class EditTopicForm(TopicForm):
    enabled = forms.BooleanField(label=_("Enabled"), required=False)

    def apply(self, topic: Topic) -> None:
        super().apply(topic)
        topic.enabled = self.cleaned_data["enabled"]
