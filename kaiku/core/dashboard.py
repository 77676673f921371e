"""What the dashboard shows: the first steps until they are done, then what waits for a person.

Every list is bounded (a few queries with limits), so the dashboard costs the same with ten
posts as with ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.lookups import Exact, In
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import AuditEvent, Invitation, Membership, Organisation
from kaiku.organisations.roles import Role
from kaiku.posts.models import Post
from kaiku.publishing.engine import PENDING
from kaiku.publishing.models import Delivery
from kaiku.watch.features.digest import RankedItem, top_new_items
from kaiku.watch.models import Source

LIST_LIMIT = 10
DIGEST_TOP = 3
LATER_LIMIT = 3


@dataclass(frozen=True)
class Step:
    key: str
    label: str | Promise
    url: str
    done: bool


def first_steps(org: Organisation) -> list[Step]:
    """The four things a new organisation does first, each ticked when done (one query)."""
    now = timezone.now()
    reviewer_roles = [Role.REVIEWER]
    found = (
        Organisation.objects.filter(pk=org.pk)
        .annotate(
            has_channel=Exists(
                ChannelAccount.objects.filter(
                    organisation=OuterRef("pk"), status=ChannelAccount.Status.ACTIVE
                )
            ),
            has_sources=Exists(Source.objects.filter(organisation=OuterRef("pk"))),
            has_reviewer=Exists(
                Membership.objects.filter(organisation=OuterRef("pk"), role__in=reviewer_roles)
            )
            | Exists(
                Invitation.objects.filter(
                    organisation=OuterRef("pk"),
                    role__in=reviewer_roles,
                    accepted_at=None,
                    expires_at__gt=now,
                )
            ),
            # The rule is "set" once someone chose it: approval switched on, or the settings
            # saved (an organisation may choose to need no approval, which is the default).
            rule_chosen=Exists(
                AuditEvent.objects.filter(
                    organisation=OuterRef("pk"), action="organisation.settings_changed"
                )
            ),
        )
        .values("has_channel", "has_sources", "has_reviewer", "rule_chosen", "approval_required")
        .get()
    )
    slug = {"org": org.slug}
    return [
        Step(
            "channel",
            _("Connect a channel"),
            reverse("posts:channels", kwargs=slug),
            bool(found["has_channel"]),
        ),
        Step(
            "sources",
            _("Add sources to follow, or the starter list"),
            reverse("watch:sources", kwargs=slug),
            bool(found["has_sources"]),
        ),
        Step(
            "reviewer",
            _("Invite a reviewer"),
            reverse("organisations:members", kwargs=slug),
            bool(found["has_reviewer"]),
        ),
        Step(
            "approval",
            _("Choose whether posts need a reviewer's approval"),
            reverse("organisations:settings", kwargs=slug),
            bool(found["rule_chosen"] or found["approval_required"]),
        ),
    ]


def _day_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


class _Rare(Func):
    """The condition as is, marked as rarely true for SQLite's planner (``likelihood``).

    Without STAT4, SQLite's statistics give the average rows per (account, state), and
    on an instance of few organisations that average (the published deliveries) made a scan
    of every delivery look cheaper than reading the few failed ones from the index.
    PostgreSQL keeps the most common values of a column and needs no hint."""

    template = "%(expressions)s"
    output_field = BooleanField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="likelihood(%(expressions)s, 0.001)")


def trouble_deliveries(org: Organisation) -> QuerySet[Delivery]:
    """Failed deliveries and those held for a reconnection, latest error first. Read from the
    index of the deliveries by account and state (delivery_trouble_idx) for each account of the
    organisation: the few in trouble, not every delivery or post of the organisation."""
    # The organisation through its accounts, and its (undeleted) post asked of each delivery
    # found, in a subquery whose join no planner can turn around: with statistics (SQLite
    # after an ANALYZE) the planner rates "the organisation's posts" by the average
    # organisation and walked the big one's 10,000 posts and their deliveries (12 ms), or
    # scanned every post. The accounts in each branch of the OR, so that each branch is one
    # range of the index (account, state) and only the deliveries in trouble are read.
    accounts = ChannelAccount.objects.filter(organisation=org).values("pk")
    failed = _Rare(Exact(F("state"), Delivery.State.FAILED))
    held = _Rare(In(F("state"), sorted(PENDING)))
    by_account = Q(failed, account__in=accounts) | Q(held, held=True, account__in=accounts)
    own_post = Post.objects.filter(pk=OuterRef("post_id"), organisation=org, deleted_at=None)
    in_trouble = Delivery.objects.filter(by_account, Exists(own_post))
    return (
        Delivery.objects.filter(pk__in=in_trouble.values("pk"))
        .select_related("post", "account")
        .order_by("-last_error_at", "-pk")
    )


def dashboard(org: Organisation, membership: Membership) -> dict[str, Any]:
    """Everything the dashboard lists for this person, each list bounded."""
    role = membership.role
    now = timezone.now()
    today = _day_start(now)
    tomorrow = today + timedelta(days=1)
    week_end = today + timedelta(days=7)
    to_review: list[Post] = []
    if role in (Role.ADMIN, Role.REVIEWER):
        to_review = list(
            Post.objects.filter(organisation=org, deleted_at=None, state=Post.State.IN_REVIEW)
            .exclude(author=membership.user)
            .select_related("author")
            .order_by("submitted_at")[:LIST_LIMIT]
        )
    trouble = list(trouble_deliveries(org)[:LIST_LIMIT])
    reconnect = list(
        ChannelAccount.objects.filter(
            organisation=org, status=ChannelAccount.Status.NEEDS_RECONNECT
        ).order_by("platform", "handle")[:LIST_LIMIT]
    )
    week = list(
        Post.objects.filter(
            organisation=org,
            deleted_at=None,
            scheduled_at__gte=today,
            scheduled_at__lt=week_end,
        )
        .exclude(state=Post.State.DRAFT)
        .order_by("scheduled_at")[: LIST_LIMIT * 2]
    )
    # After this week: the next few, so that a quiet week still shows what comes.
    later = list(
        Post.objects.filter(
            organisation=org,
            deleted_at=None,
            state=Post.State.SCHEDULED,
            scheduled_at__gte=week_end,
        ).order_by("scheduled_at")[:LATER_LIMIT]
    )
    steps = first_steps(org) if role == Role.ADMIN else []
    digest: list[RankedItem] = top_new_items(org, now - timedelta(days=7), limit=DIGEST_TOP)
    return {
        "steps": steps,
        "steps_open": any(not s.done for s in steps),
        "to_review": to_review,
        "trouble": trouble,
        "reconnect": reconnect,
        "today": [p for p in week if p.scheduled_at and p.scheduled_at < tomorrow],
        "this_week": [p for p in week if p.scheduled_at and p.scheduled_at >= tomorrow],
        "later": later,
        "digest": digest,
    }
