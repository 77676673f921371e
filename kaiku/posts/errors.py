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
        "interrupted": _(
            "Publishing was interrupted (Kaiku's background worker stopped). Kaiku checks "
            "whether the post went out before trying again."
        ),
        "gave_up": _(
            "Kaiku gave up after publishing was interrupted too many times. The post may or may "
            "not have gone out: a retry first checks the platform, so it is not published twice."
        ),
        "too_long": _("The text is too long for this platform. Shorten it and retry."),
        "invalid": _("The platform refused the post: %(detail)s"),
        "media": _("The platform refused an image: %(detail)s"),
        "duplicate": _("The platform refused the post as a duplicate of an earlier one."),
        "duplicate_elsewhere": _(
            "The platform refused the post as a duplicate of another post with the same text. "
            "Change the text, or remove the other post, and retry."
        ),
        "key_clash": _(
            "The platform already holds a post made for this delivery with another text. "
            "Check the channel before publishing again."
        ),
        "not_found": _("The post or account was not found on the platform."),
        "forbidden": _("The account is not allowed to do this on the platform: %(detail)s"),
        "invalid_instance": _("That address does not answer as a server of this platform."),
        "blocked_address": _("Kaiku may not connect to that address (a private network)."),
        "state_mismatch": _("The sign-in came back without a valid check code. Start again."),
        "authorization_denied": _("Access was not granted on the platform. Start again."),
        "no_public_url": _(
            "Instagram and Threads fetch images from Kaiku's public address, and this Kaiku has "
            "none. Ask your administrator to set one."
        ),
        "image_required": _("An Instagram post needs at least one image."),
        "too_many_hashtags": _("The caption has more hashtags than Instagram allows: %(detail)s"),
        "quota_used": _(
            "The account has used its daily publishing quota on the platform. Kaiku tries again "
            "later."
        ),
        "policy_blocked": _(
            "The platform has temporarily blocked publishing for this account. Check the account "
            "in the platform's own app before retrying."
        ),
        "no_page": _("No Facebook Page could be chosen: %(detail)s"),
        "no_instagram": _(
            "None of your Facebook Pages has a linked Instagram professional account."
        ),
        "not_supported": _("The platform does not allow this through its API: %(detail)s"),
        "reply_not_allowed": _(
            "X lets apps reply only to posts that mention your account or quote one of its posts. "
            "Reply in the X app, or publish this as a post of its own. (%(detail)s)"
        ),
        "payment_required": _(
            "X refused the post because the developer account has run out of prepaid credits or "
            "reached its spending limit. Add credits in the X Developer Console, then retry."
        ),
        "api_version": _(
            "LinkedIn no longer accepts the API version Kaiku uses. An administrator must update "
            "Kaiku's LinkedIn version; nothing is published on LinkedIn until then."
        ),
        "needs_approval": _(
            "LinkedIn did not let the app post as the organisation page. Posting as a page needs "
            "LinkedIn's approval of your organisation's LinkedIn app for the Community "
            "Management API, and you must be an administrator or content admin of the page. "
            "See the LinkedIn setup guide."
        ),
        "not_page_admin": _(
            "Your LinkedIn account is not an administrator or content admin of that page. Ask a "
            "super admin of the page to give you the role, then connect again."
        ),
        "reply_not_supported": _(
            "This platform cannot publish a reply to another post through its API, so the "
            "reply was not published there. Leave the channel out of the reply."
        ),
        "reply_wrong_platform": _(
            "The post being replied to is not on this platform, so the reply cannot go there. "
            "(%(detail)s)"
        ),
        "reply_not_found": _(
            "The post being replied to could not be found through the platform's API, so the "
            "reply was not published. (%(detail)s)"
        ),
        "too_many_links": _("Threads takes at most 5 links in one post: %(detail)s"),
        "too_many_mentions": _(
            "The caption mentions more accounts than Instagram allows: %(detail)s"
        ),
        "invalid_page": _(
            "That is not a LinkedIn organisation page. Give the page's address "
            "(linkedin.com/company/…) or its number, or leave the field empty to post as your "
            "personal profile."
        ),
        "gate_hetu": _(
            "Not sent: the text holds a personal identity number (a henkilötunnus or another "
            "country's, such as a personnummer or a Social Security number). Remove it and send "
            "the post again; no approval can let it out."
        ),
        "gate_not_checked": _(
            "Not sent: the text changed after the language check and review. Edit the post and "
            "send it again, so that the words going out are checked."
        ),
    }
    text = messages.get(code)
    if text is None:
        text = _("Publishing failed: %(detail)s")
    return text % {"detail": detail or code} if "%(detail)s" in text else text


# A connect attempt is one request a person made: nothing retries it, so the publishing texts'
# "Kaiku tries again automatically" would be untrue there.
_CONNECT_TRANSIENT = frozenset(
    {"rate_limited", "server_error", "network", "timeout", "unexpected", "interrupted"}
)


def connect_error_message(code: str, detail: str = "") -> str:
    """A failed connection in words that do not promise a retry nobody makes."""
    if code in _CONNECT_TRANSIENT:
        return _(
            "The platform did not answer properly. Nothing was saved and Kaiku does not try "
            "again by itself: try connecting again in a few minutes."
        )
    return error_message(code, detail)
