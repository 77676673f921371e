"""The platforms' setup guides (Finnish Markdown files), shown inside the connect flow.

Each guide sits in its platform package as ``guide.md`` (``kaiku/channels/x/guide.md``); a
connector names it by its package (``setup_guide = "x.md"``), which is also its address.

A deliberately small Markdown reader for the subset the guides use: headings, paragraphs,
bulleted and numbered lists, **bold**, *italic*, `code`, <autolinks> and [links](url).
Everything is escaped first, so a guide can never inject markup.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CHANNELS = Path(__file__).resolve().parents[1] / "channels"

_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![*\w])\*([^*\n]+)\*(?!\*)"), r"<em>\1</em>"),
    (re.compile(r"&lt;(https?://[^\s&]+)&gt;"), r'<a href="\1" rel="noopener noreferrer">\1</a>'),
    (
        re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)"),
        r'<a href="\2" rel="noopener noreferrer">\1</a>',
    ),
]
_LIST = re.compile(r"^(\s*)([-*]|\d+\.)\s+(.*)$")


def _inline(text: str) -> str:
    out: str = str(escape(text))
    for pattern, replacement in _INLINE:
        out = pattern.sub(replacement, out)
    return out


def render(markdown: str) -> SafeString:
    html: list[str] = []
    paragraph: list[str] = []
    lists: list[str] = []  # open list tags, innermost last

    def close_paragraph() -> None:
        if paragraph:
            html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_lists(depth: int = 0) -> None:
        while len(lists) > depth:
            html.append(f"</li></{lists.pop()}>")

    for line in markdown.splitlines():
        heading = re.match(r"^(#{1,4})\s+(.*)$", line)
        item = _LIST.match(line)
        if heading:
            close_paragraph()
            close_lists()
            level = min(len(heading.group(1)) + 1, 5)  # the page has its own h1
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif item:
            close_paragraph()
            depth = len(item.group(1)) // 2 + 1
            tag = "ol" if item.group(2)[0].isdigit() else "ul"
            if len(lists) == depth and lists[-1] != tag:
                close_lists(depth - 1)  # a list of another kind starts here
            if len(lists) < depth:
                html.append(f"<{tag}><li>")
                lists.append(tag)
            else:
                close_lists(depth)
                html.append("</li><li>")
            html.append(_inline(item.group(3)))
        elif not line.strip():
            close_paragraph()
        elif lists and line.startswith(" "):
            html.append(" " + _inline(line.strip()))
        else:
            close_lists()
            paragraph.append(line.strip())
    close_paragraph()
    close_lists()
    # Safe: every piece of text was escaped in _inline before markup was added.
    return mark_safe("".join(html))


def guide(name: str) -> SafeString | None:
    if not re.fullmatch(r"[a-z]+\.md", name):
        return None
    path = CHANNELS / name.removesuffix(".md") / "guide.md"
    if not path.is_file():
        return None
    return render(path.read_text(encoding="utf-8"))
