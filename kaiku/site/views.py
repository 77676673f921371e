"""The organisation's own public feed: a page, Atom and RSS, and the images its posts carry.

Public (no sign-in). Only organisations that have connected their own feed have one, and only
entries that were published and not deleted are shown.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import format_html, linebreaks, urlize
from django.utils.http import http_date, quote_etag
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Organisation
from kaiku.posts.models import PostImage
from kaiku.publishing.models import Delivery
from kaiku.safetext import strip_unsafe
from kaiku.site.models import FeedEntry

PAGE_SIZE = 20
FEED_SIZE = 50
FEED_PLATFORM = "feed"
# The image types the feed serves; anything else stays private (no SVG, no HTML).
SERVED_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
# The languages a feed may declare (Kaiku's post languages); others fall back to Finnish.
FEED_LANGUAGES = {"fi", "sv", "en"}
# The feed's language is that of most of its latest posts: this many.
LANGUAGE_SAMPLE = 200
# RFC 4151: the tagging authority is a DNS name (letters, digits, hyphens, dots).
_DNS_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")


def _feed_account(slug: str) -> tuple[Organisation, ChannelAccount]:
    org = get_object_or_404(Organisation, slug=slug)
    account = (
        ChannelAccount.objects.filter(organisation=org, platform=FEED_PLATFORM)
        .exclude(status=ChannelAccount.Status.DISCONNECTED)
        .order_by("id")
        .first()
    )
    if account is None:
        raise Http404
    org.name = strip_unsafe(org.name)
    return org, account


def _organisation(slug: str) -> Organisation:
    return _feed_account(slug)[0]


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
    html = linebreaks(urlize(entry.text, nofollow=True, autoescape=True))
    if entry.link and entry.link not in entry.text:
        # The post's link went out beside the text on the other platforms: a feed reader
        # shows the content, so the link belongs in it.
        html += format_html('\n<p><a href="{}" rel="nofollow">{}</a></p>', entry.link, entry.link)
    return html


def tagging_entity(org: Organisation, account: ChannelAccount) -> str:
    """The RFC 4151 tagging entity of this feed ("host,date"), fixed the first time the feed
    is served and kept on the account: ids stay the same when Kaiku's address changes. The
    date is the organisation's creation day (a day Kaiku's address named it), never today."""
    stored = account.settings.get("tag_entity")
    if isinstance(stored, str) and stored:
        return stored
    host = (urlsplit(settings.PUBLIC_URL).hostname or "").lower().rstrip(".")
    if not _DNS_NAME.match(host):
        host = "kaiku.invalid"  # an IPv6 literal or nothing: not a DNS name
    entity = f"{host},{org.created_at.astimezone(UTC):%Y-%m-%d}"
    account.settings = {**account.settings, "tag_entity": entity}
    ChannelAccount.objects.filter(pk=account.pk).update(settings=account.settings)
    return entity


def _entry_id(entity: str, org: Organisation, entry: FeedEntry) -> str:
    """A permanent id (RFC 4151 tag URI): the same whichever host name served the feed."""
    return f"tag:{entity}:/f/{org.pk}/{entry.pk}"


def feed_language(org: Organisation) -> str:
    """The language most of the organisation's latest posts to its feed are written in.

    Counted over the last ``LANGUAGE_SAMPLE`` deliveries to the feed, newest first through the
    deliveries' account index: counting every feed post of the organisation on each request
    of the page and of the Atom and RSS documents grew with the organisation's history
    (issue 17). A tie goes to the language first in the alphabet, as before."""
    recent = (
        Delivery.objects.filter(account__organisation=org, account__platform=FEED_PLATFORM)
        .order_by("-id")
        .values_list("post__language", flat=True)[:LANGUAGE_SAMPLE]
    )
    counts = Counter(language for language in recent if language in FEED_LANGUAGES)
    if not counts:
        return "fi"
    return min(counts, key=lambda language: (-counts[language], language))


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
    org, account = _feed_account(slug)
    # Last-Modified: the newest change to the entries (a publication or a removal).
    changed = FeedEntry.objects.filter(organisation=org).aggregate(
        published=Max("published_at"), deleted=Max("deleted_at")
    )
    moments = [m for m in (changed["published"], changed["deleted"]) if m is not None]
    last_modified = int(max(moments).timestamp()) if moments else None
    entity = tagging_entity(org, account)
    entries = [_readable(e) for e in _entries(org)[:FEED_SIZE]]
    images = _image_sizes(org, [e.image for e in entries if e.image])
    feed = kind(
        title=org.name,
        link=request.build_absolute_uri(reverse("feed:index", args=[org.slug])),
        description=_("Posts of %(organisation)s") % {"organisation": org.name},
        language=feed_language(org),
        feed_url=request.build_absolute_uri(request.path),
        author_name=org.name,
        feed_guid=f"tag:{entity}:/f/{org.pk}",
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
            unique_id=_entry_id(entity, org, e),
            unique_id_is_permalink=False,
            pubdate=e.published_at,
            updateddate=e.published_at,
            author_name=org.name,
            enclosures=enclosures,
        )
    body = feed.writeString("utf-8").encode("utf-8")
    # The ETag is the content's own hash: a reader's conditional GET gets 304 until anything
    # it would see changes (an entry, the organisation's name, an image).
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
    response = conditional or HttpResponse(body, content_type=feed.content_type)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
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
