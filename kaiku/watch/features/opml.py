"""OPML import and export (http://opml.org/spec2.opml), parsed with defusedxml.

Export writes every source as an outline. Feeds (and Mastodon and Bluesky accounts, which
have RSS equivalents) carry ``type="rss"`` and ``xmlUrl`` so any feed reader can use the file;
``kaiku:kind``, ``kaiku:identifier``, ``kaiku:weight`` and ``kaiku:interval`` let Kaiku read
back exactly what it wrote. Import takes nested outlines (categories) and skips duplicates.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils import timezone

from kaiku.organisations.models import Organisation
from kaiku.safetext import strip_unsafe
from kaiku.watch.errors import SourceRefused, WatchError
from kaiku.watch.models import DEFAULT_POLL_SECONDS, Source
from kaiku.watch.services import AddedSource, add_source
from kaiku.watch.sources import source_type

NS = "https://kaiku.fi/ns/watch-opml/1"
_K = f"{{{NS}}}"
MAX_OUTLINES = 5000


@dataclass
class ImportReport:
    added: list[AddedSource] = field(default_factory=list)
    existing: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (value, message)


def export_opml(organisation: Organisation, *, title: str = "") -> str:
    ET.register_namespace("kaiku", NS)
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title or f"Kaiku: {organisation.name}"
    ET.SubElement(head, "dateCreated").text = timezone.now().strftime("%a, %d %b %Y %H:%M:%S %z")
    body = ET.SubElement(root, "body")
    for source in Source.objects.filter(organisation=organisation).order_by("kind", "title", "id"):
        name = strip_unsafe(str(source))  # one stored title must not make the file unreadable
        attrs = {"text": name, "title": name, f"{_K}kind": source.kind}
        feed_url = source_type(source.kind).feed_url(source.url, source.identifier)
        if feed_url:
            attrs.update(type="rss", xmlUrl=feed_url)
        if source.site_url or source.kind != "feed":
            attrs["htmlUrl"] = source.site_url or source.url
        attrs[f"{_K}url"] = source.url
        if source.identifier:
            attrs[f"{_K}identifier"] = source.identifier
        attrs[f"{_K}weight"] = f"{source.weight:g}"
        attrs[f"{_K}interval"] = str(source.poll_interval)
        if not source.enabled:
            attrs[f"{_K}enabled"] = "false"
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value else default
    except ValueError:
        return default


def import_opml(
    organisation: Organisation, content: bytes | str, *, discover_feeds: bool = False
) -> ImportReport:
    """Add the outlines' sources. Raises SourceRefused when the file is not OPML at all."""
    try:
        root = fromstring(content)
    except DefusedXmlException:
        raise SourceRefused("xml_entities", permanent=True) from None
    except ET.ParseError as exc:
        raise SourceRefused("malformed", format="OPML", detail=str(exc)[:200]) from None
    if root.tag != "opml":
        raise SourceRefused("malformed", format="OPML", detail=f"root element is {root.tag}")
    report = ImportReport()
    for outline in list(root.iter("outline"))[:MAX_OUTLINES]:
        kind = outline.get(f"{_K}kind") or ("feed" if outline.get("xmlUrl") else "")
        if not kind:
            continue  # a category
        value = outline.get(f"{_K}url") or outline.get("xmlUrl") or ""
        identifier = outline.get(f"{_K}identifier") or ""
        typed = _typed_value(kind, value, identifier)
        try:
            added = add_source(
                organisation,
                typed,
                kind=kind,
                title=(outline.get("title") or outline.get("text") or "")[:300],
                weight=_float(outline.get(f"{_K}weight"), 1.0),
                poll_interval=int(_float(outline.get(f"{_K}interval"), DEFAULT_POLL_SECONDS)),
                discover_feeds=discover_feeds,
            )
        except WatchError as exc:
            report.refused.append((typed, exc.message))
            continue
        if outline.get(f"{_K}enabled") == "false" and added.created:
            Source.objects.filter(pk=added.source.pk).update(enabled=False)
        if added.created:
            report.added.append(added)
        else:
            report.existing += 1
    return report


def _typed_value(kind: str, url: str, identifier: str) -> str:
    """What a person would type for the source, so ``normalise`` gives back the same row."""
    if kind in ("bluesky_search", "x_search"):
        return identifier or url
    return url or identifier
