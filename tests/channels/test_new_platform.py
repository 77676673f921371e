"""A new platform is one package plus one registry line: a platform registered only here (its
package is tests/channels/dummy_platform.py) shows on the channels page, is a kind of source the
watch offers, stores and reads, and its length rule is the one the check applies. No migration
knows it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kaiku.channels import registry
from kaiku.connections.models import ChannelAccount
from kaiku.posts.services import findings_for
from kaiku.watch import sources
from kaiku.watch.forms import AddSourceForm
from kaiku.watch.ingest.pipeline import poll_one
from kaiku.watch.models import Item, Source
from kaiku.watch.services import add_source
from tests.channels import dummy_platform


@pytest.fixture
def dummy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The one registry line; the caches of loaded connectors and readers start empty.
    monkeypatch.setitem(
        registry.CONNECTOR_PATHS, "dummy", "tests.channels.dummy_platform:DummyConnector"
    )
    monkeypatch.setattr(registry, "_loaded", {})
    monkeypatch.setattr(sources, "_REGISTRY", {})
    dummy_platform.READ.clear()
    yield
    monkeypatch.undo()
    sources._REGISTRY.clear()


@pytest.mark.django_db
def test_a_registered_platform_is_offered_on_the_channels_page(
    dummy: None, client_for: Any
) -> None:
    page = client_for("admin").get("/o/toivon-polku/channels/").content.decode()
    assert "Dummyverkko" in page


@pytest.mark.django_db
def test_a_registered_platforms_reader_is_a_source_kind_that_the_watch_reads(
    dummy: None, org: Any
) -> None:
    assert ("dummy_account", "Dummy account") in AddSourceForm().fields["kind"].choices

    added = add_source(org, "@vertainen", kind="dummy_account")
    source = Source.objects.get(pk=added.source.pk)
    assert (source.kind, source.identifier) == ("dummy_account", "vertainen")
    # Typed without a kind, by its prefix or its address, it is recognised as the same.
    assert add_source(org, "dummy:vertainen").source.pk == source.pk
    assert add_source(org, "https://dummy.test/u/vertainen").source.pk == source.pk

    report = poll_one(source)

    assert dummy_platform.READ == ["vertainen"]
    assert (report.error, report.new) == ("", 1)
    assert list(Item.objects.filter(organisation=org).values_list("url", flat=True)) == [
        "https://dummy.test/@vertainen/1"
    ]
    source.refresh_from_db()
    assert source.state == {"read": 1}


@pytest.mark.django_db
def test_a_registered_platforms_length_rule_is_the_one_the_check_applies(
    dummy: None, org: Any
) -> None:
    account = ChannelAccount.objects.create(
        organisation=org, platform="dummy", handle="dummy", base_url="https://dummy.test"
    )
    text = "Tämä teksti on yli kaksikymmentä merkkiä pitkä."

    over = [f for f in findings_for(org, text, [account]) if f.code == "length.over_limit"]

    assert len(over) == 1
    assert "20" in over[0].message
