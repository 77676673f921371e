"""The compose service: one validator and one transaction for the compose page, the edit page
and the REST API; the language check runs once per save; a failed save leaves nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kaiku.accounts.models import ApiToken
from kaiku.posts import services
from kaiku.posts.models import Post, PostImage
from kaiku.publishing.models import Delivery
from tests.posts.view_helpers import fake_account, install_fake, png_bytes

pytestmark = pytest.mark.django_db

API = "/api/v1/organisations/toivon-polku/posts"
NEW = "/o/toivon-polku/posts/new/"
TEXT = "Avoimet ovet torstaina klo 14, tervetuloa kahville!"


@pytest.fixture(autouse=True)
def _fake(monkeypatch: Any) -> None:
    install_fake(monkeypatch)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the language check is run on, in order (the real check runs)."""
    seen: list[str] = []
    real: Callable[..., Any] = services.run_check

    def counted(text: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(services, "run_check", counted)
    return seen


def _token(member: Any) -> dict[str, str]:
    _, raw = ApiToken.issue(member, "testi")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


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


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- the language check once per save ----------------------------------------------------------


def test_the_api_runs_the_language_check_once_per_text_of_a_post(
    members: Any, feed_account: Any, checks: list[str]
) -> None:
    # Before the compose service the API checked the same text five times: before saving,
    # on saving, for the answer's findings, on submitting and on scheduling.
    channel = str(feed_account.public_id)
    body = {"text": TEXT, "accounts": [channel], "variants": {channel: "Oma teksti syötteelle."}}
    response = Client().post(
        API, json.dumps(body), content_type="application/json", **_token(members["editor"])
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "scheduled"
    assert sorted(checks) == sorted([TEXT, "Oma teksti syötteelle."])


def test_sending_from_the_compose_page_runs_the_language_check_once_per_text(
    client_for: Any, feed_account: Any, checks: list[str]
) -> None:
    # Before: three times (on saving, on submitting, on scheduling).
    response = client_for("editor").post(NEW, _form(TEXT, feed_account))
    assert response.status_code == 302
    assert Post.objects.get().state == Post.State.SCHEDULED
    assert checks == [TEXT]


def test_editing_and_sending_runs_the_language_check_once_per_text(
    client_for: Any, org: Any, members: Any, feed_account: Any, checks: list[str]
) -> None:
    post = services.save_draft(
        org, members["editor"], services.Draft(text="Vanha teksti.", accounts=[feed_account])
    )
    checks.clear()
    response = client_for("editor").post(
        f"/o/toivon-polku/posts/{post.public_id}/edit/", _form(TEXT, feed_account)
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.text, post.state) == (TEXT, Post.State.SCHEDULED)
    assert checks == [TEXT]


# --- the gate stays on the path ------------------------------------------------------------------


def test_a_henkilotunnus_in_a_variant_still_keeps_a_composed_post_a_draft(
    client_for: Any, feed_account: Any, checks: list[str]
) -> None:
    # 131052-308T: a synthetic but valid henkilötunnus.
    data = _form(TEXT, feed_account, **{f"variant_{feed_account.pk}": "Tunnus 131052-308T."})
    response = client_for("editor").post(NEW, data)
    assert response.status_code == 302
    post = Post.objects.get()
    assert (post.state, post.review_required_reason) == (Post.State.DRAFT, "hetu")
    assert not Delivery.objects.filter(state=Delivery.State.SCHEDULED).exists()
    assert len(checks) == 2  # the main text and the variant, once each


# --- one validator ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["past", "too_long"])
def test_the_api_and_the_compose_page_refuse_a_post_with_the_same_words(
    client_for: Any, members: Any, org: Any, field: str
) -> None:
    account = fake_account(org)  # 60 characters, threads of at most 3 parts
    past = timezone.now() - timedelta(days=1)
    text = "sana " * 59 + "sana" if field == "too_long" else "Lyhyt."
    form_data = _form(text, account)
    body: dict[str, Any] = {"text": text, "accounts": [str(account.public_id)]}
    if field == "past":
        form_data["publish_at"] = timezone.localtime(past).strftime("%Y-%m-%dT%H:%M")
        body["scheduled_at"] = past.isoformat()
    page = client_for("editor").post(NEW, form_data)
    assert page.status_code == 400
    form_errors = page.context["form"].errors["publish_at" if field == "past" else "text"]
    api = Client().post(
        API, json.dumps(body), content_type="application/json", **_token(members["editor"])
    )
    assert api.status_code == 422
    assert api.json()["detail"] == " ".join(form_errors)
    assert not Post.objects.exists()


# --- one transaction ---------------------------------------------------------------------------


def test_a_save_that_fails_leaves_no_post_no_image_row_and_no_image_file(
    members: Any, feed_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the morphology library crashed")

    # The check fails after the image has been written: the whole save must be undone.
    monkeypatch.setattr(services, "run_check", broken)
    client = Client(raise_request_exception=False)
    client.force_login(members["editor"])
    upload = SimpleUploadedFile("kuva.png", png_bytes(), content_type="image/png")
    data = _form(TEXT, feed_account, **{"image-0-file": upload, "image-0-alt_text": "Kahvikuppi"})
    assert client.post(NEW, data).status_code == 500
    assert not Post.objects.exists()
    assert not PostImage.objects.exists()
    assert _media_files() == []


def test_an_edit_that_fails_leaves_the_post_and_its_images_as_they_were(
    client_for: Any, members: Any, feed_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for("editor")
    first = SimpleUploadedFile("eka.png", png_bytes(), content_type="image/png")
    data = _form(TEXT, feed_account, **{"image-0-file": first, "image-0-alt_text": "Eka"})
    data["action"] = "save"
    assert client.post(NEW, data).status_code == 302
    post = Post.objects.get()
    image = PostImage.objects.get()
    files = _media_files()
    assert len(files) == 1

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the morphology library crashed")

    monkeypatch.setattr(services, "run_check", broken)
    failing = Client(raise_request_exception=False)
    failing.force_login(members["editor"])
    second = SimpleUploadedFile("toka.png", png_bytes(noise=1), content_type="image/png")
    edit = _form(
        "Muutettu teksti.",
        feed_account,
        **{
            f"existing_alt_{image.pk}": "Eka",
            "image-0-file": second,
            "image-0-alt_text": "Toka",
        },
    )
    response = failing.post(f"/o/toivon-polku/posts/{post.public_id}/edit/", edit)
    assert response.status_code == 500
    post.refresh_from_db()
    assert post.text == TEXT
    assert list(PostImage.objects.values_list("pk", flat=True)) == [image.pk]
    assert _media_files() == files
