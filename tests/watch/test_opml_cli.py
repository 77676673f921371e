"""OPML import/export and the ``kaiku watch`` command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaiku.watch import services
from kaiku.watch.features import opml
from kaiku.watch.models import Item, Source, WatchSettings, XPlan
from tests.watch.server import CORPUS, FeedServer

pytestmark = pytest.mark.django_db

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Syötteet</title></head><body>
  <outline text="Järjestöt">
    <outline text="Toivon Polku" type="rss" xmlUrl="{rss}" htmlUrl="https://toivonpolku.example/"/>
    <outline text="Recovery" type="rss" xmlUrl="{atom}"/>
  </outline>
  <outline text="Rikki" type="rss" xmlUrl="ftp://example.com/feed"/>
</body></opml>"""


def run(*args: str) -> str:
    out = StringIO()
    call_command("watch", *args, stdout=out)
    return out.getvalue()


def test_opml_import_adds_nested_feeds_and_reports_refusals(org: Any, feeds: FeedServer) -> None:
    text = OPML.format(rss=feeds.url("/corpus/rss_fi.xml"), atom=feeds.url("/corpus/atom_en.atom"))
    report = opml.import_opml(org, text.encode())
    assert len(report.added) == 2 and len(report.refused) == 1
    assert Source.objects.get(url=feeds.url("/corpus/rss_fi.xml")).title == "Toivon Polku"
    again = opml.import_opml(org, text.encode())
    assert again.existing == 2 and not again.added


def test_opml_round_trip_keeps_every_kind_weight_and_interval(org: Any, other_org: Any) -> None:
    services.add_source(org, "https://feeds.example/rss.xml", discover_feeds=False, weight=2.5)
    services.add_source(org, "@toivonpolku@mastodon.example", poll_interval=900)
    services.add_source(org, "#päihdetyö@mastodon.example", kind="mastodon_hashtag")
    services.add_source(org, "https://bsky.app/profile/toivonpolku.bsky.social")
    services.add_source(org, "mielenterveys", kind="bluesky_search")
    services.add_source(org, "https://bsky.app/profile/toivonpolku.bsky.social/lists/3kabc")
    services.add_source(org, "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv")
    exported = opml.export_opml(org)
    assert 'xmlUrl="https://mastodon.example/@toivonpolku.rss"' in exported
    assert 'xmlUrl="https://bsky.app/profile/toivonpolku.bsky.social/rss"' in exported
    report = opml.import_opml(other_org, exported.encode())
    assert not report.refused

    def rows(o: Any) -> set[tuple[str, str, str, float, int]]:
        return set(
            Source.objects.filter(organisation=o).values_list(
                "kind", "url", "identifier", "weight", "poll_interval"
            )
        )

    assert rows(other_org) == rows(org) and len(rows(org)) == 7


def test_opml_with_entities_is_refused(org: Any) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaa">]><opml><body><outline text="&a;" xmlUrl="https://x.example/"/></body></opml>'
    with pytest.raises(services.SourceRefused) as caught:
        opml.import_opml(org, bomb)
    assert caught.value.code == "xml_entities"


def test_x_sources_are_refused_without_a_plan_that_reads(org: Any) -> None:
    with pytest.raises(services.SourceRefused) as caught:
        services.add_source(org, "https://x.com/toivonpolku")
    assert caught.value.code == "x_plan"
    assert "0.005" in caught.value.message
    WatchSettings.objects.update_or_create(organisation=org, defaults={"x_plan": XPlan.PAY_PER_USE})
    added = services.add_source(org, "https://x.com/toivonpolku")
    assert added.source.kind == "x_account" and added.source.identifier == "toivonpolku"


def test_cli_add_import_export_and_run(org: Any, feeds: FeedServer, tmp_path: Path) -> None:
    out = run("add", feeds.url("/corpus/site.html"), "--weight", "2")
    assert "added: [feed] Ajankohtaista" in out and "also links to" in out
    assert Source.objects.get().weight == 2.0
    path = tmp_path / "feeds.opml"
    path.write_text(
        OPML.format(rss=feeds.url("/corpus/rss_fi.xml"), atom=feeds.url("/corpus/atom_en.atom"))
    )
    out = run("import-opml", str(path), "--org", org.slug)
    assert "imported 1 sources (1 already followed, 1 refused)" in out
    out = run("run", "--once")
    assert "sources due: 2, fetched: 2 (0 not modified), errors: 0" in out
    assert "items: 5 new" in out and "elapsed:" in out
    assert Item.objects.count() == 5
    exported = run("export-opml")
    assert exported.count("<outline") == 2
    assert "[feed]" in run("list")


def test_cli_run_prints_errors_with_reasons(org: Any, feeds: FeedServer) -> None:
    services.add_source(org, feeds.status("/gone", 410), discover_feeds=False)
    out = run("run", "--once")
    assert "errors: 1" in out and "error:" in out and "410" in out


def test_cli_refusals_are_command_errors(org: Any) -> None:
    with pytest.raises(CommandError, match="X"):
        run("add", "x:toivonpolku")


def test_the_first_source_brings_the_default_topics_and_later_ones_do_not(
    org: Any, feeds: FeedServer
) -> None:
    from kaiku.watch.features.topics import SEED_TOPICS
    from kaiku.watch.models import Topic

    assert not Topic.objects.filter(organisation=org).exists()
    services.add_source(org, feeds.add("/eka.xml", (CORPUS / "rss_fi.xml").read_bytes()))
    assert Topic.objects.filter(organisation=org).count() == len(SEED_TOPICS)
    Topic.objects.filter(organisation=org).delete()  # the organisation chose to have none
    services.add_source(org, feeds.add("/toka.xml", (CORPUS / "atom_en.atom").read_bytes()))
    assert not Topic.objects.filter(organisation=org).exists()


def test_an_organisation_with_topics_of_its_own_keeps_just_those(
    org: Any, feeds: FeedServer
) -> None:
    from kaiku.watch.models import Topic

    Topic.objects.create(organisation=org, name="Oma", slug="oma", keywords=["vertaistuki"])
    services.add_source(org, feeds.add("/eka.xml", (CORPUS / "rss_fi.xml").read_bytes()))
    assert list(Topic.objects.filter(organisation=org).values_list("slug", flat=True)) == ["oma"]
