"""Failure codes from connectors, in words a person understands (translated)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def error_message(code: str, detail: str = "") -> str:
    messages = {
        "": "",
        "auth": _("The platform no longer accepts the account's sign-in. Reconnect the account."),
        "account_needs_reconnect": _(
            "The account must be reconnected before this post can go out. It is waiting."
        ),
        "rate_limited": _("The platform asked us to slow down. Kaiku tries again automatically."),
        "server_error": _("The platform had a temporary fault. Kaiku tries again automatically."),
        "network": _("The platform could not be reached. Kaiku tries again automatically."),
        "timeout": _(
            "The platform did not answer in time. Kaiku checks whether the post went out "
            "before trying again, so it is not published twice."
        ),
        "unexpected": _(
            "Something unexpected happened while publishing. Kaiku checks whether the post went "
            "out before trying again."
        ),
        "too_long": _("The text is too long for this platform. Shorten it and retry."),
        "invalid": _("The platform refused the post: %(detail)s"),
        "media": _("The platform refused an image: %(detail)s"),
        "duplicate": _("The platform refused the post as a duplicate of an earlier one."),
        "not_found": _("The post or account was not found on the platform."),
        "forbidden": _("The account is not allowed to do this on the platform: %(detail)s"),
        "invalid_instance": _("That address does not answer as a server of this platform."),
        "blocked_address": _("Kaiku may not connect to that address (a private network)."),
        "state_mismatch": _("The sign-in came back without a valid check code. Start again."),
        "authorization_denied": _("Access was not granted on the platform. Start again."),
    }
    text = messages.get(code)
    if text is None:
        text = _("Publishing failed: %(detail)s")
    return text % {"detail": detail or code} if "%(detail)s" in text else text
