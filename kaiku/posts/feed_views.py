"""The organisation's own public feed: a page, Atom and RSS, and the images its posts carry.

Public (no sign-in). Only organisations that have connected their own feed have one, and only
entries that were published and not deleted are shown.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import linebreaks, urlize
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from kaiku.organisations.models import Organisation
from kaiku.posts.models import ChannelAccount, FeedEntry, PostImage
from kaiku.safetext import strip_unsafe

PAGE_SIZE = 20
FEED_SIZE = 50
FEED_PLATFORM = "feed"
# The image types the feed serves; anything else stays private (no SVG, no HTML).
SERVED_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def _organisation(slug: str) -> Organisation:
    org = get_object_or_404(Organisation, slug=slug)
    org.name = strip_unsafe(org.name)
    has_feed = (
        ChannelAccount.objects.filter(organisation=org, platform=FEED_PLATFORM)
        .exclude(status=ChannelAccount.Status.DISCONNECTED)
        .exists()
    )
    if not has_feed:
        raise Http404
    return org


def _entries(org: Organisation) -> Any:
    return FeedEntry.objects.filter(organisation=org, deleted_at=None).order_by(
        "-published_at", "-id"
    )


def _readable(entry: FeedEntry) -> FeedEntry:
    """The entry without characters XML cannot carry (in memory only).

    The edges refuse them, but one stored entry (written before that, or by any other way in)
    must not take the whole feed down: Django's feed writer raises on a control character, and
    a reader rejects the whole document for one.
    """
    entry.text = strip_unsafe(entry.text)
    entry.image_alt = strip_unsafe(entry.image_alt)
    entry.link = strip_unsafe(entry.link)
    return entry


def entry_title(entry: FeedEntry) -> str:
    first_line = next((line for line in entry.text.splitlines() if line.strip()), "")
    return Truncator(first_line.strip()).chars(80) or _("Post")


def _image_url(request: HttpRequest, org: Organisation, entry: FeedEntry) -> str:
    if not entry.image:
        return ""
    return request.build_absolute_uri(
        reverse("feed:media", kwargs={"slug": org.slug, "name": entry.image})
    )


def _entry_html(entry: FeedEntry) -> str:
    return linebreaks(urlize(entry.text, nofollow=True, autoescape=True))


def _entry_id(org: Organisation, entry: FeedEntry) -> str:
    """A permanent id (RFC 4151 tag URI): the same whichever host name served the feed."""
    return f"tag:{_host()},{entry.published_at:%Y-%m-%d}:/f/{org.slug}/{entry.pk}"


def _host() -> str:
    return urlsplit(settings.PUBLIC_URL).hostname or "localhost"


@require_GET
def index(request: HttpRequest, slug: str) -> HttpResponse:
    org = _organisation(slug)
    page = Paginator(_entries(org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feed/index.html",
        {
            "feed_org": org,
            "page": page,
            "entries": [
                {"entry": e, "title": entry_title(e), "image_url": _image_url(request, org, e)}
                for e in map(_readable, page)
            ],
            "page_url": request.build_absolute_uri(request.path),
            "atom_url": request.build_absolute_uri(reverse("feed:atom", args=[org.slug])),
            "rss_url": request.build_absolute_uri(reverse("feed:rss", args=[org.slug])),
        },
    )


@require_GET
def entry(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    org = _organisation(slug)
    item = _readable(get_object_or_404(_entries(org), pk=entry_id))
    return render(
        request,
        "feed/entry.html",
        {
            "feed_org": org,
            "entry": item,
            "title": entry_title(item),
            "description": Truncator(" ".join(item.text.split())).chars(200),
            "image_url": _image_url(request, org, item),
            "page_url": request.build_absolute_uri(request.path),
            "index_url": reverse("feed:index", args=[org.slug]),
            "atom_url": request.build_absolute_uri(reverse("feed:atom", args=[org.slug])),
            "rss_url": request.build_absolute_uri(reverse("feed:rss", args=[org.slug])),
        },
    )


def _syndication(
    request: HttpRequest, slug: str, kind: type[Atom1Feed | Rss201rev2Feed]
) -> HttpResponse:
    org = _organisation(slug)
    entries = [_readable(e) for e in _entries(org)[:FEED_SIZE]]
    images = _image_sizes(org, [e.image for e in entries if e.image])
    feed = kind(
        title=org.name,
        link=request.build_absolute_uri(reverse("feed:index", args=[org.slug])),
        description=_("Posts of %(organisation)s") % {"organisation": org.name},
        language="fi",
        feed_url=request.build_absolute_uri(request.path),
        author_name=org.name,
        feed_guid=f"tag:{_host()},{org.created_at:%Y-%m-%d}:/f/{org.slug}",
    )
    for e in entries:
        link = request.build_absolute_uri(reverse("feed:entry", args=[org.slug, e.pk]))
        enclosures = []
        if e.image and e.image in images:
            mime, size = images[e.image]
            enclosures.append(Enclosure(_image_url(request, org, e), str(size), mime))
        feed.add_item(
            title=entry_title(e),
            link=link,
            description=_entry_html(e),
            unique_id=_entry_id(org, e),
            unique_id_is_permalink=False,
            pubdate=e.published_at,
            updateddate=e.published_at,
            author_name=org.name,
            enclosures=enclosures,
        )
    response = HttpResponse(content_type=f"{feed.content_type}")
    feed.write(response, "utf-8")
    return response


def _image_query(names: set[str]) -> Q:
    """PostImages an entry's ``image`` names: the storage name, or (older entries) its last part."""
    wanted = Q(pk__in=[])
    for name in names:
        wanted |= Q(file=name) | Q(file__endswith=f"/{name}")
    return wanted


def _image_sizes(org: Organisation, names: list[str]) -> dict[str, tuple[str, int]]:
    found: dict[str, tuple[str, int]] = {}
    if not names:
        return found
    query = _image_query(set(names))
    for img in PostImage.objects.filter(query, post__organisation=org, mime__in=SERVED_TYPES):
        stored = img.file.name or ""
        for name in names:
            if stored == name or stored.endswith(f"/{name}"):
                found[name] = (img.mime, img.size_bytes)
    return found


@require_GET
def atom(request: HttpRequest, slug: str) -> HttpResponse:
    return _syndication(request, slug, Atom1Feed)


@require_GET
def rss(request: HttpRequest, slug: str) -> HttpResponse:
    return _syndication(request, slug, Rss201rev2Feed)


@require_GET
@cache_control(public=True, max_age=86400)
def media(request: HttpRequest, slug: str, name: str) -> FileResponse:
    """An image of a published feed entry. Nothing else under media is reachable here."""
    org = _organisation(slug)
    if not _entries(org).filter(image=name).exists():
        raise Http404
    image = (
        PostImage.objects.filter(
            _image_query({name}), post__organisation=org, mime__in=SERVED_TYPES
        )
        .order_by("id")
        .first()
    )
    if image is None or not image.file:
        raise Http404
    try:
        handle = image.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, content_type=image.mime)
