"""Source titles: control characters are removed where they come in (form, API, OPML import),
and a title stored with one anyway never makes the exported OPML unreadable."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from kaiku.watch import services
from kaiku.watch.features import opml
from kaiku.watch.models import Source

pytestmark = pytest.mark.django_db

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><body>
  <outline text="Toivon\u0085 Polku\u007f" title="Toivon\u0085 Polku\u007f" type="rss"
           xmlUrl="https://feeds.example/rss.xml"/>
</body></opml>"""


def test_an_imported_title_loses_its_control_characters(org: Any) -> None:
    report = opml.import_opml(org, OPML.encode())
    assert not report.refused
    assert Source.objects.get(organisation=org).title == "Toivon Polku"


def test_a_title_added_with_an_escape_character_is_stored_without_it(org: Any) -> None:
    added = services.add_source(
        org, "https://feeds.example/rss.xml", title="Uutiset\x1b[1m", discover_feeds=False
    )
    assert added.source.title == "Uutiset[1m"


def test_a_stored_control_character_leaves_the_export_well_formed(org: Any) -> None:
    added = services.add_source(org, "https://feeds.example/rss.xml", discover_feeds=False)
    Source.objects.filter(pk=added.source.pk).update(title="Vanha\x1b\x0bnimi")
    root = ET.fromstring(opml.export_opml(org))
    titles = [o.get("title") for o in root.iter("outline")]
    assert titles == ["Vanhanimi"]
