"""Who may approve what (issue 14.2-14.4), through the web views as the real roles:
nobody approves words they wrote or changed, a henkilötunnus is never approved, and a
one-person organisation confirms its own flagged post twice, a waiting time apart."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kaiku.organisations.models import AuditEvent, Membership, Organisation
from kaiku.posts.models import Post
from kaiku.publishing.models import Delivery
from kaiku.site.models import FeedEntry
from tests.conftest import make_user
from tests.posts.conftest import settle
from tests.posts.view_helpers import install_fake, png_bytes

pytestmark = pytest.mark.django_db

NEW = "/o/toivon-polku/posts/new/"
FLAGGED = "Asiakkaamme Matti Virtanen sairastaa masennusta."
CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


@pytest.fixture(autouse=True)
def _fake(monkeypatch: Any) -> None:
    install_fake(monkeypatch)


def _form(text: str, *accounts: Any, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": text,
        "accounts": [a.pk for a in accounts],
        "image-TOTAL_FORMS": "4",
        "image-INITIAL_FORMS": "0",
        "image-MIN_NUM_FORMS": "0",
        "image-MAX_NUM_FORMS": "4",
        "action": "send",
    }
    data.update(extra)
    return data


def _url(post: Post, action: str = "", slug: str = "toivon-polku") -> str:
    return f"/o/{slug}/posts/{post.public_id}/" + (f"{action}/" if action else "")


def _hetu(day: str, sign: str, number: str) -> str:
    return f"{day}{sign}{number}{CHECK[int(day + number) % 31]}"


# --- 14.2 nobody approves words they wrote -------------------------------------------------


@pytest.mark.parametrize("change", ["text", "variant", "alt"])
def test_an_admin_who_changed_someones_post_cannot_approve_it(
    client_for: Any, org: Any, members: Any, feed_account: Any, change: str
) -> None:
    org.approval_required = True
    org.save()
    editor, admin = client_for("editor"), client_for("admin")
    upload = SimpleUploadedFile("kuva.png", png_bytes(), content_type="image/png")
    sent = _form(
        "Avoimet ovet torstaina.",
        feed_account,
        **{"image-0-file": upload, "image-0-alt_text": "Kahvikuppi."},
    )
    assert editor.post(NEW, sent).status_code == 302
    post = Post.objects.get()
    assert post.state == Post.State.IN_REVIEW and post.author == members["editor"]
    image = post.images.get()
    edit: dict[str, Any] = {f"existing_alt_{image.pk}": "Kahvikuppi."}
    text = "Avoimet ovet torstaina."
    if change == "text":
        text = "Avoimet ovet torstaina klo 14."
    elif change == "variant":
        edit[f"variant_{feed_account.pk}"] = "Tervetuloa torstaina!"
    else:
        edit[f"existing_alt_{image.pk}"] = "Kaksi kahvikuppia."
    assert admin.post(_url(post, "edit"), _form(text, feed_account, **edit)).status_code == 302
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW
    page = admin.get(_url(post)).content.decode()
    assert "approve-form" not in page
    # The page names who changed it since the last approval.
    assert 'id="post-editors"' in page and "admin" in page.split('id="post-editors"')[1][:300]
    refused = admin.post(_url(post, "approve"), {"reason": "Tarkistettu"}, follow=True)
    assert "another reviewer must approve it" in refused.content.decode() or (
        "toisen tarkastajan" in refused.content.decode()
    )
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW and post.approved_by is None
    # Another reviewer, who changed nothing, approves.
    assert client_for("reviewer").post(_url(post, "approve"), {"reason": ""}).status_code == 302
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED and post.approved_by == members["reviewer"]


def test_an_admin_who_saved_without_changing_a_word_may_approve(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    org.approval_required = True
    org.save()
    client_for("editor").post(NEW, _form("Avoimet ovet torstaina.", feed_account))
    post = Post.objects.get()
    admin = client_for("admin")
    admin.post(_url(post, "edit"), _form("Avoimet ovet torstaina.", feed_account))
    assert admin.post(_url(post, "approve"), {"reason": ""}).status_code == 302
    post.refresh_from_db()
    assert post.approved_by == members["admin"]


def test_the_editors_are_counted_from_the_last_approval(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    org.approval_required = True
    org.save()
    later = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client_for("admin").post(NEW, _form("Kevätjuhla.", feed_account, publish_at=later))
    post = Post.objects.get()
    client_for("reviewer").post(_url(post, "approve"), {"reason": ""})
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED and not post.editors.exists()
    # The editor changes the approved post: now the admin (who changed nothing since the last
    # approval, but wrote the post) still may not; the reviewer may.
    client_for("editor").post(_url(post, "edit"), _form("Kevätjuhla la 10.", feed_account))
    post.refresh_from_db()
    assert list(post.editors.all()) == [members["editor"]]
    client_for("admin").post(_url(post, "approve"), {"reason": ""})
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW
    client_for("reviewer").post(_url(post, "approve"), {"reason": ""})
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED


# --- 14.3 a henkilötunnus is never approvable ---------------------------------------------


@pytest.mark.parametrize("sign", list("+-AUVWXYBCDEF"))
def test_a_henkilotunnus_with_any_century_sign_keeps_the_post_from_review_and_feed(
    client_for: Any, feed_account: Any, sign: str
) -> None:
    day = {"+": "010195"}.get(sign, "010195" if sign in "-UVWXY" else "010105")
    hetu = _hetu(day, sign, "234")
    response = client_for("editor").post(
        NEW, _form(f"Asiakkaan tunnus on {hetu}.", feed_account), follow=True
    )
    assert 'id="gate-hetu"' in response.content.decode()
    post = Post.objects.get()
    assert (post.state, post.review_required_reason) == ("draft", "hetu")
    settle()
    assert not FeedEntry.objects.exists()


def test_a_code_with_a_wrong_checksum_is_not_a_henkilotunnus(
    client_for: Any, feed_account: Any
) -> None:
    good = _hetu("010195", "-", "234")
    wrong = good[:-1] + ("X" if good[-1] != "X" else "Y")
    client_for("editor").post(NEW, _form(f"Tilausnumero {wrong}.", feed_account))
    assert Post.objects.get().review_required_reason == ""


def test_a_post_in_review_with_a_henkilotunnus_cannot_be_approved(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    client_for("editor").post(NEW, _form(FLAGGED, feed_account))
    post = Post.objects.get()
    assert post.state == Post.State.IN_REVIEW
    # An older post, or one changed behind the services, carries a henkilötunnus in review.
    Post.objects.filter(pk=post.pk).update(text=f"{FLAGGED} Tunnus {_hetu('241280', 'W', '555')}.")
    reviewer = client_for("reviewer")
    page = reviewer.get(_url(post)).content.decode()
    assert 'id="gate-hetu"' in page and 'id="hetu-no-approval"' in page
    assert "approve-form" not in page
    reviewer.post(_url(post, "approve"), {"reason": "Suostumus arkistossa"})
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW and post.approved_by is None
    assert not Delivery.objects.filter(state=Delivery.State.SCHEDULED).exists()


def test_in_english_the_review_texts_say_any_identity_number_not_henkilotunnus(
    client_for: Any, org: Any, members: Any, feed_account: Any
) -> None:
    """The gate refuses every country's personal identity number, so the English texts that
    tell a reviewer or an admin about it name no single country's."""
    from kaiku.accounts.models import User

    User.objects.update(language="en")
    client_for("editor").post(NEW, _form(FLAGGED, feed_account))
    post = Post.objects.get()
    # A Swedish personnummer (synthetic, valid by the Luhn rule) in a post already in review,
    # as its last check found it (the review list reads that check).
    checked = [{**row, "hetu": True} for row in post.gate_summary]
    Post.objects.filter(pk=post.pk).update(
        text=f"{FLAGGED} Nummer 880314-9874.", gate_summary=checked
    )
    reviewer = client_for("reviewer")
    page = reviewer.get(_url(post)).content.decode()
    notice = re.search(r'id="hetu-no-approval">(.*?)</p>', page)
    assert notice is not None
    assert notice.group(1) == (
        "The post holds a personal identity number, so it cannot be approved. "
        "Send it back so that the identity number is removed."
    )
    assert "Identity number: remove it" in page and "Henkilötunnus" not in page
    listed = reviewer.get("/o/toivon-polku/review/").content.decode()
    assert "Identity number: remove it" in listed and "Henkilötunnus" not in listed
    settings = client_for("admin").get("/o/toivon-polku/settings/").content.decode()
    assert "a post with a personal identity number is never approved" in settings
    assert "henkilötunnus" not in settings


def test_a_name_with_a_health_finding_is_approved_with_a_recorded_reason(
    client_for: Any, members: Any, feed_account: Any
) -> None:
    client_for("editor").post(NEW, _form(FLAGGED, feed_account))
    post = Post.objects.get()
    reviewer = client_for("reviewer")
    assert reviewer.post(_url(post, "approve"), {"reason": ""}).status_code == 400
    reviewer.post(_url(post, "approve"), {"reason": "Kirjallinen suostumus arkistossa"})
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED
    assert post.approval_reason == "Kirjallinen suostumus arkistossa"
    settle()
    assert FeedEntry.objects.get().text == FLAGGED


# --- 14.4 a one-person organisation ---------------------------------------------------------


@pytest.fixture
def alone(db: Any) -> tuple[Organisation, Client, Any]:
    from kaiku.connections.models import ChannelAccount

    org = Organisation.objects.create(name="Yksin ry", slug="yksin", self_review_wait_minutes=45)
    user = make_user("ainoa")
    Membership.objects.create(organisation=org, user=user, role="admin")
    feed = ChannelAccount.objects.create(
        organisation=org, platform="feed", handle=org.slug, settings={"organisation": org.slug}
    )
    client = Client()
    client.force_login(user)
    return org, client, feed


def test_the_only_reviewer_confirms_their_own_flagged_post_twice_after_the_wait(
    alone: tuple[Organisation, Client, Any],
) -> None:
    _org, client, feed = alone
    client.post("/o/yksin/posts/new/", _form(FLAGGED, feed))
    post = Post.objects.get()
    assert post.state == Post.State.IN_REVIEW
    page = client.get(_url(post, slug="yksin")).content.decode()
    assert 'id="sole-reviewer"' in page and "45" in page
    assert "/o/yksin/members/" in page  # points to inviting a reviewer
    # A reason is required, also here.
    client.post(_url(post, "approve", "yksin"), {"reason": ""})
    post.refresh_from_db()
    assert post.first_confirmed_at is None
    client.post(_url(post, "approve", "yksin"), {"reason": "Suostumus arkistossa"})
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW and post.first_confirmed_at is not None
    assert post.approval_reason == "Suostumus arkistossa"
    assert 'id="first-confirmed"' in client.get(_url(post, slug="yksin")).content.decode()
    # At once again: refused, still waiting.
    too_soon = client.post(_url(post, "approve", "yksin"), {"reason": "Varmasti"}, follow=True)
    assert too_soon.status_code == 200
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW and post.approved_by is None
    settle()
    assert not FeedEntry.objects.exists()
    # After the waiting time, the second confirmation lets it out.
    Post.objects.filter(pk=post.pk).update(
        first_confirmed_at=timezone.now() - timedelta(minutes=46)
    )
    client.post(_url(post, "approve", "yksin"), {"reason": "Suostumus arkistossa"})
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED and post.approved_by is not None
    assert AuditEvent.objects.filter(action="post.first_confirmation").count() == 1
    assert AuditEvent.objects.get(action="post.approved").detail["reason"]
    settle()
    assert FeedEntry.objects.get().text == FLAGGED


def test_changing_the_text_after_the_first_confirmation_starts_over(
    alone: tuple[Organisation, Client, Any],
) -> None:
    _org, client, feed = alone
    client.post("/o/yksin/posts/new/", _form(FLAGGED, feed))
    post = Post.objects.get()
    client.post(_url(post, "approve", "yksin"), {"reason": "Suostumus"})
    changed = "Asiakkaamme Aino Korhonen sairastaa masennusta."
    client.post(_url(post, "edit", "yksin"), _form(changed, feed))
    Post.objects.filter(pk=post.pk).update(first_confirmed_at=timezone.now() - timedelta(hours=2))
    client.post(_url(post, "approve", "yksin"), {"reason": "Suostumus"})
    post.refresh_from_db()
    # That was a new first confirmation of the new words, not the second one.
    assert post.state == Post.State.IN_REVIEW
    assert AuditEvent.objects.filter(action="post.first_confirmation").count() == 2


def test_with_two_reviewers_the_author_cannot_confirm_their_own_post(
    client_for: Any, members: Any, feed_account: Any
) -> None:
    client_for("admin").post(NEW, _form(FLAGGED, feed_account))
    post = Post.objects.get()
    client_for("admin").post(_url(post, "approve"), {"reason": "Suostumus"})
    post.refresh_from_db()
    assert post.first_confirmed_at is None and post.state == Post.State.IN_REVIEW


def test_the_settings_page_shows_which_approval_rule_applies_and_sets_the_wait(
    alone: tuple[Organisation, Client, Any], client_for: Any, members: Any
) -> None:
    org, client, _feed = alone
    page = client.get("/o/yksin/settings/").content.decode()
    assert 'id="rule-sole"' in page and 'name="self_review_wait_minutes"' in page
    response = client.post(
        "/o/yksin/settings/", {"name": "Yksin ry", "self_review_wait_minutes": "90"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.self_review_wait_minutes == 90
    assert (
        client.post(
            "/o/yksin/settings/", {"name": "Yksin ry", "self_review_wait_minutes": "0"}
        ).status_code
        == 200
    )
    shared = client_for("admin").get("/o/toivon-polku/settings/").content.decode()
    assert 'id="rule-reviewers"' in shared


def test_a_post_whose_words_change_during_the_approval_is_not_approved(
    client_for: Any, members: Any, feed_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaiku.posts import gate

    client_for("editor").post(NEW, _form(FLAGGED, feed_account))
    post = Post.objects.get()
    real = gate.texts_of_post
    calls = []

    def edited_meanwhile(p: Any) -> list[gate.Text]:
        # The first read is what the reviewer approves; by the scheduling, an edit committed.
        calls.append(1)
        texts = real(p)
        return texts if len(calls) == 1 else [*texts, gate.Text("alt:9", "Muutettu")]

    monkeypatch.setattr(gate, "texts_of_post", edited_meanwhile)
    response = client_for("reviewer").post(
        _url(post, "approve"), {"reason": "Suostumus arkistossa"}, follow=True
    )
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW and post.approved_by is None
    assert not Delivery.objects.filter(state=Delivery.State.SCHEDULED).exists()
