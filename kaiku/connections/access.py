"""The channel accounts a view may load by id: those of the request's organisation, else 404
(see ``kaiku.organisations.access.owned``)."""

from __future__ import annotations

from uuid import UUID

from kaiku.connections.models import ChannelAccount
from kaiku.organisations.access import KaikuRequest, owned


def account_for(request: KaikuRequest, account_id: UUID) -> ChannelAccount:
    """A channel account of the organisation, or 404."""
    return owned(request, ChannelAccount, public_id=account_id)
