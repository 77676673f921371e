"""Field watch: the sources an organisation follows, the items they bring, and topics.

One item seen through several sources (a press release in two feeds, a post found by an account
source and a search) is stored once; ``ItemSource`` records every source that brought it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.organisations.models import Organisation
from kaiku.watch.errors import render_error

DEFAULT_POLL_SECONDS = 3600
MIN_POLL_SECONDS = 300
DEFAULT_APPVIEW_URL = "https://public.api.bsky.app"


class XPlan(models.TextChoices):
    """The organisation's X API access. Only plans that include reading let X sources poll."""

    NONE = "none", _("No X API access")
    FREE = "free", _("Free (legacy, posting only)")
    PAY_PER_USE = "pay_per_use", _("Pay-per-use credits")
    BASIC = "basic", _("Basic (legacy)")
    PRO = "pro", _("Pro (legacy)")
    ENTERPRISE = "enterprise", _("Enterprise")


X_PLANS_THAT_READ = frozenset({XPlan.PAY_PER_USE, XPlan.BASIC, XPlan.PRO, XPlan.ENTERPRISE})


class WatchSettings(models.Model):
    """Per-organisation settings for the field watch."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="watch_settings"
    )
    x_plan = models.CharField(
        _("X API plan"), max_length=16, choices=XPlan.choices, default=XPlan.NONE
    )
    bluesky_appview_url = models.URLField(
        _("Bluesky AppView address"), max_length=300, default=DEFAULT_APPVIEW_URL
    )

    class Meta:
        verbose_name = _("watch settings")
        verbose_name_plural = _("watch settings")

    def __str__(self) -> str:
        return f"watch settings of {self.organisation}"

    @property
    def x_reads_allowed(self) -> bool:
        return self.x_plan in X_PLANS_THAT_READ


class Source(models.Model):
    """Something the organisation follows: a feed, an account, a hashtag, a search or a list.

    ``url`` is the feed address (feeds, YouTube) or the instance / AppView / API base
    (Mastodon, Bluesky, X); ``identifier`` is the account, tag, query or list on it.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="watch_sources"
    )
    # One of kaiku.watch.sources.all_kinds(): the feed readers' and the platform packages'
    # (through the channel registry). Not frozen into the schema as choices, so that a new
    # platform needs no migration; add_source refuses a kind that no reader knows.
    kind = models.CharField(_("kind"), max_length=24)
    url = models.URLField(_("address"), max_length=2000)
    identifier = models.CharField(_("account, tag or query"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    site_url = models.URLField(_("website"), max_length=2000, blank=True)
    weight = models.FloatField(_("weight"), default=1.0)
    poll_interval = models.PositiveIntegerField(
        _("polling interval (seconds)"), default=DEFAULT_POLL_SECONDS
    )
    next_poll_at = models.DateTimeField(default=timezone.now, db_index=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # Platform cursors (Mastodon since_id, an account's resolved id...).
    state = models.JSONField(default=dict, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # The latest problem in words (in the site's language when it was recorded); the code and
    # parameters let the interface show it again in each reader's language.
    last_error = models.TextField(_("latest error"), blank=True)
    last_error_code = models.CharField(max_length=40, blank=True)
    last_error_params = models.JSONField(default=dict, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    backoff_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "url", "identifier"], name="watch_one_source"
            )
        ]
        indexes = [models.Index(fields=["enabled", "next_poll_at"], name="watch_source_due_idx")]

    def __str__(self) -> str:
        return self.title or self.identifier or self.url

    @property
    def poll_delta(self) -> timedelta:
        return timedelta(seconds=max(self.poll_interval, MIN_POLL_SECONDS))

    def error_message(self) -> str:
        """The latest error in the active language ("" when the last poll went well)."""
        if not self.last_error_code:
            return self.last_error
        return render_error(self.last_error_code, self.last_error_params)


class Item(models.Model):
    """One post, article or video, stored once per organisation however many sources saw it.

    ``guid`` is the merge key: a globally unique id (a URL, a tag: or urn: id, an at:// URI)
    as given, or ``"<source id>:<id>"`` for ids that are only unique within their feed.
    """

    # Not indexed on its own: every index below starts with the organisation (as does the
    # unique guid), so one more index would only cost each insert its upkeep.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="watch_items", db_index=False
    )
    sources: models.ManyToManyField[Source, ItemSource] = models.ManyToManyField(
        Source, through="ItemSource", related_name="items"
    )
    guid = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, blank=True)
    canonical_url = models.CharField(max_length=2000, blank=True)
    # Merge keys (kaiku.watch.ingest.sanitize.merge_key): of canonical_url, indexable whatever the
    # URL's length, and of the normalised title and text; "" when there is none.
    url_hash = models.CharField(max_length=16, blank=True)
    content_hash = models.CharField(max_length=16, blank=True)
    title = models.CharField(max_length=500, blank=True)
    summary_html = models.TextField(blank=True)  # sanitised with nh3
    text = models.TextField(blank=True)  # plain text for search and analysis
    author_name = models.CharField(max_length=300, blank=True)
    author_handle = models.CharField(max_length=300, blank=True)
    platform = models.CharField(max_length=16)  # filtered within an organisation only
    language = models.CharField(max_length=8, blank=True)
    # Not indexed on its own: every query by publishing time keeps to one organisation
    # and reads watch_item_when_idx (organisation, published_at).
    published_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)  # see watch_item_new_idx
    engagement = models.JSONField(default=dict, blank=True)
    engagement_total = models.PositiveIntegerField(default=0)
    lemmas = models.TextField(blank=True)  # space-joined base forms (fi) or stems (sv, en)
    stigma_findings_count = models.PositiveIntegerField(default=0)
    # "platform:handle" strings of mentioned or boosted accounts, for discovery.
    mentioned_accounts = models.JSONField(default=list, blank=True)
    links = models.JSONField(default=list, blank=True)
    # The digest's rank and its two inputs that live in other tables (kaiku.watch.ingest.rank): the
    # sum of the enabled topics' scores and the highest weight among the item's sources.
    topic_points = models.FloatField(default=0.0)
    source_weight = models.FloatField(default=1.0)
    rank_key = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "guid"], name="watch_one_item_per_guid")
        ]
        indexes = [
            models.Index(fields=["organisation", "-fetched_at"], name="watch_item_new_idx"),
            # The digest reads it backwards: best rank first, newest id first among equals.
            models.Index(fields=["organisation", "rank_key", "id"], name="watch_item_rank_idx"),
            # Merge lookups: the organisation first, so SQLite's planner uses these.
            models.Index(fields=["organisation", "url_hash"], name="watch_item_url_idx"),
            # No index on content_hash: items are not merged by content (issue 16 item 1) and
            # nothing looks it up, while its upkeep cost every insert a random B-tree write.
            # The debate's rising list reads the last 72 hours of one organisation by
            # publishing time; without it every item of the organisation is read and sorted.
            models.Index(fields=["organisation", "published_at"], name="watch_item_when_idx"),
            # The debate's stigma list: the few items with findings, newest first, without
            # walking every item of every organisation in publishing order.
            models.Index(
                fields=["organisation", "fetched_at"],
                name="watch_item_stigma_idx",
                condition=models.Q(stigma_findings_count__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:80] or self.guid

    def save(self, *args: Any, **kwargs: Any) -> None:
        # rank_key follows this row's own columns: the rank stage sets it in a pre_save
        # receiver (kaiku.watch.ingest.rank.keep_key_in_step, connected in WatchConfig.ready),
        # so the model knows no ranking. A partial save must write it too. Topic links and
        # sources are other tables, whose writers call kaiku.watch.ingest.rank.refresh.
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "rank_key"}
        super().save(*args, **kwargs)


class ItemSource(models.Model):
    # The unique (item, source) index serves lookups by item: no second index.
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="seen_in", db_index=False)
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="seen_items")
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "source"], name="watch_item_once_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} via {self.source_id}"


class Topic(models.Model):
    """Keywords as Finnish base forms (matched against item lemmas) plus sv/en stems."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="watch_topics"
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=200)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="watch_one_topic_slug")
        ]

    def __str__(self) -> str:
        return self.name


class ItemTopic(models.Model):
    # The unique (item, topic) index serves lookups by item: no second index.
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="topic_links", db_index=False
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="item_links")
    score = models.FloatField()

    class Meta:
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["item", "topic"], name="watch_item_topic")]

    def __str__(self) -> str:
        return f"{self.item_id} ~ {self.topic_id} ({self.score:.2f})"


class ItemState(models.Model):
    """A reader's own marks on an item."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_item_states"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="states")
    read = models.BooleanField(default=False)
    starred = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="watch_item_state")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.item_id}"
