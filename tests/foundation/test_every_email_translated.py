"""Every e-mail Kaiku sends, in the recipient's language: the invitation, the password reset,
the sign-in link, the watch digest and the notices of failed, held (reconnect) and expiring
connections are sent for real (through the views and services that send them, into Django's
memory outbox) with the recipients in Finnish, Swedish and English. Subject and body lines of a
Finnish or Swedish e-mail that are the same as in English and hold English words are English
left in the e-mail (the same oracle as the words test of the pages).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from tests.foundation.test_every_word_translated import _user_data, english_left

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "fi", "sv")
# Links carry one-time tokens that differ between two sendings of the same e-mail.
_URL = re.compile(r"https?://\S+")


def _texts(message: Any) -> set[str]:
    lines = [message.subject, *message.body.splitlines()]
    return {" ".join(_URL.sub("<url>", line).split()) for line in lines if line.strip()}


def _words(text: str) -> str:
    """The line without its links and list number: what is left to be in a language."""
    return re.sub(r"^\d+\.\s*", "", text.replace("<url>", "")).strip()


def _set_language(users: list[Any], language: str) -> None:
    for user in users:
        user.language = language
        user.save(update_fields=["language"])


@pytest.fixture
def senders(members: dict[str, Any]) -> dict[str, Callable[[str], None]]:
    """Per e-mail kind: a function that sends it to recipients who chose ``language``."""
    from kaiku.connections.models import ChannelAccount
    from kaiku.organisations.models import Membership
    from kaiku.posts.models import Post
    from kaiku.publishing import notify
    from kaiku.publishing.models import Delivery
    from kaiku.watch.features import digest
    from kaiku.watch.models import Item

    org = Membership.objects.get(user=members["admin"]).organisation
    staff = [members["admin"], members["editor"]]
    account = ChannelAccount.objects.create(
        organisation=org,
        platform="mastodon",
        handle="@toivo@mastodon.example",
        expires_at=timezone.now() + timedelta(days=5),
    )
    post = Post.objects.create(organisation=org, author=members["editor"], text="Tervetuloa")
    delivery = Delivery.objects.create(
        post=post, account=account, last_error_code="too_long", last_error_detail=""
    )
    Item.objects.create(
        organisation=org, guid="u:1", title="Toipumisesta puhutaan", platform="feed"
    )

    def invitation(language: str) -> None:
        _set_language([members["admin"]], language)
        client = Client()
        client.force_login(members["admin"])
        email = f"kutsuttu-{language}@example.test"
        client.post("/o/toivon-polku/members/invite/", {"email": email, "role": "reviewer"})

    def password_reset(language: str) -> None:
        # Asked for by someone not signed in, in a browser in the server's default language:
        # the e-mail follows the account's language.
        _set_language([members["viewer"]], language)
        Client().post("/accounts/password/reset/", {"email": members["viewer"].email})

    def sign_in_link(language: str) -> None:
        _set_language([members["viewer"]], language)
        Client().post("/accounts/login/link/", {"email": members["viewer"].email})

    def digest_email(language: str) -> None:
        _set_language([members["viewer"]], language)
        membership = Membership.objects.get(user=members["viewer"])
        for frequency in ("daily", "weekly"):
            message = digest.digest_email(membership, frequency, timezone.now())
            assert message is not None
            mail.send_mail(message[0], message[1], None, [members["viewer"].email])

    def reconnect(language: str) -> None:
        _set_language(staff, language)
        notify.account_needs_reconnect(account)

    def failed(language: str) -> None:
        _set_language(staff, language)
        notify.delivery_failed(delivery)

    def expires(language: str) -> None:
        _set_language(staff, language)
        notify.account_expires_soon(account)

    return {
        "invitation": invitation,
        "password reset": password_reset,
        "sign-in link": sign_in_link,
        "digest": digest_email,
        "reconnect": reconnect,
        "delivery failed": failed,
        "connection expires": expires,
    }


def _sent(send: Callable[[str], None], language: str) -> set[str]:
    mail.outbox.clear()
    send(language)
    assert mail.outbox, f"nothing was sent in {language}"
    return set().union(*(_texts(m) for m in mail.outbox))


def test_every_email_is_sent_and_has_no_english_in_finnish_and_swedish(
    senders: dict[str, Callable[[str], None]],
) -> None:
    user_data = "\n".join(_user_data())
    found: list[str] = []
    for kind, send in senders.items():
        sent = {language: _sent(send, language) for language in LANGUAGES}
        for language in ("fi", "sv"):
            found += [
                f"{language} {kind}: {text}"
                for text in sorted(english_left(sent[language], sent["en"], user_data))
            ]
    assert not found, "English in e-mails:\n" + "\n".join(found)


def test_every_email_is_in_the_recipients_language_not_the_servers(
    senders: dict[str, Callable[[str], None]],
) -> None:
    # Swedish recipients get Swedish even when the request (or the worker) runs in Finnish:
    # the Swedish and the Finnish e-mails share no line of words.
    user_data = "\n".join(_user_data())
    mixed: list[str] = []
    for kind, send in senders.items():
        with translation.override("fi"):
            fi, sv = _sent(send, "fi"), _sent(send, "sv")
        same = {t for t in fi & sv if _words(t) and _words(t) not in user_data}
        mixed += [f"{kind}: {text}" for text in sorted(same)]
    assert not mixed, "Not in the recipient's language:\n" + "\n".join(mixed)
