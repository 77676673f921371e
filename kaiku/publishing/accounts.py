"""The account check half an hour before a delivery is due: verify the credentials (renewing
them once); an account that needs reconnecting is marked, and its people are told."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kaiku.channels.base import ChannelError, Connector, Failure
from kaiku.connections.models import ChannelAccount
from kaiku.jobs.services import handler
from kaiku.organisations import audit
from kaiku.posts.errors import error_message
from kaiku.publishing import engine, notify
from kaiku.publishing.models import Delivery


@handler(engine.PRECHECK_JOB)
def precheck_job(payload: dict[str, Any]) -> None:
    delivery = (
        Delivery.objects.select_related("account").filter(pk=int(payload["delivery"])).first()
    )
    if delivery is None or delivery.state != Delivery.State.SCHEDULED:
        return
    check_account(delivery.account)


def check_account(account: ChannelAccount) -> bool:
    """Verify the account's credentials (refreshing once). False marks it for reconnection."""
    if account.status != ChannelAccount.Status.ACTIVE:
        return False
    connector = account.connector()
    try:
        connector.verify()
    except ChannelError as error:
        if error.failure is Failure.PERMANENT:
            # Reconnecting would not help (an API version, a missing approval): say so on the
            # account; the publish attempt itself reports the failure on the post.
            ChannelAccount.objects.filter(pk=account.pk).update(
                status_message=error_message(error.code, error.detail)
            )
            return False
        if error.failure is not Failure.AUTH:
            return True  # the platform is down, not the account: the publish job retries
        if engine.refresh_account(account, connector):
            return check_account_after_refresh(account, connector)
        account.status = ChannelAccount.Status.NEEDS_RECONNECT
        account.status_message = error.detail
        account.save(update_fields=["status", "status_message"])
        audit.record(
            "channel.needs_reconnect", organisation=account.organisation, target=str(account)
        )
        notify.account_needs_reconnect(account)
        return False
    ChannelAccount.objects.filter(pk=account.pk).update(last_verified_at=timezone.now())
    return True


def check_account_after_refresh(account: ChannelAccount, connector: Connector) -> bool:
    try:
        connector.verify()
    except ChannelError:
        account.status = ChannelAccount.Status.NEEDS_RECONNECT
        account.save(update_fields=["status"])
        notify.account_needs_reconnect(account)
        return False
    ChannelAccount.objects.filter(pk=account.pk).update(last_verified_at=timezone.now())
    return True
