"""The watch's readers of Bluesky accounts, searches and lists, through a public AppView (no
sign-in).

- https://docs.bsky.app/docs/api/app-bsky-feed-get-author-feed
- https://docs.bsky.app/docs/api/app-bsky-feed-search-posts
- https://docs.bsky.app/docs/api/app-bsky-feed-get-list-feed
- https://docs.bsky.app/docs/api/app-bsky-graph-get-list (list members, for import)
- https://docs.bsky.app/docs/api/app-bsky-graph-get-starter-pack (starter packs, for import)
- https://docs.bsky.app/docs/api/com-atproto-identity-resolve-handle

The AppView address is the organisation's setting (default https://public.api.bsky.app);
stored ``url`` is the bsky.app page people can open, ``identifier`` the handle, query or
list at:// URI.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

from kaiku.channels.reading import (
    Entry,
    JsonFetcher,
    NewSource,
    ReadBatch,
    ReadContext,
    ReadError,
    SearchKind,
    StoredSource,
    UrlCheck,
    as_dict,
    as_str,
    engagement,
    entries_from,
    refused,
    text_html,
)
from kaiku.dates import parse_date

PAGE = 50
WEB = "https://bsky.app"
_HANDLE = re.compile(r"^@?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*)$", re.I)
_DID = re.compile(r"^did:(?:plc|web):[a-zA-Z0-9._:%-]{1,200}$")
_PROFILE = re.compile(r"^https://bsky\.app/profile/([^/?#]+)/?$")
_LIST_URL = re.compile(r"^https://bsky\.app/profile/([^/?#]+)/lists/([a-z0-9]+)/?$")
_PACK_URL = re.compile(r"^https://bsky\.app/starter-pack/([^/?#]+)/([a-z0-9]+)/?$")
_AT_URI = re.compile(r"^at://([^/]+)/(app\.bsky\.graph\.(?:list|starterpack))/([a-z0-9]+)$")


def actor(value: str) -> str | None:
    value = value.strip().removeprefix("bluesky:")
    match = _PROFILE.match(value)
    if match:
        value = match.group(1)
    if _DID.match(value):
        return value
    found = _HANDLE.match(value)
    return found.group(1).lower() if found else None


def post_url(uri: str, handle: str) -> str:
    rkey = uri.rsplit("/", 1)[-1]
    return f"{WEB}/profile/{handle or uri.split('/')[2]}/post/{rkey}"


def _text_html(text: str, facets: Any) -> tuple[str, list[str], list[str]]:
    """Escaped text with line breaks, plus links and mentioned DIDs from the facets."""
    links: list[str] = []
    mentions: list[str] = []
    for facet in facets if isinstance(facets, list) else []:
        for feature in as_dict(facet).get("features") or []:
            kind = as_str(as_dict(feature).get("$type"))
            if kind.endswith("#link") and as_str(feature.get("uri")):
                links.append(feature["uri"])
            elif kind.endswith("#mention") and as_str(feature.get("did")):
                mentions.append(f"bluesky:{feature['did']}")
    return text_html(text), links, mentions


def entry_from_feed_item(raw: Any) -> Entry | None:
    """A FeedViewPost (``{post, reason}``) or a bare PostView as an Entry."""
    item = as_dict(raw)
    post = as_dict(item.get("post")) if "post" in item else item
    uri = as_str(post.get("uri"))
    if not uri.startswith("at://"):
        return None
    author = as_dict(post.get("author"))
    handle = as_str(author.get("handle"))
    record = as_dict(post.get("record"))
    body, links, mentions = _text_html(as_str(record.get("text")), record.get("facets"))
    external = as_dict(as_dict(as_dict(post.get("embed")).get("external")))
    if as_str(external.get("uri")).startswith(("https://", "http://")):
        title = html.escape(as_str(external.get("title")) or external["uri"])
        body += f'<p><a href="{html.escape(external["uri"])}">{title}</a></p>'
        links.append(external["uri"])
    reason = as_dict(item.get("reason"))
    if as_str(reason.get("$type")).endswith("#reasonRepost") and handle:
        mentions.append(f"bluesky:{handle}")
    langs = record.get("langs")
    return Entry(
        guid=uri,
        url=post_url(uri, handle),
        html=body,
        author_name=as_str(author.get("displayName")),
        author_handle=f"@{handle}" if handle else as_str(author.get("did")),
        published=parse_date(as_str(record.get("createdAt")) or as_str(post.get("indexedAt"))),
        engagement=engagement(
            post.get("likeCount"),
            post.get("repostCount"),
            post.get("replyCount"),
            quotes=post.get("quoteCount"),
        ),
        mentions=list(dict.fromkeys(mentions)),
        links=links,
        language=as_str(langs[0]) if isinstance(langs, list) and langs else "",
        global_guid=True,
    )


def _xrpc(ctx_fetcher: JsonFetcher, base: str, method: str, **params: str | int) -> dict[str, Any]:
    data = ctx_fetcher.get_json(f"{base.rstrip('/')}/xrpc/{method}", params=params)
    if not isinstance(data, dict):
        raise ReadError("malformed", format="Bluesky API", detail=f"{method} did not answer JSON")
    return data


def _entries(items: Any) -> list[Entry]:
    if not isinstance(items, list):
        raise ReadError("malformed", format="Bluesky API", detail="expected a list of posts")
    return entries_from(items, entry_from_feed_item)


def _only_new(entries: list[Entry], state: dict[str, Any]) -> tuple[list[Entry], dict[str, Any]]:
    """Bluesky feeds have no since-cursor; keep the newest time seen and skip older posts."""
    seen = parse_date(as_str(state.get("newest")))
    fresh = [e for e in entries if seen is None or e.published is None or e.published >= seen]
    times = [e.published for e in entries if e.published is not None]
    if times:
        newest = max(times) if seen is None else max([*times, seen])
        state = {**state, "newest": newest.isoformat()}
    return fresh, state


def _read(
    ctx: ReadContext, source: StoredSource, method: str, key: str, **params: str | int
) -> ReadBatch:
    """The posts under ``key`` of one XRPC call that are newer than the last read."""
    data = _xrpc(ctx.fetcher, ctx.bluesky_appview_url, method, **params)
    entries, state = _only_new(_entries(data.get(key)), dict(source.state))
    return ReadBatch(entries=entries, state=state)


class BlueskyAccount:
    kind = "bluesky_account"
    label = gettext_noop("Bluesky account")
    # What add_source recognises as this kind when no kind is chosen.
    prefixes: tuple[str, ...] = ("bluesky:",)
    patterns: tuple[re.Pattern[str], ...] = (re.compile(r"^https://bsky\.app/profile/[^/?#]+/?$"),)
    platform = "bluesky"

    def normalise(self, value: str, check_url: UrlCheck) -> NewSource:
        found = actor(value)
        if found is None:
            raise refused(value)
        return NewSource(self.kind, f"{WEB}/profile/{found}", identifier=found)

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        return _read(
            ctx,
            source,
            "app.bsky.feed.getAuthorFeed",
            "feed",
            actor=source.identifier,
            limit=PAGE,
            filter="posts_no_replies",
        )

    def feed_url(self, url: str, identifier: str) -> str:
        return f"{url}/rss"  # bsky.app serves an account's posts as RSS


class BlueskySearch(SearchKind):
    kind = "bluesky_search"
    label = gettext_noop("Bluesky search")
    # What add_source recognises as this kind when no kind is chosen.
    prefixes: tuple[str, ...] = ("bluesky-search:",)
    platform = "bluesky"
    page = f"{WEB}/search"
    max_query = 300

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        return _read(
            ctx,
            source,
            "app.bsky.feed.searchPosts",
            "posts",
            q=source.identifier,
            limit=PAGE,
            sort="latest",
        )


class BlueskyList:
    kind = "bluesky_list"
    label = gettext_noop("Bluesky list")
    # What add_source recognises as this kind when no kind is chosen.
    prefixes: tuple[str, ...] = ("bluesky-list:",)
    patterns: tuple[re.Pattern[str], ...] = (
        re.compile(r"^https://bsky\.app/profile/[^/]+/lists/[a-z0-9]+/?$"),
        re.compile(r"^at://[^/]+/app\.bsky\.graph\.list/"),
    )
    platform = "bluesky"

    def normalise(self, value: str, check_url: UrlCheck) -> NewSource:
        value = value.strip().removeprefix("bluesky-list:")
        match = _LIST_URL.match(value)
        if match:
            owner, rkey = match.group(1), match.group(2)
        else:
            at = _AT_URI.match(value)
            if at is None or at.group(2) != "app.bsky.graph.list":
                raise refused(value)
            owner, rkey = at.group(1), at.group(3)
        uri = f"at://{owner}/app.bsky.graph.list/{rkey}"
        return NewSource(self.kind, f"{WEB}/profile/{owner}/lists/{rkey}", identifier=uri)

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        uri = resolve_at_uri(ctx.fetcher, ctx.bluesky_appview_url, source.identifier)
        return _read(ctx, source, "app.bsky.feed.getListFeed", "feed", list=uri, limit=PAGE)

    def feed_url(self, url: str, identifier: str) -> str:
        return ""


# --- lists and starter packs (import) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    did: str
    handle: str
    display_name: str


def resolve_at_uri(fetcher: JsonFetcher, appview: str, uri: str) -> str:
    """``at://handle/...`` with the handle replaced by its DID (AppViews want DIDs)."""
    owner = uri.removeprefix("at://").split("/")[0]
    if owner.startswith("did:"):
        return uri
    data = _xrpc(fetcher, appview, "com.atproto.identity.resolveHandle", handle=owner)
    did = as_str(data.get("did"))
    if not did:
        raise ReadError("unknown_account", account=f"@{owner}")
    return uri.replace(f"at://{owner}/", f"at://{did}/", 1)


def list_uri_from(value: str, fetcher: JsonFetcher, appview: str) -> str:
    """The list behind a list URL/URI or a starter pack URL/URI."""
    value = value.strip()
    pack = _PACK_URL.match(value)
    if pack:
        value = f"at://{pack.group(1)}/app.bsky.graph.starterpack/{pack.group(2)}"
    listed = _LIST_URL.match(value)
    if listed:
        value = f"at://{listed.group(1)}/app.bsky.graph.list/{listed.group(2)}"
    at = _AT_URI.match(value)
    if at is None:
        raise refused(value)
    uri = resolve_at_uri(fetcher, appview, value)
    if at.group(2) == "app.bsky.graph.list":
        return uri
    data = _xrpc(fetcher, appview, "app.bsky.graph.getStarterPack", starterPack=uri)
    list_uri = as_str(as_dict(as_dict(data.get("starterPack")).get("list")).get("uri"))
    if not list_uri:
        raise ReadError("api_error", detail="the starter pack has no list")
    return list_uri


def list_members(
    fetcher: JsonFetcher, appview: str, list_uri: str, limit: int = 1000
) -> list[Member]:
    members: list[Member] = []
    cursor = ""
    while len(members) < limit:
        params: dict[str, str | int] = {"list": list_uri, "limit": 100}
        if cursor:
            params["cursor"] = cursor
        data = _xrpc(fetcher, appview, "app.bsky.graph.getList", **params)
        for item in data.get("items") or []:
            subject = as_dict(as_dict(item).get("subject"))
            did = as_str(subject.get("did"))
            if did:
                members.append(
                    Member(did, as_str(subject.get("handle")), as_str(subject.get("displayName")))
                )
        cursor = as_str(data.get("cursor"))
        if not cursor or not data.get("items"):
            break
    return members[:limit]
