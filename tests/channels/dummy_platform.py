"""A platform that exists only in the tests: one package's worth (a connector with its limits,
a reader for the watch), registered with one registry line by ``test_new_platform.py``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from kaiku.channels.base import AccountSetup, Connector, Limits, Redirect
from kaiku.channels.reading import (
    Entry,
    NewSource,
    ReadBatch,
    ReadContext,
    SourceReader,
    StoredSource,
    UrlCheck,
)

READ: list[str] = []  # the identifiers the watch asked the reader for, in order


class DummyAccount:
    kind = "dummy_account"
    platform = "dummy"
    label = "Dummy account"
    prefixes: tuple[str, ...] = ("dummy:",)
    patterns: tuple[re.Pattern[str], ...] = (re.compile(r"^https://dummy\.test/u/\w+$"),)

    def normalise(self, value: str, check_url: UrlCheck) -> NewSource:
        handle = value.strip().removeprefix("dummy:").rsplit("/", 1)[-1].lstrip("@")
        return NewSource(self.kind, f"https://dummy.test/@{handle}", identifier=handle)

    def read(self, source: StoredSource, ctx: ReadContext) -> ReadBatch:
        READ.append(source.identifier)
        entry = Entry(
            guid=f"https://dummy.test/@{source.identifier}/1",
            url=f"https://dummy.test/@{source.identifier}/1",
            text="Vertaistuki kantaa pitkälle.",
            author_handle=f"@{source.identifier}",
            global_guid=True,
        )
        return ReadBatch(entries=[entry], state={"read": len(READ)})

    def feed_url(self, url: str, identifier: str) -> str:
        return ""


class DummyConnector(Connector):
    platform: ClassVar[str] = "dummy"
    label: ClassVar[str] = "Dummyverkko"
    needs_credentials: ClassVar[bool] = False
    # Counted as Mastodon counts, but only 20 characters long.
    default_limits: ClassVar[Limits] = Limits(max_chars=20, counter="mastodon")
    readers: ClassVar[tuple[SourceReader, ...]] = (DummyAccount(),)

    @classmethod
    def start_connect(cls, data: Mapping[str, str], callback_url: str) -> AccountSetup | Redirect:
        return AccountSetup("dummy", "Dummy", "https://dummy.test", credentials={})

    def publish_part(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError
