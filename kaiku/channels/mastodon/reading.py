"""The watch's readers of a Mastodon account or hashtag on any instance, through the public
(no-token) API.

- https://docs.joinmastodon.org/methods/accounts/#lookup (GET /api/v1/accounts/lookup)
- https://docs.joinmastodon.org/methods/accounts/#statuses (GET /api/v1/accounts/:id/statuses)
- https://docs.joinmastodon.org/methods/timelines/#tag (GET /api/v1/timelines/tag/:hashtag)
- https://docs.joinmastodon.org/entities/Status/ (the JSON read here)

Stored as ``url`` = the profile or tag page (``https://instance/@user``, ``.../tags/tag``)
and ``identifier`` = ``user@instance`` or the tag. ``state`` keeps the account id and
``since_id``, so each poll asks only for newer statuses.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from django.utils.translation import gettext_noop

from kaiku.channels.reading import (
    Entry,
    NewSource,
    ReadBatch,
    ReadContext,
    ReadError,
    StoredSource,
    UrlCheck,
    as_dict,
    as_str,
    engagement,
    entries_from,
    matched,
    with_since,
)
from kaiku.dates import parse_date

PAGE = 40
_ACCT = re.compile(
    r"^@?(?P<name>[A-Za-z0-9_]{1,30})@(?P<host>[a-z0-9.-]+\.[a-z]{2,}(?::\d+)?)$", re.IGNORECASE
)
_PROFILE = re.compile(r"^(?P<base>https?://[^/]+)/@(?P<name>[A-Za-z0-9_]{1,30})/?$")
_TAG_URL = re.compile(r"^(?P<base>https?://[^/]+)/tags/(?P<name>[^/?#]+)/?$")
_TAG = re.compile(
    r"^#?(?P<name>[^\s#@/?]{1,100})@(?P<host>[a-z0-9.-]+\.[a-z]{2,}(?::\d+)?)$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class StatusAccount:
    acct: str  # always user@host
    display_name: str
    url: str


def _account(raw: Any, host: str) -> StatusAccount:
    data = as_dict(raw)
    acct = as_str(data.get("acct"))
    if acct and "@" not in acct:
        acct = f"{acct}@{host}"
    return StatusAccount(acct.lower(), as_str(data.get("display_name")), as_str(data.get("url")))


def entry_from_status(raw: Any, host: str) -> Entry | None:
    """A Status (or the status it boosts) as an Entry; None for anything malformed."""
    data = as_dict(raw)
    booster: StatusAccount | None = None
    if isinstance(data.get("reblog"), dict):
        booster = _account(data.get("account"), host)
        data = data["reblog"]
    uri = as_str(data.get("uri"))
    if not uri:
        return None
    author = _account(data.get("account"), host)
    mentions = [f"mastodon:{_account(m, host).acct}" for m in data.get("mentions") or []]
    if booster is not None:
        mentions.append(f"mastodon:{author.acct}")
    content = as_str(data.get("content"))
    warning = as_str(data.get("spoiler_text"))
    if warning:
        content = f"<p>{html.escape(warning)}</p>{content}"
    return Entry(
        guid=uri,
        url=as_str(data.get("url")) or uri,
        html=content,
        author_name=author.display_name,
        author_handle=f"@{author.acct}" if author.acct else "",
        published=parse_date(as_str(data.get("created_at"))),
        engagement=engagement(
            data.get("favourites_count"), data.get("reblogs_count"), data.get("replies_count")
        ),
        mentions=[m for m in dict.fromkeys(mentions) if m != "mastodon:"],
        language=as_str(data.get("language")),
        global_guid=True,
    )


def _newest_id(statuses: list[Any], current: str) -> str:
    ids = [as_str(as_dict(s).get("id")) for s in statuses]
    numeric = [int(i) for i in ids if i.isdigit()]
    if current.isdigit():
        numeric.append(int(current))
    return str(max(numeric)) if numeric else current


def _read_statuses(
    ctx: ReadContext, url: str, source: StoredSource, state: dict[str, Any]
) -> ReadBatch:
    """The statuses newer than the stored ``since_id``, and the state with the newest id."""
    host = urlsplit(source.url).netloc.lower()
    data = ctx.fetcher.get_json(url, params=with_since({"limit": PAGE}, state))
    if not isinstance(data, list):
        raise ReadError("malformed", format="Mastodon API", detail="expected a list of statuses")
    entries = entries_from(data, lambda status: entry_from_status(status, host))
    state = {**state, "since_id": _newest_id(data, as_str(state.get("since_id")))}
    return ReadBatch(entries=entries, state=state)


class MastodonAccount:
    kind = "mastodon_account"
    label = gettext_noop("Mastodon account")
    # What add_source recognises as this kind when no kind is chosen.
    prefixes: tuple[str, ...] = ("mastodon:",)
    patterns: tuple[re.Pattern[str], ...] = (
        re.compile(r"^@?[A-Za-z0-9_]{1,30}@[a-z0-9.-]+\.[a-z]{2,}$", re.I),
        # A Mastodon-style profile address (Medium uses the same form but is a feed site).
        re.compile(r"^https?://(?!(?:www\.)?medium\.com/)[^/]+/@[A-Za-z0-9_]{1,30}/?$"),
    )
    platform = "mastodon"

    def normalise(self, value: str, check_url: UrlCheck) -> NewSource:
        base, user = _on_instance(value.strip().removeprefix("mastodon:"), _PROFILE, _ACCT)
        check_url(base)
        host = urlsplit(base).netloc.lower()
        return NewSource(self.kind, f"{base}/@{user}", identifier=f"{user}@{host}")

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        base = _base(source.url)
        state = dict(source.state)
        account_id = as_str(state.get("account_id"))
        if not account_id:
            user = source.identifier.split("@")[0]
            try:
                found = ctx.fetcher.get_json(
                    f"{base}/api/v1/accounts/lookup", params={"acct": user}
                )
            except ReadError as exc:
                if exc.code == "not_found":
                    raise ReadError("unknown_account", account=f"@{source.identifier}") from None
                raise
            account_id = as_str(as_dict(found).get("id"))
            if not account_id:
                raise ReadError("unknown_account", account=f"@{source.identifier}")
            state["account_id"] = account_id
        url = f"{base}/api/v1/accounts/{quote(account_id, safe='')}/statuses"
        return _read_statuses(ctx, url, source, state)

    def feed_url(self, url: str, identifier: str) -> str:
        return f"{url}.rss"  # Mastodon publishes public posts of an account as RSS


class MastodonHashtag:
    kind = "mastodon_hashtag"
    label = gettext_noop("Mastodon hashtag")
    # What add_source recognises as this kind when no kind is chosen.
    prefixes: tuple[str, ...] = ("mastodon:#",)
    patterns: tuple[re.Pattern[str], ...] = (
        re.compile(r"^#[^\s@]+@[a-z0-9.-]+\.[a-z]{2,}$", re.I),
    )
    platform = "mastodon"

    def normalise(self, value: str, check_url: UrlCheck) -> NewSource:
        base, tag = _on_instance(value.strip().removeprefix("mastodon:"), _TAG_URL, _TAG)
        check_url(base)
        tag = tag.lstrip("#")
        return NewSource(self.kind, f"{base}/tags/{tag.lower()}", identifier=tag.lower())

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        url = f"{_base(source.url)}/api/v1/timelines/tag/{quote(source.identifier, safe='')}"
        return _read_statuses(ctx, url, source, dict(source.state))

    def feed_url(self, url: str, identifier: str) -> str:
        return f"{url}.rss"


def _on_instance(value: str, address: re.Pattern[str], short: re.Pattern[str]) -> tuple[str, str]:
    """(instance address, name) from a page address or a ``name@instance`` form."""
    found = matched(value, address, short)
    base = found["base"] if found.re is address else f"https://{found['host'].lower()}"
    return base, found["name"]


def _base(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
