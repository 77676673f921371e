"""The posts list, a post's page and its actions, and review (the dashboard: tests/core)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaiku.connections.models import ChannelAccount
from kaiku.jobs.models import Job
from kaiku.organisations.models import AuditEvent
from kaiku.posts import services
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery
from tests.posts.conftest import run_jobs
from tests.posts.view_helpers import fake_account, install_fake, stamp_as_checked

pytestmark = pytest.mark.django_db

LIST = "/o/toivon-polku/posts/"
REVIEW = "/o/toivon-polku/review/"


@pytest.fixture(autouse=True)
def _fake(monkeypatch: Any) -> None:
    install_fake(monkeypatch)


def _post(org: Any, author: Any, account: Any, **kw: Any) -> Post:
    delivery_state = kw.pop("delivery_state", Delivery.State.SCHEDULED)
    delivery_kw = kw.pop("delivery", {})
    post = Post.objects.create(
        organisation=org, author=author, text=kw.pop("text", "Tervetuloa kahville!"), **kw
    )
    delivery = Delivery.objects.create(
        post=post, account=account, state=delivery_state, **delivery_kw
    )
    stamp_as_checked(delivery)
    return post


def _url(post: Post, action: str = "") -> str:
    return f"/o/toivon-polku/posts/{post.public_id}/" + (f"{action}/" if action else "")


def _sent(org: Any, members: Any, account: Any, rf_request: Any, text: str) -> Post:
    post = services.save_draft(
        org, members["editor"], services.Draft(text=text, accounts=[account])
    )
    services.submit(post, rf_request)
    return post


# --- permissions ---------------------------------------------------------------------------

EVERY_MEMBER = [
    ("admin", 200),
    ("editor", 200),
    ("reviewer", 200),
    ("viewer", 200),
    ("outsider", 404),
]
EDITORS = [("admin", 302), ("editor", 302), ("reviewer", 403), ("viewer", 403), ("outsider", 404)]
REVIEWERS = [("admin", 302), ("editor", 403), ("reviewer", 302), ("viewer", 403), ("outsider", 404)]


@pytest.mark.parametrize(("who", "status"), EVERY_MEMBER)
def test_every_member_sees_the_posts_list(client_for: Any, who: str, status: int) -> None:
    assert client_for(who).get(LIST).status_code == status


@pytest.mark.parametrize(("who", "status"), EVERY_MEMBER)
def test_every_member_sees_a_posts_page(
    client_for: Any, org: Any, members: Any, feed_account: Any, who: str, status: int
) -> None:
    post = _post(org, members["editor"], feed_account)
    assert client_for(who).get(_url(post)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("editor", 403), ("reviewer", 200), ("viewer", 403), ("outsider", 404)],
)
def test_only_reviewers_see_the_review_list(client_for: Any, who: str, status: int) -> None:
    assert client_for(who).get(REVIEW).status_code == status


@pytest.mark.parametrize(("who", "status"), EDITORS)
def test_only_editors_may_retry_a_delivery(
    client_for: Any, org: Any, members: Any, feed_account: Any, who: str, status: int
) -> None:
    post = _post(org, members["editor"], feed_account, delivery_state=Delivery.State.FAILED)
    delivery = post.deliveries.get()
    response = client_for(who).post(_url(post, f"deliveries/{delivery.public_id}/retry"))
    assert response.status_code == status


@pytest.mark.parametrize(("who", "status"), EDITORS)
def test_only_editors_may_delete_a_post(
    client_for: Any, org: Any, members: Any, feed_account: Any, who: str, status: int
) -> None:
    post = _post(org, members["editor"], feed_account)
    assert client_for(who).post(_url(post, "delete")).status_code == status
    post.refresh_from_db()
    assert (post.deleted_at is not None) == (status == 302)


@pytest.mark.parametrize(("who", "status"), EDITORS)
def test_only_editors_may_reschedule_a_post(
    client_for: Any, org: Any, members: Any, feed_account: Any, who: str, status: int
) -> None:
    post = _post(org, members["editor"], feed_account, state=Post.State.SCHEDULED)
    response = client_for(who).post(_url(post, "reschedule"), {"publish_at": "2030-07-01T12:00"})
    assert response.status_code == status


@pytest.mark.parametrize(("who", "status"), REVIEWERS)
def test_only_reviewers_may_approve(
    client_for: Any, org: Any, members: Any, feed_account: Any, who: str, status: int
) -> None:
    post = _post(
        org,
        members["editor"],
        feed_account,
        state=Post.State.IN_REVIEW,
        review_required_reason="organisation_rule",
        delivery_state=Delivery.State.IN_REVIEW,
    )
    assert client_for(who).post(_url(post, "approve")).status_code == status


@pytest.mark.parametrize(("who", "status"), REVIEWERS)
def test_only_reviewers_may_send_a_post_back(
    client_for: Any, org: Any, members: Any, feed_account: Any, who: str, status: int
) -> None:
    post = _post(
        org,
        members["editor"],
        feed_account,
        state=Post.State.IN_REVIEW,
        delivery_state=Delivery.State.IN_REVIEW,
    )
    assert client_for(who).post(_url(post, "send-back")).status_code == status


def test_a_post_of_another_organisation_is_not_found(
    client_for: Any, other_org: Any, members: Any
) -> None:
    account = ChannelAccount.objects.create(organisation=other_org, platform="feed", handle="muu")
    post = _post(other_org, None, account)
    assert client_for("admin").get(_url(post)).status_code == 404


# --- the list -----------------------------------------------------------------------------


def test_the_posts_list_puts_each_post_in_its_section_with_delivery_badges(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    author = members["editor"]
    _post(org, author, feed_account, text="Tuleva", state=Post.State.SCHEDULED)
    _post(
        org,
        author,
        feed_account,
        text="Tarkastettava",
        state=Post.State.IN_REVIEW,
        delivery_state=Delivery.State.IN_REVIEW,
    )
    _post(org, author, feed_account, text="Luonnos", delivery_state=Delivery.State.DRAFT)
    _post(
        org,
        author,
        feed_account,
        text="Lähetetty",
        state=Post.State.DONE,
        delivery_state=Delivery.State.PUBLISHED,
    )
    _post(
        org,
        author,
        feed_account,
        text="Epäonnistui",
        state=Post.State.DONE,
        delivery_state=Delivery.State.FAILED,
    )
    _post(org, author, feed_account, text="Poistettu", deleted_at=timezone.now())
    response = client_for("viewer").get(LIST)
    sections = {s["key"]: [p.text for p in s["posts"]] for s in response.context["sections"]}
    assert sections == {
        "failed": ["Epäonnistui"],
        "upcoming": ["Tuleva"],
        "review": ["Tarkastettava"],
        "drafts": ["Luonnos"],
        "sent": ["Lähetetty"],
    }
    html = response.content.decode()
    assert 'class="badge bad" data-state="failed"' in html
    assert 'class="badge ok" data-state="published"' in html
    assert "Poistettu" not in html


def test_the_posts_list_makes_the_same_number_of_queries_however_many_posts(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    client = client_for("viewer")
    fake = fake_account(org)

    def add_posts(n: int) -> None:
        for state in (Post.State.SCHEDULED, Post.State.DRAFT, Post.State.DONE):
            for _ in range(n):
                post = _post(org, members["editor"], feed_account, state=state)
                Delivery.objects.create(post=post, account=fake)

    add_posts(1)
    assert client.get(LIST).status_code == 200  # the first visit records the organisation
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    add_posts(8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) == len(few)


# --- a post's page and its actions ----------------------------------------------------------


def test_a_failed_delivery_shows_its_reason_and_retry_sends_it_again(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    post = _post(
        org,
        members["editor"],
        feed_account,
        state=Post.State.DONE,
        delivery_state=Delivery.State.FAILED,
        delivery={"last_error_code": "invalid", "last_error_detail": "bad hashtag", "attempts": 3},
    )
    client = client_for("editor")
    html = client.get(_url(post)).content.decode()
    assert "bad hashtag" in html  # the reason in words, with the platform's own detail
    assert "/retry/" in html
    delivery = post.deliveries.get()
    response = client.post(_url(post, f"deliveries/{delivery.public_id}/retry"))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SCHEDULED
    assert delivery.attempts == 0
    assert Job.objects.filter(unique_key=f"publish:{delivery.pk}").exists()
    run_jobs()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED


def test_retrying_a_delivery_that_did_not_fail_changes_nothing(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    post = _post(org, members["editor"], feed_account, delivery_state=Delivery.State.PUBLISHED)
    delivery = post.deliveries.get()
    response = client_for("editor").post(
        _url(post, f"deliveries/{delivery.public_id}/retry"), follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED


def test_the_viewer_sees_no_retry_or_delete_buttons(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    post = _post(org, members["editor"], feed_account, delivery_state=Delivery.State.FAILED)
    html = client_for("viewer").get(_url(post)).content.decode()
    assert "/retry/" not in html
    assert "/delete/" not in html


def test_a_held_delivery_says_it_waits_for_reconnection(
    client_for: Any, org: Any, members: Any
) -> None:
    account = fake_account(org, status=ChannelAccount.Status.NEEDS_RECONNECT)
    post = _post(
        org,
        members["editor"],
        account,
        delivery={"held": True, "last_error_code": "account_needs_reconnect"},
    )
    response = client_for("viewer").get(_url(post))
    row = response.context["deliveries"][0]
    assert row["badge"] == "warn"
    assert row["error"]
    assert 'class="notice"' in response.content.decode()


def test_a_published_delivery_links_to_the_published_post(
    client_for: Any, org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    post = _sent(org, members, feed_account, rf_request, "Julkaistaan heti")
    run_jobs()
    delivery = post.deliveries.get()
    assert delivery.state == Delivery.State.PUBLISHED
    html = client_for("viewer").get(_url(post)).content.decode()
    assert f'href="{delivery.remote_url}"' in html


def test_deleting_a_post_says_which_deliveries_had_already_gone_out(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    fake = fake_account(org)
    post = _post(org, members["editor"], feed_account, delivery_state=Delivery.State.PUBLISHED)
    waiting = Delivery.objects.create(post=post, account=fake, state=Delivery.State.SCHEDULED)
    response = client_for("editor").post(_url(post, "delete"), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    [message] = list(response.context["messages"])
    assert message.level_tag == "warning"
    assert "Kaiku-syöte" in str(message)
    assert "Fakebook" not in str(message)
    waiting.refresh_from_db()
    assert waiting.state == Delivery.State.CANCELLED
    assert client_for("editor").get(_url(post)).status_code == 404


def test_rescheduling_moves_the_waiting_deliveries_to_the_new_local_time(
    client_for: Any, org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    later = timezone.now() + timedelta(days=1)
    post = services.save_draft(
        org,
        members["editor"],
        services.Draft(text="Ajastettu", accounts=[feed_account], scheduled_at=later),
    )
    services.submit(post, rf_request)
    response = client_for("editor").post(
        _url(post, "reschedule"), {"publish_at": "2030-07-01T12:00"}
    )
    assert response.status_code == 302
    new = datetime(2030, 7, 1, 9, 0, tzinfo=UTC)
    post.refresh_from_db()
    assert post.scheduled_at == new
    assert post.deliveries.get().due_at == new
    assert AuditEvent.objects.filter(action="post.rescheduled").exists()


def test_rescheduling_to_a_time_that_does_not_exist_shows_the_error(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    post = _post(org, members["editor"], feed_account, state=Post.State.SCHEDULED)
    response = client_for("editor").post(
        _url(post, "reschedule"), {"publish_at": "2030-03-31T03:30"}
    )
    assert response.status_code == 400
    assert response.context["reschedule_form"].errors["publish_at"]


# --- review -------------------------------------------------------------------------------


def _in_review(
    org: Any, members: Any, account: Any, rf_request: Any, text: str = "Tervetuloa!"
) -> Post:
    org.approval_required = True
    org.save()
    post = _sent(org, members, account, rf_request, text)
    assert post.state == Post.State.IN_REVIEW or Post.objects.get(pk=post.pk).state == "in_review"
    return Post.objects.get(pk=post.pk)


def test_the_review_list_shows_posts_waiting_and_why(
    client_for: Any, org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    _in_review(org, members, feed_account, rf_request, "Odottaa tarkastusta")
    response = client_for("reviewer").get(REVIEW)
    [row] = response.context["posts"]
    assert row["post"].text == "Odottaa tarkastusta"
    assert row["why"]


def test_a_reviewer_approves_a_post_and_it_is_scheduled(
    client_for: Any, org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    post = _in_review(org, members, feed_account, rf_request)
    response = client_for("reviewer").post(_url(post, "approve"), {"reason": ""})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED
    assert post.approved_by == members["reviewer"]
    assert AuditEvent.objects.filter(action="post.approved").exists()


def test_approving_a_privacy_finding_needs_a_reason(
    client_for: Any, org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    text = "Asiakkaamme Matti Virtanen sairastaa masennusta ja kertoi tarinansa."
    post = _sent(org, members, feed_account, rf_request, text)
    post.refresh_from_db()
    assert post.review_required_reason == "privacy_block"
    client = client_for("reviewer")
    refused = client.post(_url(post, "approve"), {"reason": "  "})
    assert refused.status_code == 400
    assert refused.context["approve_form"].errors["reason"]
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW
    client.post(_url(post, "approve"), {"reason": "Asiakkaan kirjallinen suostumus arkistossa"})
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED
    assert post.approval_reason == "Asiakkaan kirjallinen suostumus arkistossa"


def test_an_author_cannot_approve_their_own_post(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    org.approval_required = True
    org.save()
    post = services.save_draft(
        org, members["admin"], services.Draft(text="Oma julkaisu", accounts=[feed_account])
    )
    post.state = Post.State.IN_REVIEW
    post.review_required_reason = "organisation_rule"
    post.save()
    client = client_for("admin")
    assert "approve-form" not in client.get(_url(post)).content.decode()
    response = client.post(_url(post, "approve"), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW


def test_sending_back_returns_the_post_to_its_author_as_a_draft(
    client_for: Any, org: Any, members: Any, feed_account: Any, rf_request: Any
) -> None:
    post = _in_review(org, members, feed_account, rf_request)
    response = client_for("reviewer").post(_url(post, "send-back"), {"note": "Lyhennä"})
    assert response["Location"] == REVIEW
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT
    event = AuditEvent.objects.get(action="post.sent_back")
    assert event.detail["note"] == "Lyhennä"


# --- dashboard ------------------------------------------------------------------------------


def test_the_review_list_makes_the_same_number_of_queries_however_many_posts(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    client = client_for("reviewer")

    def add_posts(n: int) -> None:
        for _ in range(n):
            _post(
                org,
                members["editor"],
                feed_account,
                state=Post.State.IN_REVIEW,
                review_required_reason="organisation_rule",
                delivery_state=Delivery.State.IN_REVIEW,
            )

    add_posts(1)
    assert client.get(REVIEW).status_code == 200  # the first visit records the organisation
    with CaptureQueriesContext(connection) as few:
        assert client.get(REVIEW).status_code == 200
    add_posts(8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(REVIEW).status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize(("who", "status"), EVERY_MEMBER)
def test_a_posts_image_is_shown_to_members_only(
    client_for: Any, org: Any, members: Any, feed_account: Any, who: str, status: int
) -> None:
    from django.core.files.base import ContentFile

    from kaiku.posts.models import PostImage
    from tests.posts.view_helpers import png_bytes

    post = _post(org, members["editor"], feed_account)
    image = PostImage(post=post, mime="image/png", alt_text="Kuva")
    image.file.save("kuva.png", ContentFile(png_bytes()), save=True)
    response = client_for(who).get(f"/o/toivon-polku/posts/images/{image.pk}/")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, max-age=3600"


def test_the_posts_list_words_each_posts_time_by_its_state(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    # A published post said "Julkaistaan" (will be published) on main.
    from zoneinfo import ZoneInfo

    at = datetime(2030, 3, 4, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    author = members["editor"]
    cases = {
        "Tuleva": (Post.State.SCHEDULED, Delivery.State.SCHEDULED, "Julkaistaan 4.3.2030 10.00"),
        "Mennyt": (Post.State.DONE, Delivery.State.PUBLISHED, "Julkaistu 4.3.2030 10.00"),
        "Epäonni": (Post.State.DONE, Delivery.State.FAILED, "Piti julkaista 4.3.2030 10.00"),
        "Luonnos": (
            Post.State.DRAFT,
            Delivery.State.DRAFT,
            "Suunniteltu julkaisuaika 4.3.2030 10.00",
        ),
    }
    for text, (state, delivery_state, _words) in cases.items():
        _post(
            org, author, feed_account, text=text, state=state, scheduled_at=at,
            delivery_state=delivery_state,
        )  # fmt: skip
    page = client_for("editor").get("/o/toivon-polku/posts/").content.decode()
    for text, (_state, _delivery, words) in cases.items():
        row = re.search(rf'post-link">{text}</a>\s*<p class="small muted">\s*(.*?)</p>', page, re.S)
        assert row is not None, text
        assert words in row.group(1), (text, row.group(1))
