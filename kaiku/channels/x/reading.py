"""The watch's readers of X accounts and searches through the X API v2, only where the
organisation's plan reads.

X sells API reads: per the X developer documentation (docs.x.com/x-api/getting-started/pricing,
read in 2026) the API is pay-per-use, US$0.005 per post read and US$0.010 per user read,
with a monthly cap of 2 million post reads on pay-per-use (docs.x.com post-cap page);
legacy Free access could not read posts. So an X source is refused unless the organisation
has chosen a plan that reads (``WatchSettings.x_plan``) and given a bearer token.

- https://docs.x.com/x-api/users/user-lookup-by-username (GET /2/users/by/username/:username)
- https://docs.x.com/x-api/posts/user-posts-timeline-by-user-id (GET /2/users/:id/tweets)
- https://docs.x.com/x-api/posts/recent-search (GET /2/tweets/search/recent)
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import gettext_noop

from kaiku.channels.reading import (
    Entry,
    NewSource,
    ReadBatch,
    ReadContext,
    ReadError,
    ReadRefused,
    StoredSource,
    UrlCheck,
    as_count,
    as_dict,
    as_str,
)
from kaiku.dates import parse_date

API = "https://api.x.com/2"
# Quoted in the refusal message (the pricing page above).
X_POST_READ_USD = "0.005"
# The values of kaiku.watch.models.XPlan whose plan includes reading posts.
PLANS_THAT_READ = frozenset({"pay_per_use", "basic", "pro", "enterprise"})
PAGE = 20
FIELDS = "created_at,public_metrics,lang,entities,author_id"
_USER = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")
_PROFILE = re.compile(r"^https?://(?:www\.)?(?:x|twitter)\.com/([A-Za-z0-9_]{1,15})/?$")


def api_base() -> str:
    return str(getattr(settings, "KAIKU_WATCH_X_API_URL", API)).rstrip("/")


# The watch's words for this package's errors (English msgids, translated where shown).
ERROR_TEXTS = {
    "x_plan": gettext_noop(
        "Reading from X needs a paid X API plan. X's API is pay-per-use: reading posts "
        "costs US$%(post_read_usd)s per post (X developer documentation, 2026). Choose "
        "the organisation's X plan in the watch settings to allow it."
    ),
    "x_token": gettext_noop("Add the X API bearer token in the watch settings first."),
}


def plan_refusal() -> ReadRefused:
    return ReadRefused("x_plan", post_read_usd=X_POST_READ_USD, permanent=True)


def entry_from_post(raw: Any, users: dict[str, str]) -> Entry | None:
    post = as_dict(raw)
    post_id = as_str(post.get("id"))
    if not post_id.isdigit():
        return None
    username = users.get(as_str(post.get("author_id")), "")
    metrics = as_dict(post.get("public_metrics"))
    entities = as_dict(post.get("entities"))
    mentions = [
        f"x:{as_str(as_dict(m).get('username'))}"
        for m in entities.get("mentions") or []
        if as_str(as_dict(m).get("username"))
    ]
    links = [
        as_str(as_dict(u).get("expanded_url"))
        for u in entities.get("urls") or []
        if as_str(as_dict(u).get("expanded_url"))
    ]
    return Entry(
        guid=f"https://x.com/i/status/{post_id}",
        url=f"https://x.com/{username or 'i'}/status/{post_id}",
        html=html.escape(as_str(post.get("text"))).replace("\n", "<br>"),
        author_handle=f"@{username}" if username else "",
        published=parse_date(as_str(post.get("created_at"))),
        engagement={
            "likes": as_count(metrics.get("like_count")),
            "reposts": as_count(metrics.get("retweet_count"))
            + as_count(metrics.get("quote_count")),
            "replies": as_count(metrics.get("reply_count")),
        },
        mentions=mentions,
        links=links,
        language=as_str(post.get("lang")),
        global_guid=True,
    )


def _require(ctx: ReadContext) -> dict[str, str]:
    if ctx.x_plan not in PLANS_THAT_READ:
        raise plan_refusal()
    if not ctx.x_bearer_token:
        raise ReadError("x_token", permanent=True)
    return {"Authorization": f"Bearer {ctx.x_bearer_token}"}


def _page(ctx: ReadContext, url: str, params: dict[str, str | int]) -> tuple[list[Any], str]:
    data = as_dict(ctx.fetcher.get_json(url, params=params, headers=_require(ctx)))
    posts = data.get("data") or []
    users = {
        as_str(as_dict(u).get("id")): as_str(as_dict(u).get("username"))
        for u in as_dict(data.get("includes")).get("users") or []
    }
    entries = [e for e in (entry_from_post(p, users) for p in posts) if e is not None]
    newest = as_str(as_dict(data.get("meta")).get("newest_id"))
    return entries, newest


class XAccount:
    kind = "x_account"
    label = gettext_noop("X account")
    # What add_source recognises as this kind when no kind is chosen.
    prefixes: tuple[str, ...] = ("x:",)
    patterns: tuple[re.Pattern[str], ...] = (
        re.compile(r"^https?://(?:www\.)?(?:x|twitter)\.com/[A-Za-z0-9_]{1,15}/?$"),
    )
    platform = "x"

    def normalise(self, value: str, check_url: UrlCheck) -> NewSource:
        value = value.strip().removeprefix("x:")
        match = _PROFILE.match(value) or _USER.match(value)
        if match is None:
            raise ReadRefused("bad_url", url=value[:200], permanent=True)
        user = match.group(1)
        return NewSource(self.kind, f"https://x.com/{user}", identifier=user.lower())

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        headers = _require(ctx)
        state = dict(source.state)
        user_id = as_str(state.get("user_id"))
        if not user_id:
            found = as_dict(
                ctx.fetcher.get_json(
                    f"{api_base()}/users/by/username/{quote(source.identifier)}", headers=headers
                )
            )
            user_id = as_str(as_dict(found.get("data")).get("id"))
            if not user_id:
                raise ReadError("unknown_account", account=f"@{source.identifier}")
            state["user_id"] = user_id
        params: dict[str, str | int] = {"max_results": PAGE, "tweet.fields": FIELDS}
        if as_str(state.get("since_id")):
            params["since_id"] = state["since_id"]
        entries, newest = _page(ctx, f"{api_base()}/users/{user_id}/tweets", params)
        for entry in entries:
            entry.author_handle = entry.author_handle or f"@{source.identifier}"
        if newest:
            state["since_id"] = newest
        return ReadBatch(entries=entries, state=state)

    def feed_url(self, url: str, identifier: str) -> str:
        return ""


class XSearch:
    kind = "x_search"
    label = gettext_noop("X search")
    # What add_source recognises as this kind when no kind is chosen.
    prefixes: tuple[str, ...] = ("x-search:",)
    patterns: tuple[re.Pattern[str], ...] = ()
    platform = "x"

    def normalise(self, value: str, check_url: UrlCheck) -> NewSource:
        query = value.strip().removeprefix("x-search:").strip()
        if not query or len(query) > 512:
            raise ReadRefused("bad_url", url=value[:200], permanent=True)
        return NewSource(self.kind, f"https://x.com/search?{urlencode({'q': query})}", query)

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        state = dict(source.state)
        params: dict[str, str | int] = {
            "query": source.identifier,
            "max_results": max(PAGE, 10),
            "tweet.fields": FIELDS,
            "expansions": "author_id",
            "user.fields": "username,name",
        }
        if as_str(state.get("since_id")):
            params["since_id"] = state["since_id"]
        entries, newest = _page(ctx, f"{api_base()}/tweets/search/recent", params)
        if newest:
            state["since_id"] = newest
        return ReadBatch(entries=entries, state=state)

    def feed_url(self, url: str, identifier: str) -> str:
        return ""
