"""The web posts list: five sections, each read a page at a time (the API's list is
``listing``).

A big organisation has thousands of drafts and sent posts; each section shows ``PAGE_SIZE``
posts and a link to the next page (one row more is read to know whether there is one, so no
count query). The deliveries of every shown post are read in one query for all sections, so
the page makes the same number of queries with ten posts or ten thousand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    QuerySet,
    prefetch_related_objects,
)
from django.utils.translation import gettext as _

from kaiku.organisations.models import Organisation
from kaiku.posts import search
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery

PAGE_SIZE = 20
MAX_PAGE = 1000  # past it an offset only costs: nobody pages that far by hand
SECTION_KEYS = ("failed", "upcoming", "review", "drafts", "sent")


@dataclass
class Section:
    key: str
    title: str
    posts: list[Post]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


# The attribute the lists prefetch a post's deliveries into (posts/_badges.html shows them): a
# plain list. Django's default prefetch builds a filtered queryset per post to hold them, a
# clone and a filter each: a third of the posts list's CPU.
SHOWN_DELIVERIES = "shown_deliveries"


def shown_deliveries() -> Any:  # a Prefetch; its stub type cannot name a reverse relation
    """The deliveries a list shows beside each post: every one that is not cancelled."""
    return Prefetch(
        "deliveries",
        queryset=Delivery.objects.select_related("account").exclude(state=Delivery.State.CANCELLED),
        to_attr=SHOWN_DELIVERIES,
    )


def page_number(value: str | None) -> int:
    """``?drafts=3`` as 3; anything else (missing, not a number, out of range) clamped."""
    try:
        number = int(value or "1")
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


class _SortedHere(Func):
    """The expression as is, except that SQLite may not read it in order from an index.

    SQLite read the upcoming section through (organisation, scheduled_at) to spare a sort:
    it walked the organisation's past posts, thousands, before the first scheduled one
    (20 ms at 10,000 posts). With the order out of the index's reach it reads the two
    states' posts through (organisation, state, scheduled_at) and sorts those. PostgreSQL
    weighs the two plans by its statistics."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # A unary plus: the same value, no longer a bare column an index could order.
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)


def _querysets(org: Organisation) -> dict[str, tuple[str, QuerySet[Post]]]:
    posts = Post.objects.filter(organisation=org, deleted_at=None).select_related("author")
    # The posts with a failed delivery, read through the (state, held) index alone: the
    # sections' own filter keeps them to the organisation's live posts. With the
    # organisation's condition in here too, SQLite after an ANALYZE (which rates "state" as
    # unselective: two values) walked every post of the organisation instead, 30 ms each for
    # the failed and the sent section at 10,000 posts.
    failed_ids = Delivery.objects.filter(state=Delivery.State.FAILED).values("post_id")
    return {
        "failed": (_("Failed"), posts.filter(pk__in=failed_ids).order_by("-updated_at", "-id")),
        "upcoming": (
            _("Scheduled"),
            posts.filter(state__in=[Post.State.SCHEDULED, Post.State.APPROVED]).order_by(
                _SortedHere(F("scheduled_at")).asc(nulls_first=True), "created_at", "id"
            ),
        ),
        "review": (
            _("In review"),
            posts.filter(state=Post.State.IN_REVIEW).order_by("submitted_at", "id"),
        ),
        "drafts": (
            _("Drafts"),
            posts.filter(state=Post.State.DRAFT).order_by("-updated_at", "-id"),
        ),
        "sent": (
            _("Recently sent"),
            # NOT EXISTS, not NOT IN: PostgreSQL cannot turn a NOT IN (subquery) into an
            # anti-join (a NULL in the list would change its answer), and once the failed ids
            # outgrow work_mem it runs the subquery's list for every post: a CI pass stalled
            # 14 minutes on it. NOT EXISTS is an anti-join on the deliveries' post index.
            posts.filter(state=Post.State.DONE)
            .exclude(
                Exists(Delivery.objects.filter(post=OuterRef("pk"), state=Delivery.State.FAILED))
            )
            .order_by("-updated_at", "-id"),
        ),
    }


def sections(org: Organisation, pages: Mapping[str, str], size: int = PAGE_SIZE) -> list[Section]:
    """Each section's page (``pages[key]``, 1 when missing), with the deliveries that are
    not cancelled. Six queries, whatever the organisation holds."""
    out = []
    for key, (title, posts) in _querysets(org).items():
        page = page_number(pages.get(key))
        start = (page - 1) * size
        rows = list(posts[start : start + size + 1])
        out.append(Section(key, title, rows[:size], page, len(rows) > size))
    shown: list[Any] = [post for section in out for post in section.posts]
    prefetch_related_objects(
        shown,
        shown_deliveries(),
    )
    return out


def found(org: Organisation, text: str, page: int, size: int = PAGE_SIZE) -> Section:
    """The posts that match the search ``text``, in every state, newest first (the order they
    were made in, as the API lists them: PostgreSQL then reads the matches' ids instead of
    sorting their rows), one page of them with their deliveries that are not cancelled
    (three queries)."""
    start = (page - 1) * size
    rows = list(
        search.matching(org, text)
        .select_related("author")
        .order_by("-pk")[start : start + size + 1]
    )
    shown: list[Any] = rows[:size]
    prefetch_related_objects(
        shown,
        shown_deliveries(),
    )
    return Section("found", _("Search results"), shown, page, len(rows) > size)
