"""Telling people: e-mail to the organisation's admins and editors (the dashboard shows the
same from the database)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import Organisation
from kaiku.organisations.roles import Role
from kaiku.posts.errors import error_message
from kaiku.publishing.models import Delivery


def _recipients(org: Organisation) -> dict[str, list[str]]:
    """E-mail addresses of admins and editors, grouped by their UI language."""
    by_language: dict[str, list[str]] = {}
    for m in org.memberships.filter(role__in=[Role.ADMIN, Role.EDITOR]).select_related("user"):
        if m.user.email and m.user.is_active:
            by_language.setdefault(m.user.language or "fi", []).append(m.user.email)
    return by_language


def _send(org: Organisation, build: Callable[[], tuple[str, str]]) -> None:
    """Each recipient reads the message in their own language."""
    for language, addresses in _recipients(org).items():
        with translation.override(language):
            subject, body = build()
            send_mail(subject, body, None, addresses, fail_silently=True)


def account_needs_reconnect(account: ChannelAccount) -> None:
    org = account.organisation
    url = settings.PUBLIC_URL + reverse("posts:channels", args=[org.slug])

    def build() -> tuple[str, str]:
        subject = _("Kaiku: reconnect %(account)s") % {
            "account": f"{account.label} {account.handle}"
        }
        body = _(
            "The connection to %(account)s has stopped working (the platform no longer accepts "
            "its sign-in). Posts to it are held, not lost: they go out as soon as the account "
            "is connected again.\n\nReconnect it here: %(url)s"
        ) % {"account": f"{account.label} {account.handle}", "url": url}
        return subject, body

    _send(org, build)


def delivery_failed(delivery: Delivery) -> None:
    org = delivery.post.organisation
    url = settings.PUBLIC_URL + reverse("posts:detail", args=[org.slug, delivery.post.public_id])

    def build() -> tuple[str, str]:
        subject = _("Kaiku: a post did not go out to %(account)s") % {
            "account": delivery.account.label
        }
        body = _(
            "A post could not be published to %(account)s.\n\nReason: %(reason)s\n\n"
            "The post is kept. Open it to edit and retry: %(url)s"
        ) % {
            "account": f"{delivery.account.label} {delivery.account.handle}",
            "reason": error_message(delivery.last_error_code, delivery.last_error_detail),
            "url": url,
        }
        return subject, body

    _send(org, build)


def account_expires_soon(account: ChannelAccount) -> None:
    org = account.organisation
    url = settings.PUBLIC_URL + reverse("posts:channels", args=[org.slug])
    expires = account.expires_at

    def build() -> tuple[str, str]:
        name = f"{account.label} {account.handle}"
        when = (
            formats.date_format(timezone.localtime(expires), "SHORT_DATE_FORMAT") if expires else ""
        )
        subject = _("Kaiku: the connection to %(account)s expires on %(date)s") % {
            "account": name,
            "date": when,
        }
        body = _(
            "The platform's permission for %(account)s ends on %(date)s and Kaiku cannot renew "
            "it by itself. Reconnect the account before then, so that scheduled posts go out."
            "\n\nReconnect it here: %(url)s"
        ) % {"account": name, "date": when, "url": url}
        return subject, body

    _send(org, build)
