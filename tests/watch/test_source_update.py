"""A polled source's outcome is written with one plain UPDATE (``pipeline.update_source``)
instead of the ORM's ``QuerySet.update`` (issue 16 item 7): the row must come out the same,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.watch.ingest.pipeline import update_source
from kaiku.watch.models import Source

pytestmark = pytest.mark.django_db
_COUNT = itertools.count()
_BEFORE = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)

_WHEN = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=3))]),
)
# Text without NUL, which PostgreSQL cannot store (the pipeline cleans it out before).
_TEXT = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30
)
_JSON = st.dictionaries(
    _TEXT, st.none() | st.booleans() | st.integers(-(2**31), 2**31) | _TEXT, max_size=3
)
_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "last_polled_at": _WHEN,
        "last_success_at": st.none() | _WHEN,
        "next_poll_at": _WHEN,
        "backoff_until": st.none() | _WHEN,
        "last_error_at": st.none() | _WHEN,
        "error_count": st.integers(0, 2**31 - 1),
        "etag": _TEXT,
        "last_modified": _TEXT,
        "last_error": _TEXT,
        "last_error_code": _TEXT,
        "last_error_params": _JSON,
        "state": _JSON,
        "title": _TEXT,
        "site_url": _TEXT,
    },
).filter(bool)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=_FIELDS)
def test_a_plain_update_writes_the_row_as_the_orm_does(org: Any, fields: dict[str, Any]) -> None:
    by_orm, by_plain = (
        Source.objects.create(
            organisation=org,
            kind="feed",
            url=f"https://{n}.example/feed",
            next_poll_at=_BEFORE,
            created_at=_BEFORE,
        )
        for n in (f"orm{next(_COUNT)}", f"plain{next(_COUNT)}")
    )
    Source.objects.filter(pk=by_orm.pk).update(**fields)
    update_source(by_plain.pk, fields)
    names = [
        f.name for f in Source._meta.concrete_fields if f.name not in ("id", "url", "created_at")
    ]
    orm_row = Source.objects.filter(pk=by_orm.pk).values(*names).get()
    plain_row = Source.objects.filter(pk=by_plain.pk).values(*names).get()
    assert plain_row == orm_row


def test_a_field_that_is_no_column_is_refused(org: Any) -> None:
    source = Source.objects.create(organisation=org, kind="feed", url="https://a.example/")
    with pytest.raises(ValueError, match="not a column"):
        update_source(source.pk, {"items": []})
