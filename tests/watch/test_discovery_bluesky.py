"""Following a suggested account on Bluesky, against the real local PDS."""

from __future__ import annotations

from typing import Any

import pytest

from kaiku.channels.bluesky import client as bsky
from kaiku.channels.bluesky.connector import BlueskyConnector
from kaiku.posts.models import ChannelAccount
from kaiku.watch.features import discovery

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_follow_on_bluesky_writes_a_follow_record_in_our_repository(
    bluesky_pds: Any, org: Any
) -> None:
    ours = bluesky_pds.create_account("yhdistys")
    theirs = bluesky_pds.create_account("thl")
    setup = BlueskyConnector.start_connect(
        {"handle": ours.handle, "app_password": ours.password, "pds_url": bluesky_pds.pds_url}, ""
    )
    channel = ChannelAccount(
        organisation=org,
        platform="bluesky",
        handle=setup.handle,
        base_url=setup.base_url,
        settings=setup.settings,
    )
    channel.set_credentials(setup.credentials)
    channel.save()

    uri = discovery.follow_on_platform(org, f"bluesky:{theirs.handle}", channel.pk)

    with bsky.BlueskyClient(bluesky_pds.pds_url) as client:
        records = client.list_records(ours.did, "app.bsky.graph.follow", limit=10).records
    assert [r.uri for r in records] == [uri]
    assert records[0].value["subject"] == theirs.did
