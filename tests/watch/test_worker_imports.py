"""A field-watch parse worker: what it loads at start, and how its items travel back
(issue 16 item 7).

Each parse worker process imports the prepare stage afresh. The language package's draft
checks (privacy with the phone-number library, accessibility, readability, grammar, suicide
wording) are no part of the ingest, and loading them cost every worker about 40 ms of CPU at
start; they are loaded by the first full check instead.
"""

from __future__ import annotations

import json
import marshal
import subprocess
import sys
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from kaiku.watch.ingest.prepare import PreparedItem, pack, unpack

NOT_FOR_THE_INGEST = (
    "phonenumbers",
    "kaiku.language.privacy",
    "kaiku.language.access",
    "kaiku.language.readability",
    "kaiku.language.grammar",
    "kaiku.language.suicide",
)


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys, json\n{code}\nprint(json.dumps(list(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_a_parse_worker_does_not_load_the_draft_checks() -> None:
    loaded = _loaded_after(
        "from kaiku.watch.ingest.prepare import read_and_prepare_packed\n"
        "from kaiku.watch.ingest.analysis import analyse\n"
        "analyse('Otsikko', 'Vertaistuki auttaa monia toipumaan riippuvuudesta.', matcher=None)"
    )
    assert "kaiku.watch.ingest.prepare" in loaded
    assert loaded.isdisjoint(NOT_FOR_THE_INGEST), loaded & set(NOT_FOR_THE_INGEST)


# --- the hand-over of prepared items ----------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _reference_pack(items: list[PreparedItem]) -> bytes:
    """``pack`` as it was: marshal, the time as microseconds since 1970."""
    rows = []
    for item in items:
        row = [getattr(item, f.name) for f in fields(PreparedItem)]
        when = row[12]
        row[12] = None if when is None else (when - _EPOCH) // timedelta(microseconds=1)
        rows.append(tuple(row))
    return marshal.dumps(rows)


def _reference_unpack(blob: bytes) -> list[PreparedItem]:
    items = []
    for packed in marshal.loads(blob):
        row = list(packed)
        when = row[12]
        row[12] = None if when is None else _EPOCH + timedelta(microseconds=when)
        items.append(PreparedItem(*row))
    return items


_TEXT = st.text(max_size=40)
_ITEMS = st.lists(
    st.builds(
        PreparedItem,
        guid=_TEXT,
        url=_TEXT,
        canonical_url=_TEXT,
        url_hash=_TEXT,
        content_hash=_TEXT,
        title=_TEXT,
        summary_html=st.text(max_size=400),
        text=_TEXT,
        author_name=_TEXT,
        author_handle=_TEXT,
        platform=_TEXT,
        language=_TEXT,
        published_at=st.none()
        | st.datetimes(
            timezones=st.sampled_from(
                [UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=9, minutes=30))]
            )
        ),
        engagement=st.dictionaries(_TEXT, st.integers(-(2**62), 2**62), max_size=3),
        lemmas=_TEXT,
        stigma_findings_count=st.integers(0, 10**6),
        mentioned_accounts=st.lists(_TEXT, max_size=3),
        links=st.lists(_TEXT, max_size=3),
        topic_scores=st.dictionaries(st.integers(1, 10**9), st.floats(allow_nan=False), max_size=3),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(items=_ITEMS)
def test_prepared_items_travel_back_as_the_reference_brings_them(
    items: list[PreparedItem],
) -> None:
    """``pack`` and ``unpack`` (pickle since issue 16 item 7) give back what the marshal
    reference gave: equal items, each time as the same instant in UTC."""
    expected = _reference_unpack(_reference_pack(items))
    back = unpack(pack(items))
    assert back == expected
    assert [i.published_at for i in back] == [i.published_at for i in items]
    assert [i.published_at and i.published_at.utcoffset() for i in back] == [
        i.published_at and i.published_at.utcoffset() for i in expected
    ]
