"""X accounts among the watch's suggestions: followed as a watch source only (the API's follow
endpoint is not used)."""

from __future__ import annotations

from urllib.parse import quote

from kaiku.channels.base import AccountFollowing


class XFollowing(AccountFollowing):
    platform = "x"
    name = "X"
    source_kind = "x_account"

    def profile_url(self, handle: str) -> str:
        return f"https://x.com/{quote(handle)}"
