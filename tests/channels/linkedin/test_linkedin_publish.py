"""Publishing through the connector against the local LinkedIn: text, images, articles, delete."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kaiku.channels.base import ChannelError, LinkCard, OutgoingImage, OutgoingPost
from kaiku.channels.linkedin.connector import LinkedInConnector
from tests.channels.linkedin.conftest import PNG
from tests.channels.linkedin.server import ORG_URN, PERSON_URN, LinkedInServer

MakePost = Callable[..., OutgoingPost]
MakeImage = Callable[[str], OutgoingImage]


def test_a_text_post_is_created_as_the_page_and_its_urn_comes_from_x_restli_id(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    part = page.publish_part(make_post("Syksyn vertaisryhmät alkavat."), 0, [])

    (post,) = linkedin.live_posts()
    assert part.index == 0
    assert part.remote_id == post["id"]
    assert part.remote_id.startswith("urn:li:share:")
    assert part.url == f"https://www.linkedin.com/feed/update/{post['id']}/"
    (request,) = linkedin.requests_to("POST", "/rest/posts")
    body = request.body
    assert body["author"] == ORG_URN
    assert body["commentary"] == "Syksyn vertaisryhmät alkavat."
    assert body["visibility"] == "PUBLIC"
    assert body["lifecycleState"] == "PUBLISHED"
    assert body["distribution"]["feedDistribution"] == "MAIN_FEED"
    assert "content" not in body


def test_a_personal_profile_posts_as_the_member(
    linkedin: LinkedInServer, profile: LinkedInConnector, make_post: MakePost
) -> None:
    profile.publish_part(make_post("Hei verkosto!"), 0, [])

    (post,) = linkedin.live_posts()
    assert post["author"] == PERSON_URN


def test_an_image_is_uploaded_through_the_images_api_with_its_alt_text(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost, png: MakeImage
) -> None:
    page.publish_part(make_post("Kuva tapahtumasta", images=(png("Kahvikuppi pöydällä"),)), 0, [])

    (init,) = linkedin.requests_to("POST", "/rest/images")
    assert init.query["action"] == ["initializeUpload"]
    assert init.body == {"initializeUploadRequest": {"owner": ORG_URN}}
    (upload,) = [r for r in linkedin.requests if r.method == "PUT"]
    assert upload.body == PNG
    assert upload.headers["content-type"] == "image/png"
    (post,) = linkedin.live_posts()
    (image_urn,) = linkedin.images
    assert post["content"] == {"media": {"id": image_urn, "altText": "Kahvikuppi pöydällä"}}
    assert linkedin.images[image_urn]["data"] == PNG


def test_several_images_go_out_as_a_multi_image_post(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost, png: MakeImage
) -> None:
    page.publish_part(make_post("Kaksi kuvaa", images=(png("Eka"), png("Toka"))), 0, [])

    (post,) = linkedin.live_posts()
    images = post["content"]["multiImage"]["images"]
    assert [i["altText"] for i in images] == ["Eka", "Toka"]
    assert {i["id"] for i in images} == set(linkedin.images)


def test_a_link_goes_out_as_an_article_built_from_the_compose_page_card(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost, png: MakeImage
) -> None:
    card = LinkCard(
        url="https://toivonpolku.example/ryhmat",
        title="Syksyn ryhmät",
        description="Vertaisryhmät alkavat syyskuussa.",
        image=png(""),
    )
    post = make_post("Ilmoittaudu mukaan!", link=card.url, link_card=card)

    page.publish_part(post, 0, [])

    (stored,) = linkedin.live_posts()
    (thumbnail,) = linkedin.images
    assert stored["commentary"] == "Ilmoittaudu mukaan!"
    assert stored["content"] == {
        "article": {
            "source": "https://toivonpolku.example/ryhmat",
            "title": "Syksyn ryhmät",
            "description": "Vertaisryhmät alkavat syyskuussa.",
            "thumbnail": thumbnail,
        }
    }


def test_a_link_without_a_card_is_added_to_the_text(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    page.publish_part(make_post("Lue lisää", link="https://toivonpolku.example/a_b"), 0, [])

    assert linkedin.visible_texts() == ["Lue lisää\n\nhttps://toivonpolku.example/a_b"]
    assert "content" not in linkedin.requests_to("POST", "/rest/posts")[0].body


def test_delete_removes_the_post_and_a_missing_post_is_fine(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: MakePost
) -> None:
    part = page.publish_part(make_post("Poistetaan pian"), 0, [])

    page.delete(part.remote_id)
    page.delete(part.remote_id)

    assert linkedin.live_posts() == []
    first, _second = linkedin.requests_to("DELETE", "/rest/posts/*")
    assert first.path == f"/rest/posts/{part.remote_id}"
    assert first.headers["x-restli-method"] == "DELETE"


def test_linkedin_posts_are_single_parts(page: LinkedInConnector, make_post: MakePost) -> None:
    with pytest.raises(ChannelError):
        page.publish_part(make_post("eka", "toka"), 1, [])


def test_limits_count_as_linkedin_does_and_build_link_cards(page: LinkedInConnector) -> None:
    limits = page.limits()

    assert limits.max_chars == 3000
    assert limits.counter == "linkedin"
    assert limits.client_link_card is True
    assert limits.threads is False
    assert "image/webp" not in limits.image_types
