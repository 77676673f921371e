"""What the edges (compose form, REST API) refuse with a clear message instead of storing, and
the pages that keep working when a row got past them anyway."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kaiku.accounts.models import ApiToken
from kaiku.posts.models import Post, PostImage
from kaiku.publishing.models import Delivery
from tests.posts.view_helpers import fake_account, install_fake, png_bytes

pytestmark = pytest.mark.django_db

ORG = "/api/v1/organisations/toivon-polku"
NEW = "/o/toivon-polku/posts/new/"


@pytest.fixture(autouse=True)
def _fake(monkeypatch: Any) -> None:
    install_fake(monkeypatch)


@pytest.fixture
def api(members: Any) -> Any:
    def headers(who: str = "editor") -> dict[str, str]:
        _, raw = ApiToken.issue(members[who], "testi")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return headers


def _post_json(url: str, data: dict[str, Any], headers: dict[str, str]) -> Any:
    return Client().post(url, json.dumps(data), content_type="application/json", **headers)


def _form(text: str, *accounts: Any, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": text,
        "accounts": [a.pk for a in accounts],
        "image-TOTAL_FORMS": "4",
        "image-INITIAL_FORMS": "0",
        "image-MIN_NUM_FORMS": "0",
        "image-MAX_NUM_FORMS": "4",
        "action": "save",
    }
    data.update(extra)
    return data


def _png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T22:00:00-02:00",  # year 10000 in UTC: it answered 500 at once
        "9999-12-31T23:59:00",  # naive: the person's own time zone
        "0001-01-01T00:00:00",
        "1999-12-31T12:00:00+00:00",
        # an id of its own: the time changes between pytest-xdist's processes' collections
        pytest.param(
            (datetime.now(UTC) + timedelta(days=6 * 365)).isoformat(), id="six-years-ahead"
        ),
    ],
)
def test_the_api_refuses_a_publishing_time_out_of_range_with_a_json_422(
    api: Any, feed_account: Any, when: str
) -> None:
    data = {"text": "Kevätjuhla", "accounts": [str(feed_account.public_id)], "scheduled_at": when}
    response = _post_json(f"{ORG}/posts", data, api())
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    assert not Post.objects.exists()


def test_the_api_takes_a_time_four_years_ahead(api: Any, feed_account: Any) -> None:
    when = (datetime.now(UTC) + timedelta(days=4 * 365)).isoformat()
    data = {"text": "Kevätjuhla", "accounts": [str(feed_account.public_id)], "scheduled_at": when}
    assert _post_json(f"{ORG}/posts", data, api()).status_code == 201


@pytest.mark.parametrize("when", ["9999-12-31T23:00", "0001-01-01T00:00", "1999-06-01T12:00"])
def test_the_compose_form_refuses_a_time_out_of_range(
    client_for: Any, feed_account: Any, when: str
) -> None:
    response = client_for("editor").post(NEW, _form("Kevätjuhla", feed_account, publish_at=when))
    assert response.status_code == 400
    assert response.context["form"].errors["publish_at"]
    assert not Post.objects.exists()


def test_the_reschedule_form_refuses_a_time_years_ahead(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    post = Post.objects.create(
        organisation=org,
        author=members["editor"],
        text="Siirrettävä",
        state=Post.State.SCHEDULED,
        scheduled_at=timezone.now() + timedelta(days=1),
    )
    response = client_for("editor").post(
        f"/o/toivon-polku/posts/{post.public_id}/reschedule/", {"publish_at": "2999-01-01T10:00"}
    )
    assert response.status_code in (200, 400)
    post.refresh_from_db()
    assert post.scheduled_at.year != 2999


def test_a_post_stored_in_year_9999_leaves_the_organisations_pages_working(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    post = Post.objects.create(
        organisation=org,
        author=members["editor"],
        text="Kaukana tulevaisuudessa",
        state=Post.State.SCHEDULED,
        scheduled_at=datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
    )
    Delivery.objects.create(
        post=post, account=feed_account, due_at=post.scheduled_at, state="scheduled"
    )
    client = client_for("editor")
    for path in (
        "/o/toivon-polku/",
        "/o/toivon-polku/posts/",
        f"/o/toivon-polku/posts/{post.public_id}/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Kaukana tulevaisuudessa" in response.content.decode(), path


# --- page numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("page", [str(2**63), str(10**30), "10001", "0"])
def test_the_watch_items_api_refuses_a_page_number_out_of_range(api: Any, page: str) -> None:
    response = Client().get(f"{ORG}/watch/items?page={page}", **api())
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")


def test_the_watch_page_takes_any_page_number(client_for: Any) -> None:
    for page in (str(2**63), str(10**30)):
        assert client_for("viewer").get(f"/o/toivon-polku/watch/?page={page}").status_code == 200


# --- control characters ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\x1b", "\x00", "\x0b", "\ufffe", "\x7f", "\x85"])
def test_the_api_refuses_a_control_character_in_the_text_and_names_it(
    api: Any, feed_account: Any, bad: str
) -> None:
    data = {"text": f"Hei{bad} kaikki", "accounts": [str(feed_account.public_id)]}
    response = _post_json(f"{ORG}/posts", data, api())
    assert response.status_code == 422
    assert f"U+{ord(bad):04X}" in json.dumps(response.json())
    assert not Post.objects.exists()


def test_the_api_refuses_a_control_character_in_a_variant(api: Any, feed_account: Any) -> None:
    channel = str(feed_account.public_id)
    data = {"text": "Hei", "accounts": [channel], "variants": {channel: "Moi\x1b[0m"}}
    response = _post_json(f"{ORG}/posts", data, api())
    assert response.status_code == 422
    assert "U+001B" in json.dumps(response.json())


def test_the_compose_form_refuses_a_control_character_with_a_clear_message(
    client_for: Any, feed_account: Any
) -> None:
    response = client_for("editor").post(NEW, _form("Hei\x1b[1m kaikki", feed_account))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["text"])
    assert "U+001B" in errors
    assert not Post.objects.exists()


def test_a_control_character_in_an_alt_text_is_refused(client_for: Any, feed_account: Any) -> None:
    upload = SimpleUploadedFile("kuva.png", png_bytes(), content_type="image/png")
    data = _form("Kuva", feed_account, **{"image-0-file": upload, "image-0-alt_text": "A\x00B"})
    response = client_for("editor").post(NEW, data)
    assert response.status_code == 400
    assert not PostImage.objects.exists()


# --- lengths ----------------------------------------------------------------------------------


def test_the_api_refuses_a_text_no_chosen_channel_can_carry(api: Any, org: Any) -> None:
    fake = fake_account(org)  # 60 characters, threads of at most 3 parts
    data = {"text": "sana " * 60, "accounts": [str(fake.public_id)]}
    response = _post_json(f"{ORG}/posts", data, api())
    assert response.status_code == 422
    assert "Fakebook" in response.json()["detail"]
    assert not Post.objects.exists()


def test_the_api_refuses_a_variant_its_channel_cannot_carry(
    api: Any, org: Any, feed_account: Any
) -> None:
    fake = fake_account(org)
    data = {
        "text": "Lyhyt",
        "accounts": [str(fake.public_id), str(feed_account.public_id)],
        "variants": {str(fake.public_id): "pitkä " * 60},
    }
    assert _post_json(f"{ORG}/posts", data, api()).status_code == 422


def test_the_compose_form_refuses_a_text_the_channel_cannot_carry(
    client_for: Any, org: Any
) -> None:
    fake = fake_account(org)
    response = client_for("editor").post(NEW, _form("sana " * 60, fake))
    assert response.status_code == 400
    assert "Fakebook" in " ".join(response.context["form"].errors["text"])


# --- images -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(100_000, 100_000), (10_000, 10_000)])
def test_a_decompression_bomb_image_gets_a_clear_400(
    client_for: Any, feed_account: Any, width: int, height: int
) -> None:
    bomb = _png_claiming(width, height)
    assert len(bomb) < 1000
    upload = SimpleUploadedFile("pommi.png", bomb, content_type="image/png")
    data = _form("Kuva", feed_account, **{"image-0-file": upload, "image-0-alt_text": "Kuva"})
    response = client_for("editor").post(NEW, data)
    assert response.status_code == 400
    assert "pommi.png" in " ".join(response.context["extra_errors"])
    assert not PostImage.objects.exists()


def test_an_image_over_kaikus_own_cap_is_refused_without_any_channel(
    client_for: Any, settings: Any
) -> None:
    settings.KAIKU_IMAGE_MAX_BYTES = 200
    upload = SimpleUploadedFile("iso.png", png_bytes(60, 60, noise=1), content_type="image/png")
    data = _form("Kuva", **{"image-0-file": upload, "image-0-alt_text": "Kohinaa"})
    response = client_for("editor").post(NEW, data)
    assert response.status_code == 400
    assert "iso.png" in " ".join(response.context["extra_errors"])
    assert not PostImage.objects.exists()


@pytest.mark.parametrize("name", ["kuva.jpg", "sivu.html", "ilman-päätettä"])
def test_the_stored_name_takes_the_extension_of_the_detected_type(
    client_for: Any, feed_account: Any, name: str
) -> None:
    upload = SimpleUploadedFile(name, png_bytes(), content_type="image/jpeg")
    data = _form("Kuva", feed_account, **{"image-0-file": upload, "image-0-alt_text": "Kuva"})
    assert client_for("editor").post(NEW, data).status_code == 302
    image = PostImage.objects.get()
    assert image.mime == "image/png"
    assert str(image.file.name).endswith(".png")


# --- reply_to -----------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["ftp://example.org/x", "javascript:alert(1)", "file:///etc"])
def test_reply_to_is_taken_only_as_an_http_address(
    client_for: Any, feed_account: Any, address: str
) -> None:
    response = client_for("editor").post(NEW, _form("Vastaus", feed_account, reply_to=address))
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_an_https_reply_to_is_kept(client_for: Any, org: Any) -> None:
    from kaiku.connections.models import ChannelAccount

    # A Mastodon account: a reply to a fediverse post can go there (the own feed cannot reply).
    mastodon = ChannelAccount.objects.create(
        organisation=org,
        platform="mastodon",
        handle="@toivonpolku@mastodon.example",
        base_url="https://mastodon.example",
    )
    data = _form("Vastaus", mastodon, reply_to="https://mastodon.example/@a/1")
    assert client_for("editor").post(NEW, data).status_code == 302
    assert Post.objects.get().reply_to_url == "https://mastodon.example/@a/1"


# --- the calendar's move -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "local", [datetime(9999, 12, 31, 23, 0), datetime(1, 1, 1, 0, 0), datetime(2999, 1, 1, 9, 0)]
)
def test_moving_a_post_in_the_calendar_out_of_range_is_refused(
    org: Any, members: Any, feed_account: Any, rf_request: Any, local: datetime
) -> None:
    from zoneinfo import ZoneInfo

    from kaiku.calendar import services as cs
    from tests.posts.test_calendar_views import hel, schedule

    post = schedule(org, members["editor"], feed_account, hel(2030, 5, 1, 9, 0))
    with pytest.raises(cs.MoveError):
        cs.move(post, local, ZoneInfo("Europe/Helsinki"), rf_request)
    post.refresh_from_db()
    assert post.scheduled_at == hel(2030, 5, 1, 9, 0)
