"""Full-text search of posts over base forms (kaiku.posts.search): the posts list's search box
and the REST API's ``q``.

Runs on SQLite (FTS5) and, under scripts/with-postgres.sh, on PostgreSQL (tsvector + GIN).
Posts are written through the compose service (the API and the web form), as people write
them, so the words the index holds are the ones a save gives.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given

from kaiku.accounts.models import ApiToken
from kaiku.connections.models import ChannelAccount
from kaiku.posts import search, services
from kaiku.posts.models import Post, PostImage
from kaiku.publishing.models import Delivery
from tests import fulltext

pytestmark = pytest.mark.django_db

API = "/api/v1/organisations/toivon-polku/posts"
LIST = "/o/toivon-polku/posts/"


@pytest.fixture
def token(members: Any, feed_account: Any) -> dict[str, str]:
    _, raw = ApiToken.issue(members["editor"], "testi")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def compose(token: dict[str, str], text: str, variants: dict[Any, str] | None = None) -> str:
    """A post written through the REST API's compose (checked, then scheduled on the
    organisation's own feed); its public id."""
    feed = ChannelAccount.objects.get(platform="feed")
    body: dict[str, Any] = {"text": text, "accounts": [str(feed.public_id)]}
    if variants:
        body["accounts"] = [str(a.public_id) for a in variants]
        body["variants"] = {str(a.public_id): t for a, t in variants.items()}
    response = Client().post(API, json.dumps(body), content_type="application/json", **token)
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def api_found(token: dict[str, str], q: str) -> list[str]:
    response = Client().get(API, {"q": q}, **token)
    assert response.status_code == 200, response.content
    return [item["text"] for item in response.json()["items"]]


def found(org: Any, q: str) -> set[str]:
    return set(search.matching(org, q).values_list("text", flat=True))


def test_an_inflected_query_finds_the_base_form(org: Any, token: dict[str, str]) -> None:
    compose(token, "Mielenterveyspalvelut ruuhkautuvat taas syksyllä.")
    compose(token, "Kevään kahvilailta torstaina, tervetuloa!")
    assert api_found(token, "mielenterveyspalveluiden") == [
        "Mielenterveyspalvelut ruuhkautuvat taas syksyllä."
    ]
    assert found(org, "mielenterveyspalveluiden") == {
        "Mielenterveyspalvelut ruuhkautuvat taas syksyllä."
    }


def test_a_base_form_query_finds_an_inflected_text(org: Any, token: dict[str, str]) -> None:
    compose(token, "Jonot mielenterveyspalveluihin pitenevät.")
    assert found(org, "mielenterveyspalvelu") == {"Jonot mielenterveyspalveluihin pitenevät."}
    assert found(org, "mielenterveyspalveluiden jono") == {
        "Jonot mielenterveyspalveluihin pitenevät."
    }
    # Every word must match.
    assert found(org, "mielenterveyspalvelu kahvila") == set()


def test_a_channels_own_text_is_found(org: Any, token: dict[str, str], feed_account: Any) -> None:
    compose(
        token,
        "Avoimet ovet torstaina.",
        variants={feed_account: "Syötteen lukijoille: vertaistukiryhmämme kokoontuu 2026."},
    )
    assert api_found(token, "vertaistukiryhmä") == ["Avoimet ovet torstaina."]
    assert found(org, "vertaistukiryhmien") == {"Avoimet ovet torstaina."}
    assert found(org, "2026") == {"Avoimet ovet torstaina."}


def test_an_images_alt_text_is_found(org: Any, members: Any) -> None:
    post = services.save_draft(
        org, members["editor"], services.Draft(text="Kesäjuhlat.", accounts=[])
    )
    image = PostImage.objects.create(post=post, file="posts/kuva.png", mime="image/png")
    services.save_draft(
        org,
        members["editor"],
        services.Draft(
            text="Kesäjuhlat.",
            accounts=[],
            alt_texts={image.pk: "Kuvassa vertaistukiryhmän jäsenet grillaavat."},
        ),
        post=post,
    )
    assert found(org, "vertaistukiryhmä") == {"Kesäjuhlat."}
    assert found(org, "grillata") == {"Kesäjuhlat."}


def test_a_search_never_finds_another_organisations_posts(
    org: Any, other_org: Any, members: Any
) -> None:
    for where, text in ((org, "Päihdetyö Oulussa."), (other_org, "Päihdetyö Turussa.")):
        services.save_draft(where, members["editor"], services.Draft(text=text, accounts=[]))
    assert found(org, "päihdetyötä") == {"Päihdetyö Oulussa."}
    assert found(other_org, "päihdetyötä") == {"Päihdetyö Turussa."}
    # The index's organisation token is only a word to anyone else.
    assert found(org, f"päihdetyö kaikuorg{other_org.pk}") == set()


def test_an_edited_post_is_found_by_its_new_words_and_not_its_old_ones(
    org: Any, members: Any, client_for: Any, feed_account: Any
) -> None:
    post = services.save_draft(
        org,
        members["editor"],
        services.Draft(
            text="Kevätretki saaristoon.",
            accounts=[feed_account],
            variants={feed_account.pk: "Syötteelle: kevätretki Seurasaareen."},
        ),
    )
    assert found(org, "seurasaari") == {"Kevätretki saaristoon."}
    response = client_for("editor").post(
        f"/o/toivon-polku/posts/{post.public_id}/edit/",
        {
            "text": "Syysretki metsään.",
            "accounts": [feed_account.pk],
            "image-TOTAL_FORMS": "4",
            "image-INITIAL_FORMS": "0",
            "image-MIN_NUM_FORMS": "0",
            "image-MAX_NUM_FORMS": "4",
            "action": "save",
        },
    )
    assert response.status_code == 302, response.content
    assert found(org, "syysretkellä") == {"Syysretki metsään."}
    assert found(org, "kevätretki") == set()
    assert found(org, "seurasaari") == set()  # the channel's own text is gone with the edit


def test_deleted_posts_are_not_found(org: Any, token: dict[str, str]) -> None:
    kept = compose(token, "Vertaistukiryhmä kokoontuu maanantaina.")
    gone = compose(token, "Vertaistukiryhmä kokoontuu tiistaina.")
    response = Client().delete(f"{API}/{gone}", **token)
    assert response.status_code == 200, response.content
    assert api_found(token, "vertaistukiryhmät") == ["Vertaistukiryhmä kokoontuu maanantaina."]
    assert [str(p.public_id) for p in search.matching(org, "vertaistukiryhmä")] == [kept]
    Post.objects.filter(public_id=gone).delete()  # a removed row leaves its index too
    assert found(org, "tiistaina") == set()


def test_a_recurring_copy_is_found_as_its_original(org: Any, members: Any) -> None:
    post = services.save_draft(
        org,
        members["editor"],
        services.Draft(text="Viikoittainen kahvila-ilta.", accounts=[], repeat="weekly"),
    )
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(minutes=1))
    post.refresh_from_db()
    copy = services.spawn_next_repeat(post)
    assert copy is not None
    assert copy.lemmas == post.lemmas
    assert set(search.matching(org, "kahvila-illat").values_list("pk", flat=True)) == {
        post.pk,
        copy.pk,
    }


def test_the_api_combines_q_with_the_other_filters_and_pages(
    org: Any, members: Any, token: dict[str, str]
) -> None:
    for n in range(3):
        services.save_draft(
            org, members["editor"], services.Draft(text=f"Retki numero {n}.", accounts=[])
        )
    Post.objects.filter(text="Retki numero 1.").update(state=Post.State.DONE)
    first = Client().get(API, {"q": "retkelle", "limit": "2"}, **token).json()
    assert [i["text"] for i in first["items"]] == ["Retki numero 2.", "Retki numero 1."]
    rest = Client().get(first["next"], **token).json()
    assert [i["text"] for i in rest["items"]] == ["Retki numero 0."]
    done = Client().get(API, {"q": "retki", "state": "done"}, **token).json()
    assert [i["text"] for i in done["items"]] == ["Retki numero 1."]


def test_the_api_refuses_a_q_it_cannot_search_for(token: dict[str, str]) -> None:
    response = Client().get(API, {"q": "?!* ()"}, **token)
    assert response.status_code == 400
    assert "q:" in response.json()["detail"]
    response = Client().get(API, {"q": "sana " * 200}, **token)
    assert response.status_code == 400
    assert "500" in response.json()["detail"]


def test_the_posts_list_shows_the_matches_instead_of_the_sections(
    org: Any, members: Any, client_for: Any
) -> None:
    for n in range(25):
        services.save_draft(
            org, members["editor"], services.Draft(text=f"Päihdetyön ilta {n}.", accounts=[])
        )
    services.save_draft(org, members["editor"], services.Draft(text="Kevätretki.", accounts=[]))
    Post.objects.filter(text="Päihdetyön ilta 3.").update(state=Post.State.DONE)
    viewer = client_for("viewer")
    page = viewer.get(LIST, {"q": "päihdetyö"}).content.decode()
    assert 'id="section-drafts"' not in page and 'id="section-found"' in page
    shown = re.findall(r"Päihdetyön ilta (\d+)\.", page)
    # Newest first, 20 a page, every state.
    assert shown == [str(n) for n in range(24, 4, -1)]
    assert "Kevätretki" not in page
    second = viewer.get(LIST, {"q": "päihdetyö", "page": "2"}).content.decode()
    assert re.findall(r"Päihdetyön ilta (\d+)\.", second) == ["4", "3", "2", "1", "0"]
    nothing = viewer.get(LIST, {"q": "mielenterveyspalvelut"}).content.decode()
    assert "Ei yhtään hakua vastaavaa julkaisua." in nothing


def test_the_search_reads_the_full_text_index(org: Any, members: Any) -> None:
    """A word is looked up in the index, not in every post of the organisation."""
    post = services.save_draft(
        org, members["editor"], services.Draft(text="Mielenterveyspalvelut.", accounts=[])
    )
    fulltext.assert_reads_index(search, org, "mielenterveyspalveluiden", "posts_post", [post.pk])


# The syntax tokens and a right-to-left override (U+202E).
QUERIES = fulltext.queries(fulltext.syntax("\u202e"))


@fulltext.any_input(max_examples=80)
@given(QUERIES)
def test_the_posts_list_answers_any_search(client_for: Any, org: Any, members: Any, q: str) -> None:
    if not Post.objects.filter(organisation=org).exists():
        services.save_draft(
            org, members["editor"], services.Draft(text="Päihdetyön kevät.", accounts=[])
        )
    assert client_for("viewer").get(LIST, {"q": q}).status_code == 200


@fulltext.any_input(max_examples=80)
@given(QUERIES)
def test_the_api_answers_any_search_with_posts_or_a_reason(
    org: Any, members: Any, token: dict[str, str], q: str
) -> None:
    if not Post.objects.filter(organisation=org).exists():
        services.save_draft(
            org, members["editor"], services.Draft(text="Päihdetyön kevät.", accounts=[])
        )
    response = Client().get(API, {"q": q}, **token)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["detail"].startswith("q:")


@pytest.mark.django_db(transaction=True)
def test_posts_stored_before_the_index_are_found_after_it(org: Any, feed_account: Any) -> None:
    # The deliveries live in the publishing app, whose migrations stay applied.
    old = fulltext.migrated_back(("posts", "0007_split_connections_publishing_out"), "publishing")
    made = old.get_model("posts", "Post").objects.create(
        organisation_id=org.pk, text="Vanhat mielenterveyspalvelut.", language="fi"
    )
    old.get_model("publishing", "Delivery").objects.create(
        post_id=made.pk, account_id=feed_account.pk, text_override="Syötteelle vertaistuesta."
    )
    fulltext.migrate_to_latest()
    assert found(org, "mielenterveyspalveluiden") == {"Vanhat mielenterveyspalvelut."}
    assert found(org, "vertaistukea") == {"Vanhat mielenterveyspalvelut."}
    assert Delivery.objects.filter(post_id=made.pk).exists()


def test_the_index_is_kept_in_step_after_every_migration(org: Any, members: Any) -> None:
    """A later migration that rebuilds the post table (SQLite's way to alter a column) drops
    its triggers with the old table; then new posts would silently never be found."""
    services.save_draft(org, members["editor"], services.Draft(text="Tuore julkaisu.", accounts=[]))
    assert found(org, "tuore") == {"Tuore julkaisu."}
    fulltext.assert_index_triggers(search, "posts_post")


def test_the_search_page_costs_the_same_with_few_or_many_matches(
    org: Any, members: Any, client_for: Any, feed_account: Any
) -> None:
    viewer = client_for("viewer")
    viewer.get(LIST)  # the session's first write is not the page's cost

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert viewer.get(LIST, {"q": "vertaistuki"}).status_code == 200
        return len(seen.captured_queries)

    def add(n: int) -> None:
        for _ in range(n):
            services.save_draft(
                org,
                members["editor"],
                services.Draft(text="Vertaistuen ilta.", accounts=[feed_account]),
            )

    add(2)
    few = queries()
    add(40)
    assert queries() == few
