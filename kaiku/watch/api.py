"""The watch in the REST API: ranked items and sources of an organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from kaiku.organisations.api import api_membership
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm
from kaiku.watch.errors import WatchError
from kaiku.watch.features import digest
from kaiku.watch.models import DEFAULT_POLL_SECONDS, Source, Topic
from kaiku.watch.services import add_source, remove_source

router = Router(tags=["watch"])
MAX_PAGE_SIZE = 100


class ItemOut(Schema):
    id: int
    url: str
    title: str
    text: str
    platform: str
    language: str
    author: str
    published_at: datetime | None
    engagement_total: int
    score: float
    topics: list[str]


class ItemPage(Schema):
    page: int
    has_next: bool
    items: list[ItemOut]


class SourceOut(Schema):
    id: int
    kind: str
    url: str
    identifier: str
    title: str
    weight: float
    poll_interval: int
    enabled: bool
    last_polled_at: datetime | None
    error: str


class SourceIn(Schema):
    value: str
    kind: str = ""
    title: str = ""
    weight: float = 1.0
    poll_interval: int = DEFAULT_POLL_SECONDS


def _source_out(source: Source) -> SourceOut:
    return SourceOut(
        id=source.pk,
        kind=source.kind,
        url=source.url,
        identifier=source.identifier,
        title=source.title,
        weight=source.weight,
        poll_interval=source.poll_interval,
        enabled=source.enabled,
        last_polled_at=source.last_polled_at,
        error=source.error_message(),
    )


def _items(
    request: HttpRequest, slug: str, topic: str, q: str, page: int, page_size: int
) -> ItemPage:
    org = api_membership(request, slug, Perm.VIEW).organisation
    filters = digest.Filters(
        topic=Topic.objects.filter(organisation=org, slug=topic).first() if topic else None,
        query=q[:200],
    )
    if topic and filters.topic is None:
        raise HttpError(404, "No such topic")
    result = digest.digest_page(
        org, filters, page=max(page, 1), page_size=min(max(page_size, 1), MAX_PAGE_SIZE)
    )
    return ItemPage(
        page=result.page,
        has_next=result.has_next,
        items=[
            ItemOut(
                id=row.item.pk,
                url=row.item.url,
                title=row.item.title,
                text=row.item.text[:2000],
                platform=row.item.platform,
                language=row.item.language,
                author=row.item.author_name or row.item.author_handle,
                published_at=row.item.published_at,
                engagement_total=row.item.engagement_total,
                score=round(row.reasons.score, 4),
                topics=[name for name, _points in row.reasons.topics],
            )
            for row in result.items
        ],
    )


@router.get("/organisations/{slug}/watch/items", response=ItemPage)
def list_items(
    request: HttpRequest,
    slug: str,
    topic: str = "",
    q: str = "",
    page: Annotated[int, Query(ge=1, le=digest.MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = digest.PAGE_SIZE,
) -> ItemPage:
    """The ranked digest, best first (the same order as the web page)."""
    return _items(request, slug, topic, q, page, page_size)


@router.get("/watch/items", response=ItemPage)
def list_items_by_query(
    request: HttpRequest,
    organisation: str,
    topic: str = "",
    q: str = "",
    page: Annotated[int, Query(ge=1, le=digest.MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = digest.PAGE_SIZE,
) -> ItemPage:
    return _items(request, organisation, topic, q, page, page_size)


@router.get("/organisations/{slug}/watch/sources", response=list[SourceOut])
def list_sources(request: HttpRequest, slug: str) -> list[SourceOut]:
    org = api_membership(request, slug, Perm.VIEW).organisation
    return [_source_out(s) for s in Source.objects.filter(organisation=org)]


@router.post("/organisations/{slug}/watch/sources", response={201: SourceOut, 200: SourceOut})
def create_source(request: HttpRequest, slug: str, payload: SourceIn) -> Status[SourceOut]:
    org = api_membership(request, slug, Perm.MANAGE_WATCH).organisation
    try:
        added = add_source(
            org,
            payload.value,
            kind=payload.kind or None,
            title=payload.title,
            weight=payload.weight,
            poll_interval=payload.poll_interval,
        )
    except WatchError as exc:
        raise HttpError(400, exc.message) from None
    return Status(201 if added.created else 200, _source_out(added.source))


# A database integer has 64 bits: a larger id in a path is simply not found, never an overflow.
SourceId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _source(org: Organisation, source_id: int) -> Source:
    source = Source.objects.filter(organisation=org, pk=source_id).first()
    if source is None:
        raise HttpError(404, "Not found")
    return source


@router.get("/organisations/{slug}/watch/sources/{source_id}", response=SourceOut)
def get_source(request: HttpRequest, slug: str, source_id: SourceId) -> SourceOut:
    org = api_membership(request, slug, Perm.VIEW).organisation
    return _source_out(_source(org, source_id))


@router.delete("/organisations/{slug}/watch/sources/{source_id}", response={204: None})
def delete_source(request: HttpRequest, slug: str, source_id: SourceId) -> Status[None]:
    """Stop following a source; the items it brought stay in the digest."""
    org = api_membership(request, slug, Perm.MANAGE_WATCH).organisation
    remove_source(_source(org, source_id))
    return Status(204, None)
