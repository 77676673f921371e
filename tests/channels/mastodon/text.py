"""Enough of Mastodon's plain-text handling (app/lib/text_formatter.rb) for the test server:
status HTML with links, hashtags and mentions, and the character count Mastodon validates.

The HTML matters to the client's reconciliation, which must read the text back out of it:
links keep their full URL across ``invisible`` / ``ellipsis`` spans, and mentions show as
``@user`` without the domain.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import regex
from twitter_text import extract_urls_with_indices

Resolver = Callable[[str], "dict[str, Any] | None"]

_TOKENS = re.compile(
    r"(?P<url>https?://[^\s<>\"]+)"
    r"|(?P<tag>(?<![\w/&#])#(?P<tagname>\w+))"
    r"|(?P<mention>(?<![\w/@])@(?P<user>[A-Za-z0-9_]+)(?:@(?P<host>[A-Za-z0-9.-]+\w(?::\d+)?))?)"
)
_URL_TAIL = ".,;:!?)'\""
# Account::MENTION_RE (app/models/account.rb), in Python's words.
_MENTION_RE = re.compile(
    r"(?<![=/\w])@(?P<user>[A-Za-z0-9_]+(?:[A-Za-z0-9_.-]+[A-Za-z0-9_]+)?)"
    r"(?:@[\w.-]+[\w]+)?",
    re.IGNORECASE,
)


def _link(url: str) -> str:
    # Mastodon shows links without the scheme and shortens long ones with an "ellipsis" span;
    # the full URL stays in the text nodes.
    scheme, _, rest = url.partition("://")
    prefix = f"{scheme}://"
    if rest.startswith("www."):
        prefix, rest = prefix + "www.", rest[4:]
    if len(rest) > 30:
        shown = (
            f'<span class="ellipsis">{html.escape(rest[:30])}</span>'
            f'<span class="invisible">{html.escape(rest[30:])}</span>'
        )
    else:
        shown = f'<span class="">{html.escape(rest)}</span><span class="invisible"></span>'
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" translate="no">'
        f'<span class="invisible">{html.escape(prefix)}</span>{shown}</a>'
    )


def count_characters(text: str, url_weight: int = 23) -> int:
    """Mastodon's length (app/validators/status_length_validator.rb): URLs with a scheme, as
    twitter-text's extractor finds them, count as 23 (or the instance's
    ``characters_reserved_per_url``); a mention ``@user@domain`` as ``@user``;
    then grapheme clusters are counted (``each_grapheme_cluster``), here with the ``regex``
    module's ``\\X``. Nothing of Kaiku's own counting is used."""
    entities: list[tuple[int, int, str]] = [
        (u["indices"][0], u["indices"][1], "x" * url_weight)
        for u in extract_urls_with_indices(text, extract_urls_without_protocol=False)
    ]
    for match in _MENTION_RE.finditer(text):
        entities.append((match.start(), match.end(), "@" + match.group("user")))
    entities.sort()
    out, last = [], 0
    for start, end, replacement in entities:
        if start < last:
            continue  # overlapping entities: the first one wins, as in Mastodon's extractor
        out.append(text[last:start])
        out.append(replacement)
        last = end
    out.append(text[last:])
    return len(regex.findall(r"\X", "".join(out)))


def render(
    text: str, *, base_url: str, domain: str, resolve: Resolver
) -> tuple[str, list[dict[str, str]], list[dict[str, str]]]:
    """Status HTML as Mastodon renders plain text, with the tags and mentions it found.
    ``resolve`` finds a local account by username (mentions of others stay text)."""
    tags: dict[str, dict[str, str]] = {}
    mentions: dict[str, dict[str, str]] = {}

    def piece(match: re.Match[str]) -> str:
        if match.group("url"):
            url = match.group("url")
            clean = url.rstrip(_URL_TAIL)
            return _link(clean) + html.escape(url[len(clean) :])
        if match.group("tag"):
            name = match.group("tagname")
            url = f"{base_url}/tags/{name.lower()}"
            tags[name.lower()] = {"name": name.lower(), "url": url}
            return (
                f'<a href="{url}" class="mention hashtag" rel="tag">'
                f"#<span>{html.escape(name)}</span></a>"
            )
        host = match.group("host")
        account = resolve(match.group("user"))
        if account is None or host not in (None, domain):
            return html.escape(match.group(0))  # unresolvable: stays text, as in Mastodon
        mentions[account["id"]] = {
            "id": account["id"],
            "username": account["username"],
            "url": account["url"],
            "acct": account["acct"],
        }
        return (
            f'<span class="h-card" translate="no"><a href="{account["url"]}" '
            f'class="u-url mention">@<span>{html.escape(account["username"])}</span></a></span>'
        )

    def paragraph(block: str) -> str:
        lines = []
        for line in block.split("\n"):
            out, last = [], 0
            for match in _TOKENS.finditer(line):
                out.append(html.escape(line[last : match.start()]))
                out.append(piece(match))
                last = match.end()
            out.append(html.escape(line[last:]))
            lines.append("".join(out))
        return "<p>" + "<br />".join(lines) + "</p>"

    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    content = "".join(paragraph(block) for block in blocks if block)
    return content, list(tags.values()), list(mentions.values())
