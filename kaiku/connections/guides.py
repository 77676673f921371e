"""The platforms' setup guides (Markdown files), shown inside the connect flow.

Each guide sits in its platform package as ``guide.md`` (Finnish, ``kaiku/channels/x/guide.md``)
with ``guide.sv.md`` and ``guide.en.md`` beside it; a connector names it by its package
(``setup_guide = "x.md"``), which is also its address. The guide in the active UI language is
shown, the Finnish one when there is none.

Markdown goes through markdown-it-py (CommonMark, with tables), with raw HTML off, and then
through nh3's allow-list, so a guide can never inject markup. Headings move one level down, as
the page has its own h1.
"""

from __future__ import annotations

import re
from pathlib import Path

import nh3
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

CHANNELS = Path(__file__).resolve().parents[1] / "channels"
# The languages with a guide file of their own beside the Finnish ``guide.md``.
LANGUAGES = ("sv", "en")

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


def guide_path(name: str, language: str) -> Path | None:
    """The guide file for ``language``, else the Finnish one; None for no such guide."""
    if not re.fullmatch(r"[a-z]+\.md", name):
        return None
    folder = CHANNELS / name.removesuffix(".md")
    finnish = folder / "guide.md"
    if not finnish.is_file():
        return None
    translated = folder / f"guide.{language}.md"
    return translated if language in LANGUAGES and translated.is_file() else finnish


def guide(name: str, language: str | None = None) -> tuple[SafeString, str] | None:
    """The rendered guide and the language it is written in (for the page's ``lang``)."""
    wanted = (language or translation.get_language() or "fi").split("-")[0]
    path = guide_path(name, wanted)
    if path is None:
        return None
    written = path.name.removeprefix("guide.").removesuffix("md").rstrip(".") or "fi"
    return render(path.read_text(encoding="utf-8")), written
