"""The compose page: drafts, sending, local times, images, previews and the link card."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kaiku.jobs.models import Job
from kaiku.posts import linkcards
from kaiku.posts.models import Post, PostImage
from kaiku.publishing.models import Delivery
from tests.posts.view_helpers import fake_account, install_fake, jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db

NEW = "/o/toivon-polku/posts/new/"
PREVIEW = "/o/toivon-polku/posts/preview/"
LINK = "/o/toivon-polku/posts/link-preview/"


@pytest.fixture(autouse=True)
def _fake(monkeypatch: Any) -> None:
    install_fake(monkeypatch)


def _form(
    text: str = "Avoimet ovet torstaina klo 14.", *accounts: Any, **extra: Any
) -> dict[str, Any]:
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


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("editor", 200), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_roles_that_edit_posts_may_open_the_compose_page(
    client_for: Any, who: str, status: int
) -> None:
    assert client_for(who).get(NEW).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("editor", 200), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_roles_that_edit_posts_may_use_the_preview_partial(
    client_for: Any, who: str, status: int
) -> None:
    assert client_for(who).post(PREVIEW, {"text": "Hei"}).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("editor", 200), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_roles_that_edit_posts_may_use_the_link_preview(
    client_for: Any, who: str, status: int
) -> None:
    assert client_for(who).post(LINK, {"link": ""}).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("editor", 200), ("reviewer", 403), ("viewer", 403), ("outsider", 404)],
)
def test_only_roles_that_edit_posts_may_open_the_edit_page(
    client_for: Any, org: Any, members: Any, who: str, status: int
) -> None:
    post = Post.objects.create(organisation=org, author=members["editor"], text="Luonnos")
    url = f"/o/toivon-polku/posts/{post.public_id}/edit/"
    assert client_for(who).get(url).status_code == status


def test_saving_a_draft_keeps_it_a_draft_with_its_channels_and_own_texts(
    client_for: Any, org: Any, feed_account: Any
) -> None:
    fake = fake_account(org)
    data = _form("Pääteksti", feed_account, fake, **{f"variant_{fake.pk}": "Oma teksti"})
    response = client_for("editor").post(NEW, data)
    post = Post.objects.get(organisation=org)
    assert response.status_code == 302
    assert response["Location"] == f"/o/toivon-polku/posts/{post.public_id}/edit/"
    assert post.state == Post.State.DRAFT
    overrides = {d.account_id: d.text_override for d in post.deliveries.all()}
    assert overrides == {feed_account.pk: "", fake.pk: "Oma teksti"}
    assert not Job.objects.exists()


def test_the_edit_page_shows_the_saved_draft(client_for: Any, org: Any, feed_account: Any) -> None:
    fake = fake_account(org)
    client_for("editor").post(
        NEW, _form("Tallennettu luonnos", fake, **{f"variant_{fake.pk}": "Oma"})
    )
    post = Post.objects.get()
    html = (
        client_for("editor").get(f"/o/toivon-polku/posts/{post.public_id}/edit/").content.decode()
    )
    assert "Tallennettu luonnos" in html
    boxes = re.findall(
        r'<input type="checkbox" name="accounts" value="(\d+)"[^>]*?( checked)?>', html
    )
    assert sorted(boxes) == sorted([(str(fake.pk), " checked"), (str(feed_account.pk), "")])
    assert "Oma</textarea>" in html


def test_sending_a_post_schedules_its_deliveries_and_says_so(
    client_for: Any, org: Any, feed_account: Any
) -> None:
    response = client_for("editor").post(NEW, _form("Tervetuloa!", feed_account, action="send"))
    post = Post.objects.get()
    assert response["Location"] == f"/o/toivon-polku/posts/{post.public_id}/"
    assert post.state == Post.State.SCHEDULED
    delivery = post.deliveries.get()
    assert delivery.state == Delivery.State.SCHEDULED
    assert Job.objects.filter(unique_key=f"publish:{delivery.pk}").exists()


def test_sending_without_a_channel_is_refused(client_for: Any, feed_account: Any) -> None:
    response = client_for("editor").post(NEW, _form("Tervetuloa!", action="send"))
    assert response.status_code == 400
    assert response.context["extra_errors"]
    assert not Post.objects.exists()


def test_a_post_revealing_a_client_goes_to_review_and_says_why(
    client_for: Any, feed_account: Any
) -> None:
    text = "Asiakkaamme Matti Virtanen sairastaa masennusta ja kertoi tarinansa."
    response = client_for("editor").post(NEW, _form(text, feed_account, action="send"), follow=True)
    post = Post.objects.get()
    assert post.state == Post.State.IN_REVIEW
    assert post.review_required_reason == "privacy_block"
    assert len(list(response.context["messages"])) == 1
    assert not Job.objects.filter(kind="posts.publish").exists()


def test_an_organisation_rule_sends_every_post_to_review(
    client_for: Any, org: Any, feed_account: Any
) -> None:
    org.approval_required = True
    org.save()
    client_for("editor").post(NEW, _form("Tervetuloa!", feed_account, action="send"))
    post = Post.objects.get()
    assert post.state == Post.State.IN_REVIEW
    assert post.review_required_reason == "organisation_rule"


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2030-07-01T12:00", datetime(2030, 7, 1, 9, 0, tzinfo=UTC)),  # summer: UTC+3
        ("2030-01-15T12:00", datetime(2030, 1, 15, 10, 0, tzinfo=UTC)),  # winter: UTC+2
        # 03:30 happens twice on 27 October: the first (summer time) is meant.
        ("2030-10-27T03:30", datetime(2030, 10, 27, 0, 30, tzinfo=UTC)),
    ],
)
def test_publish_at_is_read_in_helsinki_time_across_daylight_saving(
    client_for: Any, feed_account: Any, local: str, utc: datetime
) -> None:
    client_for("editor").post(NEW, _form("Ajastettu", feed_account, publish_at=local))
    assert Post.objects.get().scheduled_at == utc


def test_a_time_skipped_when_clocks_move_forward_is_refused(
    client_for: Any, feed_account: Any
) -> None:
    response = client_for("editor").post(
        NEW, _form("Ajastettu", feed_account, publish_at="2030-03-31T03:30")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["publish_at"]
    assert not Post.objects.exists()


def test_publish_at_uses_the_persons_own_time_zone(
    client_for: Any, members: Any, feed_account: Any
) -> None:
    members["editor"].time_zone = "Europe/Stockholm"
    members["editor"].save()
    client_for("editor").post(NEW, _form("Ajastettu", feed_account, publish_at="2030-07-01T12:00"))
    assert Post.objects.get().scheduled_at == datetime(2030, 7, 1, 10, 0, tzinfo=UTC)


def test_a_time_in_the_past_is_refused(client_for: Any, feed_account: Any) -> None:
    response = client_for("editor").post(
        NEW, _form("Myöhässä", feed_account, publish_at="2020-01-01T12:00")
    )
    assert response.status_code == 400


def test_a_repeating_post_keeps_its_rule(client_for: Any, feed_account: Any) -> None:
    client_for("editor").post(
        NEW,
        _form(
            "Joka viikko",
            feed_account,
            publish_at="2030-07-01T12:00",
            repeat="weekly",
            repeat_until="2030-08-01",
        ),
    )
    post = Post.objects.get()
    assert post.repeat == "weekly"
    assert str(post.repeat_until) == "2030-08-01"


def test_an_image_without_alt_text_is_refused(client_for: Any, feed_account: Any) -> None:
    upload = SimpleUploadedFile("kuva.png", png_bytes(), content_type="image/png")
    response = client_for("editor").post(
        NEW, _form("Kuva", feed_account, **{"image-0-file": upload})
    )
    assert response.status_code == 400
    assert response.context["image_forms"][0].errors["alt_text"]
    assert not PostImage.objects.exists()


def test_an_image_with_alt_text_is_stored_with_its_real_type_and_size(
    client_for: Any, feed_account: Any
) -> None:
    # The browser's claimed type is not trusted: Pillow reads the file.
    upload = SimpleUploadedFile("kuva.png", png_bytes(4, 3), content_type="image/jpeg")
    data = _form("Kuva", feed_account, **{"image-0-file": upload, "image-0-alt_text": "Kahvikuppi"})
    assert client_for("editor").post(NEW, data).status_code == 302
    image = PostImage.objects.get()
    assert (image.mime, image.width, image.height, image.alt_text) == (
        "image/png",
        4,
        3,
        "Kahvikuppi",
    )


def test_an_image_a_platform_does_not_take_is_refused_naming_the_platform(
    client_for: Any, org: Any
) -> None:
    fake = fake_account(org)
    jpeg = SimpleUploadedFile("kuva.jpg", jpeg_bytes(), content_type="image/jpeg")
    big = SimpleUploadedFile("iso.png", png_bytes(60, 60, noise=1), content_type="image/png")
    data = _form(
        "Kuvia",
        fake,
        **{
            "image-0-file": jpeg,
            "image-0-alt_text": "Punainen neliö",
            "image-1-file": big,
            "image-1-alt_text": "Kohinaa",
        },
    )
    response = client_for("editor").post(NEW, data)
    assert response.status_code == 400
    errors = response.context["extra_errors"]
    assert len(errors) == 3  # too many images, wrong type, too big
    assert all("Fakebook" in e for e in errors)
    assert not PostImage.objects.exists()


def test_existing_images_keep_their_alt_text_and_can_be_removed(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    upload = SimpleUploadedFile("kuva.png", png_bytes(), content_type="image/png")
    client = client_for("editor")
    client.post(
        NEW, _form("Kuva", feed_account, **{"image-0-file": upload, "image-0-alt_text": "A"})
    )
    post = Post.objects.get()
    image = post.images.get()
    url = f"/o/toivon-polku/posts/{post.public_id}/edit/"
    client.post(url, _form("Kuva", feed_account, **{f"existing_alt_{image.pk}": "Uusi kuvaus"}))
    image.refresh_from_db()
    assert image.alt_text == "Uusi kuvaus"
    missing = client.post(url, _form("Kuva", feed_account, **{f"existing_alt_{image.pk}": ""}))
    assert missing.status_code == 400
    client.post(
        url,
        _form(
            "Kuva",
            feed_account,
            **{f"existing_alt_{image.pk}": "x", f"remove_image_{image.pk}": "on"},
        ),
    )
    assert not post.images.exists()


def test_a_post_that_went_out_cannot_be_edited(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    post = Post.objects.create(
        organisation=org, author=members["editor"], text="Lähti jo", state=Post.State.DONE
    )
    Delivery.objects.create(post=post, account=feed_account, state=Delivery.State.PUBLISHED)
    url = f"/o/toivon-polku/posts/{post.public_id}/edit/"
    response = client_for("editor").post(url, _form("Muutettu", feed_account))
    assert response.status_code == 302
    assert response["Location"] == f"/o/toivon-polku/posts/{post.public_id}/"
    post.refresh_from_db()
    assert post.text == "Lähti jo"


def test_a_deleted_or_foreign_post_is_not_found(
    client_for: Any, org: Any, other_org: Any, members: Any
) -> None:
    deleted = Post.objects.create(
        organisation=org, author=members["editor"], text="x", deleted_at=timezone.now()
    )
    foreign = Post.objects.create(organisation=other_org, text="y")
    for post in (deleted, foreign):
        url = f"/o/toivon-polku/posts/{post.public_id}/edit/"
        assert client_for("editor").get(url).status_code == 404


def test_the_compose_page_wires_the_live_check_to_the_check_partial(
    client_for: Any, org: Any
) -> None:
    fake_account(org)
    html = client_for("editor").get(NEW).content.decode()
    assert 'hx-post="/o/toivon-polku/check/partial/"' in html
    # "input", not "keyup": a clicked suggestion changes the text without a key.
    assert "input changed delay:400ms from:#id_text" in html
    # The link and the chosen accounts too: the length is measured as each platform gets it.
    assert (
        'hx-include="#id_text, #id_check_changes, #id_channel_list, #id_link, #id_image_count, '
        '[name=accounts]"' in html
    )
    assert 'hx-target="#check-results"' in html


def test_the_preview_shows_thread_parts_with_a_counter_each(client_for: Any, org: Any) -> None:
    fake = fake_account(org)  # 60 characters, threads of at most 3 parts
    text = "Ensimmäinen lause on tässä. Toinen lause tulee perään. Kolmas lause päättää."
    response = client_for("editor").post(PREVIEW, {"text": text, "accounts": [fake.pk]})
    preview = response.context["previews"][0]
    assert len(preview.parts) == 2
    assert all(p.length <= 60 and not p.over for p in preview.parts)
    html = response.content.decode()
    assert "1/2" in html
    assert f"{preview.parts[0].length} / 60" in html
    assert 'id="id_channel_list" value="mastodon" hx-swap-oob="true"' in html
    assert response["HX-Trigger-After-Settle"] == "channels-changed"


def test_the_preview_marks_a_thread_too_long_for_the_platform(client_for: Any, org: Any) -> None:
    fake = fake_account(org)
    text = " ".join(f"Lause numero {i} on tässä." for i in range(12))
    response = client_for("editor").post(
        PREVIEW, {"text": text, "accounts": [fake.pk], "channel_list": "mastodon"}
    )
    preview = response.context["previews"][0]
    assert preview.too_many_parts
    assert preview.over
    assert 'class="thread-part over"' in response.content.decode()
    assert "HX-Trigger-After-Settle" not in response  # the channels did not change


def test_the_preview_uses_a_channels_own_text(client_for: Any, org: Any) -> None:
    fake = fake_account(org)
    response = client_for("editor").post(
        PREVIEW, {"text": "Yhteinen", "accounts": [fake.pk], f"variant_{fake.pk}": "Oma versio"}
    )
    assert response.context["previews"][0].parts[0].text == "Oma versio"


def test_the_preview_shows_the_link_card_where_the_platform_needs_kaiku_to_build_it(
    client_for: Any, org: Any, feed_account: Any
) -> None:
    fake = fake_account(org)
    response = client_for("editor").post(
        PREVIEW,
        {
            "text": "Lue lisää",
            "accounts": [fake.pk, feed_account.pk],
            "link": "https://example.org/tapahtuma",
            "link_title": "Avoimet ovet",
        },
    )
    html = response.content.decode()
    assert html.count("link-card-preview") == 1  # the fake platform, not the own feed
    assert "Avoimet ovet" in html


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/image":
            body, kind = b"\x89PNG....", "image/png"
        else:
            body = (
                "<html><head><title>Varatitle</title>"
                '<meta property="og:title" content="Avoimet ovet &amp; kahvit">'
                '<meta property="og:description" content="Tule tutustumaan torstaina.">'
                "</head><body>" + "x" * 2_000_000 + "</body></html>"
            ).encode()
            kind = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The client stops reading at its size cap.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def page_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_fetching_the_link_preview_reads_the_pages_open_graph_tags(
    client_for: Any, page_server: str
) -> None:
    response = client_for("editor").post(LINK, {"link": page_server + "/tapahtuma"})
    assert response.context["link_title"] == "Avoimet ovet & kahvit"
    assert response.context["link_description"] == "Tule tutustumaan torstaina."
    assert response["HX-Trigger-After-Settle"] == "link-card-changed"


def test_a_link_that_is_not_a_web_page_gives_a_message_not_an_error(
    client_for: Any, page_server: str
) -> None:
    response = client_for("editor").post(LINK, {"link": page_server + "/image"})
    assert response.status_code == 200
    assert response.context["problem"]
    assert not response.context["fetched"]


def test_the_fetch_preview_button_works_without_javascript(
    client_for: Any, feed_account: Any, page_server: str
) -> None:
    data = _form("Linkki", feed_account, link=page_server + "/tapahtuma", action="fetch_link")
    response = client_for("editor").post(NEW, data)
    assert response.status_code == 200
    assert 'value="Avoimet ovet &amp; kahvit"' in response.content.decode()
    assert not Post.objects.exists()


def test_the_link_card_is_stored_with_the_post(client_for: Any, feed_account: Any) -> None:
    data = _form(
        "Linkki",
        feed_account,
        link="https://example.org/a",
        link_title="Otsikko",
        link_description="Kuvaus",
    )
    client_for("editor").post(NEW, data)
    assert Post.objects.get().link_card == {"title": "Otsikko", "description": "Kuvaus"}


def test_the_link_card_parser_reads_at_most_the_head() -> None:
    card = linkcards.parse(
        "<html><head><title> Vain\n otsikko </title><meta name=description content='Kuvaus'>"
        "</head><body><meta property='og:title' content='Ei tämä'></body></html>"
    )
    assert card.title == "Vain otsikko"
    assert card.description == "Kuvaus"


def test_sent_post_time_in_the_message_is_local(client_for: Any, feed_account: Any) -> None:
    when = (timezone.now() + timedelta(days=3)).astimezone(timezone.get_current_timezone())
    local = when.strftime("%Y-%m-%dT%H:%M")
    response = client_for("editor").post(
        NEW, _form("Myöhemmin", feed_account, publish_at=local, action="send"), follow=True
    )
    message = str(next(iter(response.context["messages"])))
    assert f"{when.day}.{when.month}.{when.year} {when.hour:02d}.{when.minute:02d}" in message


def test_a_reply_started_from_the_watch_is_prefilled_and_saved(
    client_for: Any, members: Any, org: Any
) -> None:
    from kaiku.connections.models import ChannelAccount
    from kaiku.posts.models import Post

    # A Mastodon account: a reply to a fediverse post can go there (the own feed cannot reply).
    mastodon = ChannelAccount.objects.create(
        organisation=org,
        platform="mastodon",
        handle="@toivonpolku@mastodon.example",
        base_url="https://mastodon.example",
    )
    client = client_for("editor")
    url = "https://mastodon.example/@someone/1234"
    page = client.get("/o/toivon-polku/posts/new/", {"reply_to": url, "text": "Hyvä huomio!"})
    html = page.content.decode()
    assert 'id="reply-context"' in html and url in html and "Hyvä huomio!" in html
    bad = client.get("/o/toivon-polku/posts/new/", {"reply_to": "javascript:alert(1)"})
    assert "javascript:alert" not in bad.content.decode()
    client.post("/o/toivon-polku/posts/new/", _form("Hyvä huomio!", mastodon, reply_to=url))
    assert Post.objects.get().reply_to_url == url


@pytest.mark.parametrize(
    ("platform", "url", "reason"),
    [
        # The own feed has no replies at all.
        ("feed", "https://mastodon.example/@someone/1234", "ei voi julkaista vastausta"),
        # Instagram, Facebook Pages and LinkedIn: Kaiku cannot publish replies there.
        ("instagram", "https://www.instagram.com/p/abc/", "ei voi julkaista vastausta"),
        ("facebook", "https://www.facebook.com/123/posts/456", "ei voi julkaista vastausta"),
        ("linkedin", "https://www.linkedin.com/feed/update/urn:li:share:1/", "ei voi"),
        # The id in another platform's address would point at an unrelated post.
        ("x", "https://mastodon.example/@someone/1234", "ei ole tässä palvelussa"),
        ("mastodon", "https://x.com/someone/status/1234", "ei ole tässä palvelussa"),
        ("threads", "https://bsky.app/profile/a.bsky.social/post/3kabc", "ei ole tässä"),
        ("bluesky", "https://www.threads.com/@joku/post/C0ffee", "ei ole tässä"),
    ],
)
def test_a_reply_to_a_post_the_channel_cannot_reply_to_is_refused_with_the_reason(
    client_for: Any, members: Any, org: Any, platform: str, url: str, reason: str
) -> None:
    from kaiku.connections.models import ChannelAccount
    from kaiku.posts.models import Post

    account = ChannelAccount.objects.create(
        organisation=org,
        platform=platform,
        handle="@toivonpolku",
        settings={"organisation": org.slug},
    )
    response = client_for("editor").post(
        "/o/toivon-polku/posts/new/", _form("Hyvä huomio!", account, reply_to=url)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vastaus ei voi mennä kanavalle" in html
    assert reason in html
    assert not Post.objects.exists()  # nothing saved, so nothing can go out as a new post


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        ("x", "https://x.com/joku/status/1234567890"),
        ("mastodon", "https://toinen.example/@joku/1234"),
        ("threads", "https://www.threads.com/@joku/post/C0ffee"),
        ("bluesky", "https://bsky.app/profile/joku.bsky.social/post/3kabcdefgh2x"),
    ],
)
def test_a_reply_to_a_post_of_the_channel_s_own_platform_is_saved(
    client_for: Any, members: Any, org: Any, platform: str, url: str
) -> None:
    from kaiku.connections.models import ChannelAccount
    from kaiku.posts.models import Post

    account = ChannelAccount.objects.create(
        organisation=org, platform=platform, handle="@toivonpolku"
    )
    response = client_for("editor").post(
        "/o/toivon-polku/posts/new/", _form("Hyvä huomio!", account, reply_to=url)
    )
    assert response.status_code == 302
    assert Post.objects.get().reply_to_url == url
