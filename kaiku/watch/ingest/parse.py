"""A fast, entity-safe parser for RSS 2.0/0.9x, RSS 1.0 (RDF), Atom and JSON Feed.

XML goes through defusedxml's expat parser, which refuses entity declarations and external
references, so billion-laughs and XXE documents fail with ``xml_entities`` and nothing else
happens. That parser is the pure-Python one; a document that cannot declare an entity (no
``<!ENTITY`` in it: declarations exist nowhere else, and external DTDs are never read) goes
through the C parser instead, with the same result about a third faster. Parsing is
incremental (``XMLPullParser``): when a feed breaks off half-way, the items completed before
the break are kept and the problem is reported as ``partial``.

Encodings, best effort and never a crash: byte-order mark, then the XML declaration, then
UTF-8, then the HTTP charset, and finally UTF-8 where stray bytes are read as Windows-1252 (a
UTF-8 feed with a pasted Latin-1 paragraph reads right). A declared Latin-1 document that is
valid UTF-8 with non-ASCII in it is read as UTF-8: that mislabelling is common, the reverse
practically never validates.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import html
import html.entities
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from kaiku.channels.reading import Entry as Entry  # the ingest's item type, shared with readers
from kaiku.dates import parse_date as parse_date  # kept importable from here
from kaiku.watch.errors import WatchError

MAX_ENTRIES = 1000


@dataclass(slots=True)
class ParsedFeed:
    format: str  # "rss", "rdf", "atom", "json"
    title: str = ""
    site_url: str = ""
    entries: list[Entry] = field(default_factory=list)
    problem: WatchError | None = None  # set when the feed was read only in part
    skipped: int = 0  # entries with nothing to identify or show them


# --- encodings -------------------------------------------------------------------------------


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return bad.decode("cp1252", "replace"), exc.end


codecs.register_error("kaiku-watch-cp1252", _cp1252_fallback)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_RE = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""")
_SINGLE_BYTE = frozenset(
    codecs.lookup(n).name for n in ("iso-8859-1", "iso-8859-15", "windows-1252", "ascii")
)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# "<?xml" in the EBCDIC code pages (cp037, cp500, cp1140, ... agree on these characters). An
# EBCDIC document can only say its encoding in EBCDIC, so its declaration is read through cp037.
_EBCDIC_XML = b"\x4c\x6f\xa7\x94\x93"


def _ebcdic(content: bytes) -> str:
    head = content[:200].decode("cp037", "replace")
    match = _DECLARED_RE.match(head.encode("ascii", "replace"))
    declared = _codec(match.group(1).decode("ascii")) if match else None
    return content.decode(declared or "cp037", "replace")


def decode(content: bytes, http_charset: str | None = None) -> str:
    """The document as text, by the rules in the module docstring."""
    if content.startswith(_EBCDIC_XML):
        return _ebcdic(content)
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, "replace")
    if content[:4] in (b"<\x00?\x00", b"<\x00\x00\x00"):
        return content.decode("utf-16-le", "replace")
    if content[:4] in (b"\x00<\x00?", b"\x00\x00\x00<"):
        return content.decode("utf-16-be", "replace")
    match = _DECLARED_RE.match(content)
    declared = _codec(match.group(1).decode("ascii")) if match else None
    candidates: list[str] = []
    if declared and declared not in _SINGLE_BYTE:
        candidates.append(declared)
    candidates.append("utf-8")
    if declared:
        candidates.append(declared)
    http = _codec(http_charset)
    if http:
        candidates.append(http)
    for encoding in dict.fromkeys(candidates):
        try:
            return content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return content.decode("utf-8", "kaiku-watch-cp1252")


# --- XML ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag.rpartition(":")[2]


_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_NAMED_ENTITY_RE = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")


def _numeric_entities(text: str) -> str:
    """HTML named entities (``&nbsp;``) as numeric references, which XML understands."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _XML_ENTITIES:
            return match.group(0)
        code = html.entities.name2codepoint.get(name)
        return f"&#{code};" if code is not None else f"&amp;{name};"

    return _NAMED_ENTITY_RE.sub(replace, text)


def _xml_text(elem: ET.Element) -> str:
    return "".join(elem.itertext()).strip()


# Markup nested deeper than this is flattened to its text: serialising recurses once per level
# (ET.tostring), and no reader sees a difference below a few dozen levels.
MAX_DEPTH = 64


def _flatten_deep(elem: ET.Element, limit: int = MAX_DEPTH) -> None:
    """Elements nested more than ``limit`` levels below ``elem`` replaced by their text, in
    place. Iterative (``iter`` and ``itertext`` are), so any depth is safe."""
    stack: list[tuple[ET.Element, int]] = [(elem, 0)]
    while stack:
        node, depth = stack.pop()
        if depth >= limit and len(node):
            node.text = "".join(node.itertext())
            for child in list(node):
                node.remove(child)
            continue
        stack.extend((child, depth + 1) for child in node)


def _inner_xml(elem: ET.Element) -> str:
    """The markup inside an Atom xhtml element, with the XHTML namespace dropped."""
    _flatten_deep(elem)
    for node in elem.iter():
        if isinstance(node.tag, str):
            node.tag = _local(node.tag)
        for key in [k for k in node.attrib if k.startswith("{")]:
            node.attrib[_local(key)] = node.attrib.pop(key)
    parts = [html.escape(elem.text or "", quote=False)]
    for child in elem:
        parts.append(ET.tostring(child, encoding="unicode", short_empty_elements=True))
    return "".join(parts)


def _atom_content(elem: ET.Element) -> str:
    kind = (elem.get("type") or "text").lower()
    if kind == "xhtml":
        divs = [c for c in elem if _local(c.tag) == "div"]
        return _inner_xml(divs[0]) if divs else _inner_xml(elem)
    value = _xml_text(elem)
    if kind in ("html", "text/html"):
        return value
    return html.escape(value, quote=False).replace("\n", "<br>")


def _body_key(body: str) -> str:
    return "sha1:" + hashlib.sha1(body[:2000].encode("utf-8", "replace")).hexdigest()


def _is_global_id(value: str) -> bool:
    return value.startswith(("http://", "https://", "urn:", "tag:", "at://", "yt:"))


def _entry_from_rss(item: ET.Element) -> Entry | None:
    guid = link = title = description = encoded = author = date = ""
    permalink = True
    extra_link = ""
    for child in item:
        name = _local(child.tag) if isinstance(child.tag, str) else ""
        if name == "title":
            title = _xml_text(child)
        elif name == "link":
            if child.get("href"):
                extra_link = extra_link or child.get("href", "")
            else:
                link = link or _xml_text(child)
        elif name == "guid":
            guid = _xml_text(child)
            permalink = (child.get("isPermaLink") or "true").lower() != "false"
        elif name == "description":
            description = _xml_text(child)
        elif name == "encoded":
            encoded = _xml_text(child)
        elif name in ("creator", "author"):
            author = author or _xml_text(child)
        elif name in ("pubDate", "date", "published", "issued"):
            date = date or _xml_text(child)
    link = link or extra_link or (guid if permalink and guid.startswith("http") else "")
    link = link or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about", "")
    key = guid or link or title
    if not key and not description:
        return None
    key = key or _body_key(description)
    return Entry(
        guid=key,
        url=link,
        title=title,
        html=encoded or description,
        author_name=author,
        published=parse_date(date),
        global_guid=_is_global_id(key),
    )


_YT = "{http://www.youtube.com/xml/schemas/2015}"
_MEDIA = "{http://search.yahoo.com/mrss/}"


def _entry_from_atom(entry: ET.Element) -> Entry | None:
    ident = title = content = summary = author = published = updated = link = ""
    engagement: dict[str, int] = {}
    for child in entry:
        name = _local(child.tag) if isinstance(child.tag, str) else ""
        if name == "id":
            ident = _xml_text(child)
        elif name == "title":
            title = _xml_text(child)
        elif name == "link":
            rel = child.get("rel", "alternate")
            if rel == "alternate" and not link:
                link = child.get("href", "")
        elif name == "content":
            content = _atom_content(child)
        elif name == "summary":
            summary = _atom_content(child)
        elif name == "author":
            for part in child:
                if isinstance(part.tag, str) and _local(part.tag) == "name":
                    author = _xml_text(part)
        elif name == "published":
            published = _xml_text(child)
        elif name == "updated":
            updated = _xml_text(child)
        elif name == "group":  # media:group (YouTube)
            summary = summary or _media_group(child, engagement)
    key = ident or link or title
    if not key and not (content or summary):
        return None
    return Entry(
        guid=key or _body_key(content or summary),
        url=link,
        title=title,
        html=content or summary,
        author_name=author,
        published=parse_date(published or updated),
        engagement=engagement,
        global_guid=_is_global_id(key),
    )


def _media_group(group: ET.Element, engagement: dict[str, int]) -> str:
    """The description of a YouTube media:group, and its view and like counts."""
    description = group.find(f"{_MEDIA}description")
    summary = ""
    if description is not None and description.text:
        summary = html.escape(description.text.strip(), quote=False).replace("\n", "<br>")
    community = group.find(f"{_MEDIA}community")
    if community is None:
        return summary
    stats = community.find(f"{_MEDIA}statistics")
    rating = community.find(f"{_MEDIA}starRating")
    if stats is not None and (stats.get("views") or "").isdigit():
        engagement["views"] = int(stats.get("views", "0"))
    if rating is not None and (rating.get("count") or "").isdigit():
        engagement["likes"] = int(rating.get("count", "0"))
    return summary


# Characters XML 1.0 forbids (C0 controls but tab, LF and CR; surrogates; U+FFFE, U+FFFF). One
# of them makes the whole document ill-formed; every other reader drops it and reads on.
_XML_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CHAR_REF_RE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _allowed_in_xml(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or (0x10000 <= code <= 0x10FFFF)
    )


def _drop_forbidden_references(text: str) -> tuple[str, list[str]]:
    """``&#1;`` and the like (references to characters XML forbids) dropped, and which."""
    dropped: list[str] = []

    def replace(match: re.Match[str]) -> str:
        hexa, decimal = match.groups()
        code = int(hexa, 16) if hexa else int(decimal)
        if _allowed_in_xml(code):
            return match.group(0)
        dropped.append(f"U+{code:04X}" if code <= 0x10FFFF else "U+?")
        return ""

    return _CHAR_REF_RE.sub(replace, text), dropped


def _parse_xml(text: str, *, defused: bool | None = None) -> ParsedFeed:
    dropped: list[str] = []
    if _XML_FORBIDDEN_RE.search(text) is not None:
        dropped = [f"U+{ord(c):04X}" for c in _XML_FORBIDDEN_RE.findall(text)]
        text = _XML_FORBIDDEN_RE.sub("", text)
    # Each repair at most once, in whatever order the document needs them.
    repairs = {"entities", "references", "prefixes"}
    while True:
        try:
            feed = _pull(text, defused=defused)
            break
        except _UndefinedEntityError:
            if "entities" not in repairs:
                raise WatchError("malformed", format="XML", detail="undefined entity") from None
            repairs.discard("entities")
            text = _numeric_entities(text)
        except _InvalidReferenceError:
            if "references" not in repairs:
                raise WatchError("malformed", format="XML", detail="invalid reference") from None
            repairs.discard("references")
            text, more = _drop_forbidden_references(text)
            dropped += more
        except _UnboundPrefixError:
            if "prefixes" not in repairs:
                raise WatchError("malformed", format="XML", detail="unbound prefix") from None
            repairs.discard("prefixes")
            text = _declare_prefixes(text)
    if dropped and feed.problem is None:
        feed.problem = WatchError(
            "dropped_characters", count=len(dropped), characters=", ".join(dict.fromkeys(dropped))
        )
    return feed


class _UndefinedEntityError(Exception):
    pass


class _InvalidReferenceError(Exception):
    pass


class _UnboundPrefixError(Exception):
    pass


_USED_PREFIX_RE = re.compile(r"</?([A-Za-z_][\w.-]*):[A-Za-z_]")
_DECLARED_PREFIX_RE = re.compile(r"xmlns:([A-Za-z_][\w.-]*)\s*=")
_ROOT_TAG_RE = re.compile(r"<([A-Za-z_][\w.:-]*)")


def _declare_prefixes(text: str) -> str:
    """Namespace prefixes used but never declared (``<dc:creator>`` without ``xmlns:dc``, a
    common slip) declared on the root element, so the element keeps its local name."""
    missing = set(_USED_PREFIX_RE.findall(text)) - set(_DECLARED_PREFIX_RE.findall(text))
    missing.discard("xml")
    root = _ROOT_TAG_RE.search(text)
    if not missing or root is None:
        return text
    declarations = "".join(f' xmlns:{p}="urn:kaiku:undeclared:{p}"' for p in sorted(missing))
    return text[: root.end()] + declarations + text[root.end() :]


def _pull(text: str, *, defused: bool | None = None) -> ParsedFeed:
    """``defused``: None chooses by whether the text could declare an entity."""
    if defused is None:
        defused = "<!ENTITY" in text
    parser = ET.XMLPullParser(
        events=("start", "end"),
        _parser=DefusedXMLParser(target=ET.TreeBuilder()) if defused else None,
    )
    stack: list[str] = []
    feed: ParsedFeed | None = None
    problem: SyntaxError | None = None
    open_item: ET.Element | None = None  # the item or entry begun and not yet ended
    try:
        parser.feed(text)
        parser.close()
    except SyntaxError as exc:
        problem = exc
    except DefusedXmlException:
        raise WatchError("xml_entities", permanent=True) from None
    try:
        for pair in parser.read_events():
            event, node = pair[0], pair[1]  # type: ignore[misc]
            if not isinstance(node, ET.Element):
                continue
            elem = node
            if event == "start":
                name = _local(elem.tag) if isinstance(elem.tag, str) else ""
                if not stack:
                    feed = _feed_for_root(name)
                elif name in ("item", "entry"):
                    open_item = elem
                stack.append(name)
                continue
            name = stack.pop()  # the end of the element whose start was pushed last
            if feed is None:
                continue
            parent = stack[-1] if stack else ""
            if name in ("item", "entry"):
                open_item = None
            if name in ("item", "entry") and len(feed.entries) < MAX_ENTRIES:
                entry = _entry_from_rss(elem) if name == "item" else _entry_from_atom(elem)
                if entry is not None:
                    feed.entries.append(entry)
                else:
                    feed.skipped += 1
                elem.clear()
            elif parent in ("channel", "feed") and name == "title" and not feed.title:
                feed.title = _xml_text(elem)
            elif parent in ("channel", "feed") and name == "link" and not feed.site_url:
                if elem.get("href"):
                    if elem.get("rel", "alternate") == "alternate":
                        feed.site_url = elem.get("href", "")
                else:
                    feed.site_url = _xml_text(elem)
    except SyntaxError as exc:
        problem = exc
    except DefusedXmlException:
        raise WatchError("xml_entities", permanent=True) from None
    if problem is not None and "undefined entity" in str(problem):
        raise _UndefinedEntityError from None
    if problem is not None and "reference to invalid character" in str(problem):
        raise _InvalidReferenceError from None
    if problem is not None and "unbound prefix" in str(problem):
        raise _UnboundPrefixError from None
    if feed is None:
        if problem is not None:
            raise WatchError("malformed", format="XML", detail=str(problem)[:200])
        raise WatchError("not_a_feed")
    if problem is not None and open_item is not None and len(feed.entries) < MAX_ENTRIES:
        cut = _cut_off_entry(open_item, stack)
        if cut is not None:
            feed.entries.append(cut)
    if problem is not None:
        if not feed.entries:
            raise WatchError("malformed", format="XML", detail=str(problem)[:200])
        feed.problem = WatchError("partial", count=len(feed.entries), detail=str(problem)[:200])
    return feed


def _cut_off_entry(item: ET.Element, stack: list[str]) -> Entry | None:
    """The item a feed broke off in, when its title and link were complete before the break.

    Only the item's last child can be unfinished (children come in order), and it is exactly
    when the break came below the item: that child is dropped, the complete ones are read."""
    depth = max(i for i, name in enumerate(stack) if name in ("item", "entry"))
    if len(stack) > depth + 1 and len(item):
        item.remove(item[-1])
    kind = stack[depth]
    entry = _entry_from_rss(item) if kind == "item" else _entry_from_atom(item)
    if entry is None or not entry.title or not entry.url:
        return None
    return entry


def _feed_for_root(name: str) -> ParsedFeed | None:
    if name == "rss":
        return ParsedFeed("rss")
    if name == "feed":
        return ParsedFeed("atom")
    if name == "RDF":
        return ParsedFeed("rdf")
    return None


# --- JSON Feed ---------------------------------------------------------------------------------


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


_JSON_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _flatten_deep_json(text: str, limit: int = MAX_DEPTH) -> str:
    """``text`` with every array or object nested deeper than ``limit`` replaced by one JSON
    string of the strings inside it (its text). ``json.loads`` recurses once per level."""
    out: list[str] = []
    depth = 0
    start = 0  # where the value being flattened began, when depth > limit
    written = 0
    for match in _JSON_TOKEN_RE.finditer(text):
        token = match.group(0)
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth == limit + 1:
                start = match.start()
        else:
            if depth == limit + 1:
                inner = text[start : match.end()]
                strings: list[str] = []
                for piece in re.findall(r'"(?:[^"\\]|\\.)*"', inner):
                    with contextlib.suppress(ValueError):
                        strings.append(json.loads(piece))
                out += [text[written:start], json.dumps(" ".join(strings))]
                written = match.end()
            depth -= 1
    out.append(text[written:])
    return "".join(out)


def _parse_json(text: str) -> ParsedFeed:
    try:
        try:
            data = json.loads(text)
        except RecursionError:
            data = json.loads(_flatten_deep_json(text))
    except ValueError as exc:
        raise WatchError("malformed", format="JSON Feed", detail=str(exc)[:200]) from None
    if not isinstance(data, dict) or not _str(data.get("version")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise WatchError("not_a_feed")
    feed = ParsedFeed(
        "json", title=_str(data.get("title")), site_url=_str(data.get("home_page_url"))
    )
    items = data.get("items")
    if not isinstance(items, list):
        raise WatchError("malformed", format="JSON Feed", detail="items is not a list")
    for raw in items[:MAX_ENTRIES]:
        if not isinstance(raw, dict):
            feed.skipped += 1
            continue
        ident = _str(raw.get("id")) or (str(raw["id"]) if isinstance(raw.get("id"), int) else "")
        url = _str(raw.get("url")) or _str(raw.get("external_url"))
        body = _str(raw.get("content_html"))
        if not body and _str(raw.get("content_text")):
            body = html.escape(_str(raw.get("content_text")), quote=False).replace("\n", "<br>")
        body = body or html.escape(_str(raw.get("summary")), quote=False)
        given = raw.get("authors")
        authors: list[Any] = given if isinstance(given, list) else [raw.get("author")]
        author = next((_str(a.get("name")) for a in authors if isinstance(a, dict)), "")
        key = ident or url or _str(raw.get("title"))
        if not key:
            feed.skipped += 1
            continue
        feed.entries.append(
            Entry(
                guid=key,
                url=url,
                title=_str(raw.get("title")),
                html=body,
                author_name=author,
                published=parse_date(
                    _str(raw.get("date_published")) or _str(raw.get("date_modified"))
                ),
                language=_str(raw.get("language"))[:8],
                global_guid=_is_global_id(key),
            )
        )
    return feed


# --- entry point -------------------------------------------------------------------------------


def parse_feed(content: bytes, *, charset: str | None = None) -> ParsedFeed:
    """Parse feed bytes. Raises WatchError (``not_a_feed``, ``malformed``, ``xml_entities``)."""
    text = decode(content, charset)
    if looks_like_html(text[:2048].encode("utf-8", "replace")):
        raise WatchError("not_a_feed")
    start = text.lstrip()[:1]
    if start in ("{", "["):
        return _note_skipped(_parse_json(text))
    if start != "<":
        raise WatchError("not_a_feed")
    feed = _parse_xml(_XML_DECL_RE.sub("", text, count=1))
    return _note_skipped(feed)


def _note_skipped(feed: ParsedFeed) -> ParsedFeed:
    if feed.skipped and feed.problem is None:
        feed.problem = WatchError("skipped", count=feed.skipped)
    return feed


def looks_like_html(content: bytes) -> bool:
    head = content[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]
