"""Posts and channels in the REST API (/api/v1/). Thin over kaiku.posts.services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import AfterValidator, WithJsonSchema

from kaiku.accounts.models import User
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.api import api_membership
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Perm
from kaiku.posts import bounds, compose, listing, services
from kaiku.posts.errors import error_message
from kaiku.posts.forms import (
    NonexistentLocalTime,
    TimeOutOfRange,
    local_to_aware,
    web_address,
    zone,
)
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery

router = Router(tags=["posts"])


class FindingOut(Schema):
    kind: str
    code: str
    severity: str
    message: str
    start: int
    end: int
    text: str
    target: str = Field(
        default="text",
        description='Which text: "text", "variant:<channel id>", "alt:<n>" or "link_card"',
    )


class DeliveryOut(Schema):
    id: UUID
    channel: UUID
    platform: str
    handle: str
    state: str
    held: bool
    remote_url: str
    published_at: datetime | None
    attempts: int
    error_code: str
    error: str


class PostOut(Schema):
    id: UUID
    organisation: str
    state: str
    text: str
    link: str
    scheduled_at: datetime | None
    review_required_reason: str
    created_at: datetime
    deliveries: list[DeliveryOut]
    findings: list[FindingOut] = []


def _printable(value: str) -> str:
    problem = bounds.characters_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _web_address(value: str) -> str:
    if value.strip():
        try:
            web_address(value.strip())
        except ValidationError:
            raise ValueError("not a valid http(s) address") from None
    return value


# What the text may not contain (kaiku.safetext), declared so that clients know it.
# (Lone surrogates are refused too, but valid JSON text cannot carry them.)
PRINTABLE_PATTERN = (
    "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\ufffe\\uffff]*$"
)
PrintableText = Annotated[
    str, AfterValidator(_printable), Field(json_schema_extra={"pattern": PRINTABLE_PATTERN})
]
# An http(s) address, or empty for none. Declared as such, so that clients (and Schemathesis)
# know what the API takes.
HttpLink = Annotated[
    str,
    AfterValidator(_web_address),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 1000},
                {"type": "string", "maxLength": 0},
            ],
            "description": "An http(s) address; empty for none",
        }
    ),
]


class PostIn(Schema):
    text: PrintableText = Field(min_length=1, max_length=20_000)
    accounts: list[UUID] = Field(min_length=1, description="Channel ids (at least one)")
    variants: dict[UUID, PrintableText] = Field(
        default_factory=dict, description="A channel's own text, by channel id"
    )
    link: HttpLink = Field(default="", max_length=1000)
    scheduled_at: datetime | None = Field(
        default=None,
        description=(
            "ISO 8601; without an offset, your own time zone; null: now. "
            "From the year 2000 to five years ahead."
        ),
    )


class PostWithOrganisationIn(PostIn):
    organisation: str


class DeletedOut(Schema):
    deleted: bool
    already_published: list[DeliveryOut]


class ChannelOut(Schema):
    id: UUID
    platform: str
    label: str
    handle: str
    display_name: str
    status: str
    status_message: str
    expires_at: datetime | None
    max_chars: int | None
    max_images: int | None
    threads: bool | None


def _delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.public_id,
        channel=d.account.public_id,
        platform=d.account.platform,
        handle=d.account.handle,
        state=d.state,
        held=d.held,
        remote_url=d.remote_url,
        published_at=d.published_at,
        attempts=d.attempts,
        error_code=d.last_error_code,
        error=error_message(d.last_error_code, d.last_error_detail) if d.last_error_code else "",
    )


def _post_out(
    post: Post,
    findings: list[tuple[str, Any]] | None = None,
    deliveries: list[Delivery] | None = None,
) -> PostOut:
    if deliveries is None:
        deliveries = list(
            post.deliveries.select_related("account").order_by("account__platform", "id")
        )
    return PostOut(
        id=post.public_id,
        organisation=post.organisation.slug,
        state=post.state,
        text=post.text,
        link=post.link,
        scheduled_at=post.scheduled_at,
        review_required_reason=post.review_required_reason,
        created_at=post.created_at,
        deliveries=[_delivery_out(d) for d in deliveries],
        findings=[
            FindingOut(
                kind=f.kind,
                code=f.code,
                severity=f.severity,
                message=f.message,
                start=f.start,
                end=f.end,
                text=f.text,
                target=target,
            )
            for target, f in findings or []
        ],
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _accounts(org: Organisation, wanted: list[UUID]) -> list[ChannelAccount]:
    found = {
        a.public_id: a
        for a in ChannelAccount.objects.filter(organisation=org, public_id__in=wanted).exclude(
            status=ChannelAccount.Status.DISCONNECTED
        )
    }
    missing = [str(w) for w in wanted if w not in found]
    if missing:
        raise HttpError(422, f"Unknown or disconnected channel: {', '.join(missing)}")
    return [found[w] for w in dict.fromkeys(wanted)]


def _when(request: HttpRequest, value: datetime | None) -> datetime | None:
    """The time as given, or read in the person's own time zone when it has no offset (the
    compose service decides whether it is a time a post can have)."""
    if value is None or not timezone.is_naive(value):
        return value
    try:
        return local_to_aware(value, _zone(request))
    except TimeOutOfRange:
        raise HttpError(422, bounds.range_message()) from None
    except NonexistentLocalTime:
        raise HttpError(422, "That local time does not exist (clocks move forward)") from None


def _zone(request: HttpRequest) -> ZoneInfo:
    return zone(getattr(request.user, "time_zone", None))


def _public_target(target: str, channel_ids: dict[int, str]) -> str:
    kind, _sep, key = target.partition(":")
    if kind == "variant" and key.isdigit():
        return f"variant:{channel_ids.get(int(key), key)}"
    return target


HETU_REFUSED = (
    "The post holds a personal identity number (a henkilötunnus, or another country's such as a "
    "personnummer or a Social Security number) in its text, a channel's own text or an alt "
    "text. Remove it: a post with one is never published."
)


def _create(request: HttpRequest, slug: str, data: PostIn) -> Status[PostOut]:
    org = api_membership(request, slug, Perm.EDIT_POSTS).organisation
    accounts = _accounts(org, data.accounts)
    by_id = {a.public_id: a for a in accounts}
    unknown_variants = [str(k) for k in data.variants if k not in by_id]
    if unknown_variants:
        raise HttpError(422, f"Variant for a channel not chosen: {', '.join(unknown_variants)}")
    draft = services.Draft(
        text=data.text,
        accounts=accounts,
        link=data.link.strip(),
        scheduled_at=_when(request, data.scheduled_at),
        variants={by_id[k].pk: v.strip() for k, v in data.variants.items() if v.strip()},
    )
    try:
        # Refused before anything is kept when the gate refuses it: a henkilötunnus can never
        # be approved, so the post is not kept as a draft either.
        saved = compose.save_post(
            org,
            _user(request),
            draft,
            tz=_zone(request),
            send=True,
            request=request,
            keep_refused=False,
        )
    except compose.Invalid as invalid:
        raise HttpError(422, " ".join(p.message for p in invalid.problems)) from None
    except services.GateRefused as refused:
        if str(refused) == "hetu":
            raise HttpError(422, HETU_REFUSED) from None
        # Only when the words changed between the check and the send (a race): nothing went
        # out, nothing was kept.
        raise HttpError(409, "The post changed while it was being sent; it was not kept") from None
    channel_ids = {a.pk: str(a.public_id) for a in accounts}
    findings = [
        (_public_target(t.target, channel_ids), f) for t in saved.verdict.texts for f in t.findings
    ]
    post = saved.post
    post.refresh_from_db()
    return Status(201, _post_out(post, findings))


@router.post("/organisations/{slug}/posts", response={201: PostOut})
def create_post(request: HttpRequest, slug: str, data: PostIn) -> Status[PostOut]:
    """Write a post and send it: it is checked, then scheduled or sent to review."""
    return _create(request, slug, data)


@router.post("/posts", response={201: PostOut})
def create_post_in(request: HttpRequest, data: PostWithOrganisationIn) -> Status[PostOut]:
    """The same as POST /organisations/{slug}/posts, with the organisation in the body."""
    return _create(request, data.organisation, data)


def _post(org: Organisation, post_id: UUID) -> Post:
    post = Post.objects.filter(organisation=org, public_id=post_id, deleted_at=None).first()
    if post is None:
        raise HttpError(404, "Not found")
    return post


@router.get("/organisations/{slug}/posts/{post_id}", response=PostOut)
def get_post(request: HttpRequest, slug: str, post_id: UUID) -> PostOut:
    org = api_membership(request, slug, Perm.VIEW).organisation
    return _post_out(_post(org, post_id))


class PostListOut(Schema):
    items: list[PostOut]
    next: str | None = Field(
        description="The address of the next page (the same filters), or null on the last page"
    )


@router.get("/organisations/{slug}/posts", response=PostListOut)
def list_posts(
    request: HttpRequest,
    slug: str,
    state: str | None = None,
    channel: str | None = None,
    from_: str | None = Query(None, alias="from"),  # type: ignore[type-arg]
    to: str | None = None,
    limit: str | None = None,
    cursor: str | None = None,
    q: str | None = None,
) -> PostListOut:
    """The organisation's posts, newest first, with their deliveries.

    Filters (all optional; a value that cannot be read answers 400 saying why): ``state``,
    one or more of draft, in_review, approved, scheduled, done (comma-separated); ``channel``,
    channel ids or platform names (posts with a delivery there); ``from`` and ``to``, ISO 8601
    times or dates (without an offset, your own time zone), on the time the post is scheduled
    for, or for a post sent at once, when a delivery was published (``from`` inclusive, ``to``
    exclusive); ``q``, words to search for (every word must be in the post, its channels' own
    texts or its images' alt texts, in any inflected form: "mielenterveyspalveluiden" finds
    "mielenterveyspalvelut"; at most 500 characters); ``limit``, 1 to 200 posts a page (50).
    ``next`` links the following page.
    """
    org = api_membership(request, slug, Perm.VIEW).organisation
    try:
        accounts, platforms = listing.parse_channels(org, channel)
        start = listing.parse_time("from", from_, _zone(request))
        end = listing.parse_time("to", to, _zone(request))
        if not listing.window_is_valid(start, end):
            raise listing.BadFilter("from must be before to")
        wanted = listing.PostFilter(
            states=listing.parse_states(state),
            accounts=accounts,
            platforms=platforms,
            start=start,
            end=end,
            after_id=listing.parse_cursor(cursor),
            query=listing.parse_query(q),
            limit=listing.parse_limit(limit),
        )
    except listing.BadFilter as bad:
        raise HttpError(400, str(bad)) from None
    found = listing.page(org, wanted)
    next_url = None
    if found.next_cursor is not None:
        query = request.GET.copy()
        query["cursor"] = found.next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return PostListOut(
        items=[_post_out(p, deliveries=found.deliveries[p.pk]) for p in found.posts],
        next=next_url,
    )


@router.delete("/organisations/{slug}/posts/{post_id}", response=DeletedOut)
def delete_post(
    request: HttpRequest, slug: str, post_id: UUID, *, take_down: bool = False
) -> DeletedOut:
    """Delete a post. Deliveries already published stay on their platforms (listed), unless
    ``take_down=true`` asks Kaiku to remove them there too."""
    org = api_membership(request, slug, Perm.EDIT_POSTS).organisation
    out = services.delete(_post(org, post_id), request, take_down=take_down)
    rows = Delivery.objects.filter(pk__in=[d.pk for d in out]).select_related("account")
    return DeletedOut(deleted=True, already_published=[_delivery_out(d) for d in rows])


@router.get("/organisations/{slug}/channels", response=list[ChannelOut])
def list_channels(request: HttpRequest, slug: str) -> list[ChannelOut]:
    org = api_membership(request, slug, Perm.VIEW).organisation
    out = []
    for a in ChannelAccount.objects.filter(Q(organisation=org)):
        try:
            limits = a.connector().limits()
        except Exception:  # a connector that cannot load still lists its account
            limits = None
        out.append(
            ChannelOut(
                id=a.public_id,
                platform=a.platform,
                label=_label(a),
                handle=a.handle,
                display_name=a.display_name,
                status=a.status,
                status_message=a.status_message,
                expires_at=a.expires_at,
                max_chars=limits.max_chars if limits else None,
                max_images=limits.max_images if limits else None,
                threads=limits.threads if limits else None,
            )
        )
    return out


def _label(account: ChannelAccount) -> str:
    try:
        return account.label
    except Exception:  # the platform's connector is not installed
        return account.platform
