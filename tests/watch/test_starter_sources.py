"""The shipped starter list: every entry is a usable source and names where it was verified."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import pytest

from kaiku.watch import services
from kaiku.watch.models import Source
from kaiku.watch.sources import source_type


def _raw() -> dict[str, Any]:
    path = resources.files("kaiku.watch").joinpath("data", "starter_sources.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_the_starter_file_is_a_list_of_sources_with_a_description() -> None:
    data = _raw()
    assert isinstance(data.get("about"), str) and data["about"]
    assert isinstance(data.get("sources"), list)


def test_every_starter_entry_names_where_its_address_was_verified() -> None:
    starters = services.starter_sources()
    assert len(starters) == len(_raw()["sources"])
    for starter in starters:
        assert starter.name.strip()
        assert starter.verified_from, starter.name
        assert all(v.strip() for v in starter.verified_from), starter.name


def test_every_starter_address_is_an_https_feed_kaiku_accepts() -> None:
    for starter in services.starter_sources():
        assert starter.kind == "feed", starter.name
        assert urlsplit(starter.url).scheme == "https", starter.url
        assert source_type(starter.kind).normalise(starter.url).url == starter.url


def test_starter_addresses_are_not_repeated() -> None:
    urls = [s.url for s in services.starter_sources()]
    assert len(urls) == len(set(urls))


@pytest.mark.django_db
def test_adding_the_starter_list_twice_adds_each_source_once(org: Any) -> None:
    first = services.add_starter_sources(org)
    second = services.add_starter_sources(org)
    expected = len(services.starter_sources())
    assert [a.created for a in first] == [True] * expected
    assert [a.created for a in second] == [False] * expected
    assert Source.objects.filter(organisation=org).count() == expected
