"""Following a Mastodon account from the watch's suggestions (``acct`` = ``user@host``)."""

from __future__ import annotations

import httpx
from django.utils.translation import gettext as _

from kaiku import http
from kaiku.channels.base import AccountFollowing, Connector, FollowRefused


class MastodonFollowing(AccountFollowing):
    platform = "mastodon"
    name = "Mastodon"
    source_kind = "mastodon_account"
    followable = True

    def profile_url(self, handle: str) -> str:
        if "@" not in handle:
            return ""
        user, host = handle.split("@", 1)
        return f"https://{host}/@{user}"

    def source_value(self, handle: str) -> str:
        return f"@{handle}"

    def follow(
        self, connector: Connector, handle: str, *, transport: httpx.BaseTransport | None = None
    ) -> str:
        """Resolve the account on our instance, then follow it.

        https://docs.joinmastodon.org/methods/accounts/#lookup and
        https://docs.joinmastodon.org/methods/accounts/#follow
        """
        account = connector.account
        token = account.credentials.get("access_token")
        if not isinstance(token, str) or not token:
            raise FollowRefused(_("The connected account needs reconnecting."))
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        with http.client(base_url=account.base_url.rstrip("/"), transport=transport) as client:
            try:
                found = client.get(
                    "/api/v1/accounts/lookup", params={"acct": handle.lstrip("@")}, headers=headers
                )
                if found.status_code == 404:
                    raise FollowRefused(_("The account was not found on your instance."))
                found.raise_for_status()
                account_id = str(found.json()["id"])
                answer = client.post(f"/api/v1/accounts/{account_id}/follow", headers=headers)
                answer.raise_for_status()
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                detail = {"detail": str(exc)[:200]}
                raise FollowRefused(_("Following failed: %(detail)s") % detail) from exc
        return account_id
