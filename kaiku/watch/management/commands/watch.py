"""``kaiku watch``: add sources, import and export OPML, and poll what is due.

kaiku watch add URL [--org SLUG] [--weight W] [--kind KIND] [--interval SECONDS]
kaiku watch import-opml FILE [--org SLUG]
kaiku watch export-opml [--org SLUG]
kaiku watch import-bluesky-list URL [--org SLUG]
kaiku watch starter [--org SLUG]
kaiku watch run --once [--org SLUG] [--workers N]
kaiku watch list [--org SLUG]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kaiku.organisations.models import Organisation
from kaiku.watch import services
from kaiku.watch.errors import WatchError
from kaiku.watch.features import opml
from kaiku.watch.ingest.pipeline import RunSummary
from kaiku.watch.models import Source
from kaiku.watch.sources import all_kinds


class Command(BaseCommand):
    help = "Field watch: follow feeds and accounts, and read what is new."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="follow a feed, page, account, hashtag or search")
        add.add_argument("value")
        add.add_argument("--kind", choices=all_kinds())
        add.add_argument("--weight", type=float, default=1.0)
        add.add_argument("--interval", type=int, default=3600, help="seconds between polls")
        add.add_argument("--title", default="")
        imp = sub.add_parser("import-opml", help="follow every feed of an OPML file")
        imp.add_argument("file")
        sub.add_parser("export-opml", help="print the organisation's sources as OPML")
        bsky = sub.add_parser("import-bluesky-list", help="follow a Bluesky list's members")
        bsky.add_argument("value", help="list or starter pack URL or at:// URI")
        sub.add_parser("starter", help="follow the verified starter sources")
        run = sub.add_parser("run", help="poll sources")
        run.add_argument("--once", action="store_true", required=True)
        run.add_argument("--workers", type=int, default=24)
        sub.add_parser("list", help="list the sources and their state")
        for subparser in sub.choices.values():
            subparser.add_argument("--org", help="organisation slug (needed with several)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, "do_" + action.replace("-", "_"))(options)
        except WatchError as exc:
            raise CommandError(exc.message) from None

    def _org(self, slug: str | None, *, required: bool = True) -> Organisation | None:
        if slug:
            org = Organisation.objects.filter(slug=slug).first()
            if org is None:
                raise CommandError(f"no organisation with the slug {slug!r}")
            return org
        orgs = list(Organisation.objects.all()[:2])
        if len(orgs) == 1:
            return orgs[0]
        if not required:
            return None
        raise CommandError("give --org SLUG" if orgs else "create an organisation first")

    def do_add(self, options: dict[str, Any]) -> None:
        org = self._org(options["org"])
        assert org is not None
        added = services.add_source(
            org,
            options["value"],
            kind=options["kind"],
            title=options["title"],
            weight=options["weight"],
            poll_interval=options["interval"],
        )
        source = added.source
        verb = "added" if added.created else "already followed"
        self.stdout.write(f"{verb}: [{source.kind}] {source} <{source.url}>")
        for other in added.alternatives:
            self.stdout.write(
                f"  the page also links to: {other.title or other.format} <{other.url}>"
            )

    def do_import_opml(self, options: dict[str, Any]) -> None:
        org = self._org(options["org"])
        assert org is not None
        try:
            content = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc.strerror}") from None
        report = opml.import_opml(org, content)
        self.stdout.write(
            f"imported {len(report.added)} sources ({report.existing} already followed, "
            f"{len(report.refused)} refused)"
        )
        for value, message in report.refused:
            self.stdout.write(f"  refused {value}: {message}")

    def do_export_opml(self, options: dict[str, Any]) -> None:
        org = self._org(options["org"])
        assert org is not None
        self.stdout.write(opml.export_opml(org), ending="")

    def do_import_bluesky_list(self, options: dict[str, Any]) -> None:
        org = self._org(options["org"])
        assert org is not None
        added = services.import_bluesky_list(org, options["value"])
        created = sum(1 for a in added if a.created)
        self.stdout.write(f"followed {created} new accounts ({len(added) - created} already)")

    def do_starter(self, options: dict[str, Any]) -> None:
        org = self._org(options["org"])
        assert org is not None
        added = services.add_starter_sources(org)
        for a in added:
            self.stdout.write(f"{'added' if a.created else 'already followed'}: {a.source}")
        if not added:
            self.stdout.write("the starter list is empty")

    def do_run(self, options: dict[str, Any]) -> None:
        org = self._org(options["org"], required=False)

        def progress(report: Any) -> None:
            if options["verbosity"] >= 2:
                state = report.error or f"{report.new} new, {report.merged} merged"
                self.stdout.write(f"  {report.title}: {state}")

        summary = services.run_once(
            organisation_id=org.pk if org else None, workers=options["workers"], progress=progress
        )
        self._summary(summary)

    def _summary(self, s: RunSummary) -> None:
        self.stdout.write(
            f"sources due: {s.sources}, fetched: {s.fetched} ({s.not_modified} not modified), "
            f"errors: {len(s.errors)}"
        )
        self.stdout.write(f"items: {s.new} new, {s.merged} merged from other sources")
        for report in s.errors:
            self.stdout.write(f"  error: {report.title}: {report.error}")
        self.stdout.write(f"elapsed: {s.seconds:.2f} s")

    def do_list(self, options: dict[str, Any]) -> None:
        org = self._org(options["org"])
        for source in Source.objects.filter(organisation=org).order_by("kind", "title"):
            state = source.error_message() or "ok"
            self.stdout.write(
                f"[{source.kind}] {source} <{source.url}> weight {source.weight:g}: {state}"
            )
