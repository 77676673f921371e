"""The platforms' setup guides (Finnish Markdown files), shown inside the connect flow.

Each guide sits in its platform package as ``guide.md`` (``kaiku/channels/x/guide.md``); a
connector names it by its package (``setup_guide = "x.md"``), which is also its address.

Markdown goes through markdown-it-py (CommonMark, with tables), with raw HTML off, and then
through nh3's allow-list, so a guide can never inject markup. Headings move one level down, as
the page has its own h1.
"""

from __future__ import annotations

import re
from pathlib import Path

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

CHANNELS = Path(__file__).resolve().parents[1] / "channels"

_TAGS = {
    "h2", "h3", "h4", "h5", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "a",
    "table", "thead", "tbody", "tr", "th", "td", "br", "hr", "blockquote",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(markdown: str) -> SafeString:
    tokens = _MARKDOWN.parse(markdown)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 5)}"
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
    )
    # A wide table scrolls inside its own box (focusable, so a keyboard can scroll it) instead
    # of widening the page on a phone.
    clean = clean.replace("<table>", '<div class="table-wrap" tabindex="0"><table>')
    clean = clean.replace("</table>", "</table></div>")
    # Safe: nh3 let only the tags and attributes above through; the wrapper is ours.
    return mark_safe(clean)


def guide(name: str) -> SafeString | None:
    if not re.fullmatch(r"[a-z]+\.md", name):
        return None
    path = CHANNELS / name.removesuffix(".md") / "guide.md"
    if not path.is_file():
        return None
    return render(path.read_text(encoding="utf-8"))
