"""The watch's readers of X accounts and searches through the X API v2, only where the
organisation's plan reads, with the organisation's connected X account.

X sells API reads: per the X developer documentation (docs.x.com/x-api/getting-started/pricing,
read in 2026) the API is pay-per-use, US$0.005 per post read and US$0.010 per user read,
with a monthly cap of 2 million post reads on pay-per-use (docs.x.com post-cap page);
legacy Free access could not read posts. So an X source is refused unless the organisation
has chosen a plan that reads (``WatchSettings.x_plan``) and connected an X account.

One credential for X. The reads go through the X package's one client (``XClient``) with the
token of the organisation's X channel account, renewed the way publishing renews it
(``XConnector.read_as_account``): the user lookup, a user's posts and recent search all accept
an OAuth 2.0 user-context token with ``tweet.read`` and ``users.read``, which the connect flow
asks for (https://docs.x.com/fundamentals/authentication/guides/v2-authentication-mapping).

- https://docs.x.com/x-api/users/user-lookup-by-username (GET /2/users/by/username/:username)
- https://docs.x.com/x-api/posts/user-posts-timeline-by-user-id (GET /2/users/:id/tweets)
- https://docs.x.com/x-api/posts/recent-search (GET /2/tweets/search/recent)
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import quote

from django.utils.translation import gettext_noop

from kaiku.channels.base import ChannelError, Failure
from kaiku.channels.reading import (
    AccountReads,
    Entry,
    NewSource,
    ReadBatch,
    ReadContext,
    ReadError,
    ReadRefused,
    SearchKind,
    StoredSource,
    UrlCheck,
    as_dict,
    as_str,
    engagement,
    entries_from,
    matched,
    text_html,
    with_since,
)
from kaiku.dates import parse_date

# Quoted in the refusal message (the pricing page above).
X_POST_READ_USD = "0.005"
# The values of kaiku.watch.models.XPlan whose plan includes reading posts.
PLANS_THAT_READ = frozenset({"pay_per_use", "basic", "pro", "enterprise"})
PAGE = 20
FIELDS = "created_at,public_metrics,lang,entities,author_id"
_USER = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")
_PROFILE = re.compile(r"^https?://(?:www\.)?(?:x|twitter)\.com/([A-Za-z0-9_]{1,15})/?$")


# The watch's words for this package's errors (English msgids, translated where shown).
ERROR_TEXTS = {
    "x_plan": gettext_noop(
        "Reading from X needs a paid X API plan. X's API is pay-per-use: reading posts "
        "costs US$%(post_read_usd)s per post (X developer documentation, 2026). Choose "
        "the organisation's X plan in the watch settings to allow it."
    ),
    "x_token": gettext_noop(
        "Connect the organisation's X account on the channels page first: the watch reads X "
        "with it."
    ),
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
    mentions = [as_str(as_dict(m).get("username")) for m in entities.get("mentions") or []]
    links = [as_str(as_dict(u).get("expanded_url")) for u in entities.get("urls") or []]
    return Entry(
        guid=f"https://x.com/i/status/{post_id}",
        url=f"https://x.com/{username or 'i'}/status/{post_id}",
        html=text_html(as_str(post.get("text"))),
        author_handle=f"@{username}" if username else "",
        published=parse_date(as_str(post.get("created_at"))),
        engagement=engagement(
            metrics.get("like_count"),
            metrics.get("retweet_count"),
            metrics.get("reply_count"),
            quotes=metrics.get("quote_count"),
        ),
        mentions=[f"x:{name}" for name in mentions if name],
        links=[link for link in links if link],
        language=as_str(post.get("lang")),
        global_guid=True,
    )


def _account(ctx: ReadContext) -> AccountReads:
    if ctx.x_plan not in PLANS_THAT_READ:
        raise plan_refusal()
    account = ctx.account("x")
    if account is None:
        raise ReadError("x_token", permanent=True)
    return account


def _read_error(exc: ChannelError) -> ReadError:
    """The watch's words for a failed read (the client's ``ChannelError``)."""
    if exc.failure is Failure.AUTH:
        # Renewing the token did not help: only connecting the account again does.
        return ReadError("x_token", permanent=True)
    if exc.failure is Failure.RATE_LIMITED:
        wait = exc.retry_after if exc.retry_after is not None else 900.0
        return ReadError("rate_limited", retry_after=wait, minutes=max(1, math.ceil(wait / 60)))
    if exc.status is not None and exc.status >= 500:
        return ReadError("server_error", status=exc.status)
    return ReadError("api_error", detail=exc.detail[:200] or exc.code)


def _get(account: AccountReads, path: str, params: dict[str, str | int] | None = None) -> Any:
    try:
        return account.read_as_account(lambda client: client.get_json(path, params=params))
    except ChannelError as exc:
        raise _read_error(exc) from exc


def _read(
    account: AccountReads, path: str, params: dict[str, str | int], state: dict[str, Any]
) -> ReadBatch:
    """One page of posts, and the state with the newest post's id as the next cursor."""
    data = as_dict(_get(account, path, params))
    users = {
        as_str(as_dict(u).get("id")): as_str(as_dict(u).get("username"))
        for u in as_dict(data.get("includes")).get("users") or []
    }
    entries = entries_from(data.get("data") or [], lambda post: entry_from_post(post, users))
    newest = as_str(as_dict(data.get("meta")).get("newest_id"))
    return ReadBatch(entries=entries, state={**state, "since_id": newest} if newest else state)


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
        user = matched(value.strip().removeprefix("x:"), _PROFILE, _USER).group(1)
        return NewSource(self.kind, f"https://x.com/{user}", identifier=user.lower())

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        account = _account(ctx)
        state = dict(source.state)
        user_id = as_str(state.get("user_id"))
        if not user_id:
            found = as_dict(_get(account, f"/2/users/by/username/{quote(source.identifier)}"))
            user_id = as_str(as_dict(found.get("data")).get("id"))
            if not user_id:
                raise ReadError("unknown_account", account=f"@{source.identifier}")
            state["user_id"] = user_id
        params = with_since({"max_results": PAGE, "tweet.fields": FIELDS}, state)
        batch = _read(account, f"/2/users/{quote(user_id)}/tweets", params, state)
        for entry in batch.entries:
            entry.author_handle = entry.author_handle or f"@{source.identifier}"
        return batch

    def feed_url(self, url: str, identifier: str) -> str:
        return ""


class XSearch(SearchKind):
    kind = "x_search"
    label = gettext_noop("X search")
    # What add_source recognises as this kind when no kind is chosen.
    prefixes: tuple[str, ...] = ("x-search:",)
    platform = "x"
    page = "https://x.com/search"
    max_query = 512  # recent search's ``query``: 1 to 512 characters

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        account = _account(ctx)
        state = dict(source.state)
        params: dict[str, str | int] = {
            "query": source.identifier,
            "max_results": max(PAGE, 10),
            "tweet.fields": FIELDS,
            "expansions": "author_id",
            "user.fields": "username,name",
        }
        return _read(account, "/2/tweets/search/recent", with_since(params, state), state)
