"""The channels page: who sees it, connecting by form, OAuth and one click, disconnecting."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from kaiku.connections import services as channel_services
from kaiku.connections.models import ChannelAccount
from kaiku.organisations.models import AuditEvent
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery
from tests.posts.view_helpers import fake_account, install_fake

pytestmark = pytest.mark.django_db

URL = "/o/toivon-polku/channels/"


@pytest.fixture(autouse=True)
def _fake(monkeypatch: Any) -> None:
    install_fake(monkeypatch)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("editor", 200), ("reviewer", 200), ("viewer", 200), ("outsider", 404)],
)
def test_every_member_sees_the_channels_page_and_an_outsider_gets_404(
    client_for: Any, who: str, status: int
) -> None:
    assert client_for(who).get(URL).status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in(members: Any) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 302), ("editor", 302), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_roles_that_manage_channels_may_connect(
    client_for: Any, who: str, status: int
) -> None:
    response = client_for(who).post(URL + "feed/connect/")
    assert response.status_code == status
    assert ChannelAccount.objects.filter(platform="feed").exists() == (status == 302)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 302), ("editor", 302), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_roles_that_manage_channels_may_disconnect(
    client_for: Any, org: Any, who: str, status: int
) -> None:
    account = fake_account(org)
    response = client_for(who).post(URL + f"{account.public_id}/disconnect/")
    assert response.status_code == status
    account.refresh_from_db()
    assert (account.status == ChannelAccount.Status.DISCONNECTED) == (status == 302)


def test_a_viewer_sees_the_accounts_but_no_connect_or_disconnect_buttons(
    client_for: Any, org: Any
) -> None:
    fake_account(org)
    html = client_for("viewer").get(URL).content.decode()
    assert "@kaiku@fake.example" in html
    assert "/disconnect/" not in html
    assert "/connect/" not in html


def test_the_own_feed_connects_with_one_click_and_is_audited(client_for: Any, org: Any) -> None:
    response = client_for("editor").post(URL + "feed/connect/", follow=True)
    account = ChannelAccount.objects.get(organisation=org, platform="feed")
    assert account.handle == "toivon-polku"
    assert account.display_name == "Toivon Polku ry"
    assert account.settings == {"organisation": "toivon-polku"}
    assert account.status == ChannelAccount.Status.ACTIVE
    assert response.redirect_chain[-1][0] == URL
    assert AuditEvent.objects.filter(action="channel.connected", organisation=org).count() == 1


def test_the_own_feed_card_goes_once_connected_and_its_addresses_are_shown_to_copy(
    client_for: Any, org: Any, settings: Any
) -> None:
    settings.PUBLIC_URL = "https://kaiku.toivonpolku.example"
    client = client_for("editor")
    assert 'id="connect-feed"' in client.get(URL).content.decode()
    client.post(URL + "feed/connect/")
    page = client.get(URL).content.decode()
    assert 'id="connect-feed"' not in page
    for path in ("/f/toivon-polku/", "/f/toivon-polku/atom.xml", "/f/toivon-polku/rss.xml"):
        address = "https://kaiku.toivonpolku.example" + path
        assert f'data-copy="{address}"' in page and f"<code>{address}</code>" in page
        assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    ("language", "name"), [("fi", "Kaiku-syöte"), ("sv", "Kaiku-flöde"), ("en", "Kaiku feed")]
)
def test_the_own_feed_is_named_in_the_users_language(
    members: Any, client_for: Any, language: str, name: str
) -> None:
    members["editor"].language = language
    members["editor"].save(update_fields=["language"])
    page = client_for("editor").get(URL).content.decode()
    assert f'<h3 id="connect-feed-h">{name}</h3>' in page


def test_a_form_driven_connector_stores_the_account_and_its_encrypted_credentials(
    client_for: Any, org: Any
) -> None:
    client_for("admin").post(URL + "fake/connect/", {"fake-server": "https://fake.example"})
    account = ChannelAccount.objects.get(organisation=org, platform="fake")
    assert account.credentials == {"access_token": "form-token"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_json FROM posts_channelaccount WHERE id = %s", [account.pk]
        )
        stored = cursor.fetchone()[0]
    assert "form-token" not in stored  # encrypted at rest
    assert account.base_url == "https://fake.example"


def test_reconnecting_updates_the_same_account_and_lets_held_posts_go_out(
    client_for: Any, org: Any, members: Any
) -> None:
    account = fake_account(
        org, status=ChannelAccount.Status.NEEDS_RECONNECT, status_message="token revoked"
    )
    post = Post.objects.create(organisation=org, author=members["editor"], text="Odottaa")
    held = Delivery.objects.create(
        post=post, account=account, state=Delivery.State.SCHEDULED, held=True
    )
    response = client_for("editor").post(
        URL + "fake/connect/", {"fake-server": "https://fake.example"}, follow=True
    )
    assert ChannelAccount.objects.filter(organisation=org, platform="fake").count() == 1
    account.refresh_from_db()
    assert account.status == ChannelAccount.Status.ACTIVE
    assert account.status_message == ""
    held.refresh_from_db()
    assert held.held is False
    assert AuditEvent.objects.filter(action="channel.reconnected").exists()
    assert "1" in str(next(iter(response.context["messages"])))


@pytest.mark.parametrize("server", ["https://broken.example", "https://down.example"])
def test_a_connector_error_shows_a_clear_message_instead_of_a_server_error(
    client_for: Any, org: Any, server: str
) -> None:
    response = client_for("editor").post(
        URL + "fake/connect/", {"fake-server": server}, follow=True
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert not ChannelAccount.objects.filter(platform="fake").exists()


@pytest.mark.parametrize("server", ["https://busy.example", "https://down.example"])
def test_a_failed_connection_does_not_promise_a_retry_that_never_comes(
    client_for: Any, org: Any, server: str
) -> None:
    # A connect attempt is one click: nothing retries it, so the message must say so and tell
    # the person to try again themselves (it said "Kaiku yrittää automaattisesti uudelleen").
    response = client_for("editor").post(
        URL + "fake/connect/", {"fake-server": server}, follow=True
    )
    [message] = [str(m) for m in response.context["messages"]]
    assert "automaattisesti" not in message
    assert "yritä" in message, message
    assert not ChannelAccount.objects.filter(platform="fake").exists()


def test_an_invalid_connect_form_is_shown_again_with_its_error(client_for: Any) -> None:
    response = client_for("editor").post(URL + "fake/connect/", {"fake-server": "not a url"})
    assert response.status_code == 400
    assert response.context["platforms"]


def test_an_oauth_connector_redirects_and_the_callback_finishes_the_connection(
    client_for: Any, org: Any
) -> None:
    client = client_for("editor")
    response = client.post(URL + "fake/connect/", {"fake-server": "https://oauth.example"})
    assert response.status_code == 302
    assert response["Location"] == "https://fake.example/authorize?state=s3cret"
    # The connector's secrets stay in the server-side session, not in the address.
    pending = client.session["kaiku_connect"]
    assert len(pending) == 1
    sealed = next(iter(pending.values()))["state"]
    assert sealed["sealed"].startswith("kaiku:v1:")  # encrypted, as stored secrets are
    assert channel_services.open_connect_state(sealed)["callback"].endswith(
        "/o/toivon-polku/channels/fake/callback/"
    )
    done = client.get(URL + "fake/callback/", {"state": "s3cret", "code": "abc"})
    assert done.status_code == 302
    account = ChannelAccount.objects.get(organisation=org, platform="fake")
    assert account.handle == "@oauth@fake.example"
    assert account.expires_at is not None
    assert client.session["kaiku_connect"] == {}
    # The attempt is used once: coming back again does not connect anything.
    again = client.get(URL + "fake/callback/", {"state": "s3cret", "code": "abc"}, follow=True)
    assert [m.level_tag for m in again.context["messages"]][-1] == "error"
    assert ChannelAccount.objects.filter(platform="fake").count() == 1


def test_a_denied_oauth_callback_shows_a_message_and_connects_nothing(
    client_for: Any, org: Any
) -> None:
    client = client_for("editor")
    client.post(URL + "fake/connect/", {"fake-server": "https://oauth.example"})
    response = client.get(
        URL + "fake/callback/", {"state": "s3cret", "error": "access_denied"}, follow=True
    )
    assert response.status_code == 200
    assert len(list(response.context["messages"])) == 1
    assert not ChannelAccount.objects.filter(platform="fake").exists()


def test_a_callback_with_no_attempt_in_progress_is_refused_politely(client_for: Any) -> None:
    response = client_for("editor").get(URL + "fake/callback/", {"state": "x"}, follow=True)
    assert response.status_code == 200
    assert not ChannelAccount.objects.filter(platform="fake").exists()


def test_a_platform_whose_connector_cannot_be_imported_is_shown_unavailable(
    client_for: Any, monkeypatch: Any
) -> None:
    install_fake(monkeypatch, broken=True)
    response = client_for("editor").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="connect-broken"' in html
    assert 'action="/o/toivon-polku/channels/broken/connect/"' not in html
    posted = client_for("editor").post(URL + "broken/connect/", follow=True)
    assert posted.status_code == 200


def test_an_unknown_platform_is_not_found(client_for: Any) -> None:
    assert client_for("editor").post(URL + "myspace/connect/").status_code == 404


def test_disconnecting_holds_the_waiting_posts_and_is_audited(
    client_for: Any, org: Any, members: Any
) -> None:
    account = fake_account(org, credentials_json='{"access_token": "x"}')
    post = Post.objects.create(organisation=org, author=members["editor"], text="Odottaa")
    waiting = Delivery.objects.create(post=post, account=account, state=Delivery.State.SCHEDULED)
    client_for("editor").post(URL + f"{account.public_id}/disconnect/")
    account.refresh_from_db()
    waiting.refresh_from_db()
    assert account.status == ChannelAccount.Status.DISCONNECTED
    assert account.credentials == {}
    assert waiting.held is True
    assert waiting.state == Delivery.State.SCHEDULED  # held, not dropped
    assert AuditEvent.objects.filter(action="channel.disconnected").exists()


def test_an_account_of_another_organisation_cannot_be_disconnected(
    client_for: Any, other_org: Any
) -> None:
    theirs = fake_account(other_org)
    response = client_for("admin").post(URL + f"{theirs.public_id}/disconnect/")
    assert response.status_code == 404


def test_an_account_needing_reconnection_shows_why(client_for: Any, org: Any) -> None:
    fake_account(
        org, status=ChannelAccount.Status.NEEDS_RECONNECT, status_message="token revoked by user"
    )
    html = client_for("viewer").get(URL).content.decode()
    assert 'data-status="needs_reconnect"' in html
    assert "token revoked by user" in html
