"""Following a Bluesky account (a handle or a DID) from the watch's suggestions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, TypeVar, runtime_checkable
from urllib.parse import quote

import httpx
from django.utils.translation import gettext as _

from kaiku.channels.base import AccountFollowing, ChannelError, Connector, FollowRefused
from kaiku.channels.bluesky import client as bsky

T = TypeVar("T")


@runtime_checkable
class _Sessions(Protocol):
    """What following needs of the Bluesky connector: a client for its PDS, and a call that
    keeps (and renews) the account's session. A protocol rather than the connector class,
    which names this module as its ``following``: no import circle."""

    def _client(self) -> bsky.BlueskyClient: ...

    def _call(self, client: bsky.BlueskyClient, operation: Callable[[bsky.Session], T]) -> T: ...


class BlueskyFollowing(AccountFollowing):
    platform = "bluesky"
    name = "Bluesky"
    source_kind = "bluesky_account"
    followable = True

    def profile_url(self, handle: str) -> str:
        return f"https://bsky.app/profile/{quote(handle)}"

    def follow(
        self, connector: Connector, handle: str, *, transport: httpx.BaseTransport | None = None
    ) -> str:
        """Write an app.bsky.graph.follow record in the account's repository.

        https://docs.bsky.app/docs/api/com-atproto-repo-create-record and
        https://docs.bsky.app/docs/tutorials/viewing-feeds (graph.follow lexicon)
        """
        if connector.platform != self.platform or not isinstance(connector, _Sessions):
            raise FollowRefused(_("Choose a connected account on the same platform."))
        client = connector._client()
        try:
            did = handle if handle.startswith("did:") else client.resolve_handle(handle)
            if not did:
                raise FollowRefused(_("The account was not found on Bluesky."))
            record = {
                "$type": "app.bsky.graph.follow",
                "subject": did,
                "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            }
            ref = connector._call(
                client,
                lambda session: client.create_record(session, "app.bsky.graph.follow", record),
            )
        except (bsky.BlueskyError, ChannelError) as exc:
            detail = {"detail": str(exc)[:200]}
            raise FollowRefused(_("Following failed: %(detail)s") % detail) from exc
        finally:
            client.close()
        return str(ref.uri)
