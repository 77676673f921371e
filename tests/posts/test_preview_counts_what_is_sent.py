"""The compose preview, the length check and the thread splitter measure the text exactly as
each platform receives it: with the link X, Mastodon, Threads and Instagram append to it, by
the account's own limits (issue 13.5). The local servers count with their own code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku import language
from kaiku.channels.base import Account
from kaiku.channels.instagram.connector import InstagramConnector
from kaiku.channels.threads.connector import ThreadsConnector
from kaiku.channels.x.connector import XConnector
from kaiku.connections import tokens
from kaiku.posts import previews, services
from kaiku.publishing.models import Delivery
from tests.channels.mastodon.harness import MastodonHarness
from tests.channels.mastodon.text import count_characters
from tests.channels.meta.harness import InstagramHarness, ThreadsHarness
from tests.channels.x.harness import XHarness
from tests.posts.conftest import settle

pytestmark = pytest.mark.django_db

LINK = "https://example.org/syksyn-vertaisryhmat"
PREVIEW = "/o/toivon-polku/posts/preview/"
SENTENCES = (
    "Syksyn vertaisryhmät alkavat taas.",
    "Ryhmä kokoontuu torstaisin kello 17 Toivon Polun tiloissa.",
    "Mukaan voi tulla ilman ilmoittautumista.",
    "Kahvia ja pientä purtavaa on tarjolla.",
    "Ohjaajina toimivat kokemusasiantuntijat.",
    "Tervetuloa juuri sellaisena kuin olet.",
)


def text_of(length: int) -> str:
    """Whole sentences, then filler words, to exactly ``length`` characters (all weigh 1 on X)."""
    text = " ".join(SENTENCES)
    while len(text) < length:
        text += " Tervetuloa."
    text = text[:length].rstrip()
    return text + "x" * (length - len(text))


@pytest.fixture
def x() -> Iterator[XHarness]:
    h = XHarness()
    h.start()
    yield h
    h.stop()


@pytest.fixture
def mastodon() -> Iterator[MastodonHarness]:
    h = MastodonHarness()
    h.start()
    yield h
    h.stop()


def _send(org: Any, members: Any, rf_request: Any, account: Any, text: str, link: str) -> Any:
    post = services.save_draft(
        org, members["editor"], services.Draft(text=text, accounts=[account], link=link)
    )
    return post


def test_a_text_that_fits_x_only_without_its_link_is_flagged_and_split_so_x_takes_it(
    x: XHarness, org: Any, members: Any, rf_request: Any
) -> None:
    """270/280 without the link was shown as fitting and went out as 295: X refused it after
    approval. Now the check flags it at once, and the thread splitter makes two parts that
    each fit as sent."""
    account = x.make_account(org)
    text = text_of(270)
    assert language.count(text, "x") == 270
    post = _send(org, members, rf_request, account, text, LINK)
    # Flagged before approval: the length as X counts what it receives (270 + 2 + 23).
    findings = services.findings_for(org, text, [account], link=LINK)
    over = [f for f in findings if f.code == "length.over_limit"]
    assert over and "295" in over[0].message
    assert post.findings_summary.get("block", 0) >= 1
    services.submit(post, rf_request)
    delivery = Delivery.objects.get(post=post)
    assert len(delivery.parts) == 2
    settle()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PUBLISHED, delivery.last_error_code
    sent = x.published_texts()
    assert len(sent) == 2
    assert x.server is not None
    sources = [t["_source"] for t in x.server.tweets]
    assert LINK in sources[0]
    assert all(language.count(s, "x") <= 280 for s in sources)


def test_the_previewed_parts_and_counts_are_what_the_mastodon_server_receives(
    mastodon: MastodonHarness, org: Any, members: Any, rf_request: Any, client_for: Any
) -> None:
    """The instance weighs a URL 30 and takes 520 characters; its limits changed after the
    account was connected and the daily refresh reads them again. The preview then shows
    exactly the texts the server receives, and the server's own count equals the preview's."""
    account = mastodon.make_account(org)
    assert mastodon.server is not None
    mastodon.server.api.characters_reserved_per_url = 30
    mastodon.server.api.max_characters = 520
    assert tokens.refresh_limits() == 1
    account.refresh_from_db()
    assert account.settings["characters_reserved_per_url"] == 30
    assert account.settings["max_characters"] == 520
    text = text_of(495)
    response = client_for("editor").post(
        PREVIEW, {"text": text, "accounts": [account.pk], "link": LINK}
    )
    (preview,) = response.context["previews"]
    assert preview.max_chars == 520
    shown = [(p.text, p.length) for p in preview.parts]
    assert len(shown) == 2  # 495 + 2 + 30 does not fit 520
    assert not preview.over
    post = _send(org, members, rf_request, account, text, LINK)
    services.submit(post, rf_request)
    settle()
    received = [mastodon.server.api.sources[s["id"]] for s in mastodon.server.statuses]
    assert [(r, count_characters(r, 30)) for r in received] == shown


def test_the_live_check_on_the_compose_page_counts_the_link_the_platform_appends(
    x: XHarness, org: Any, client_for: Any
) -> None:
    account = x.make_account(org)
    text = text_of(270)
    html = (
        client_for("editor")
        .post(
            "/o/toivon-polku/check/partial/",
            {"text": text, "channel_list": "x", "accounts": [account.pk], "link": LINK},
        )
        .content.decode()
    )
    assert "295" in html


def _threads(threads: ThreadsHarness, org: Any) -> Any:
    return threads.make_account(org).connector()


def test_threads_counts_an_emoji_as_its_utf8_bytes_in_preview_and_at_publish(
    org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = ThreadsHarness()
    h.start()
    try:
        h.prepare_engine_test(monkeypatch)
        connector = _threads(h, org)
        text = "Kiitos kaikille! " + "🌱" * 121  # 17 + 121 × 4 bytes = 501
        assert language.count(text, "threads") == 501
        post = previews.outgoing([text])
        problems = connector.refusals(post)
        assert [p.code for p in problems] == ["too_long"]
        with pytest.raises(Exception, match="too_long"):
            connector.publish_part(post, 0, [])
        assert h.published_texts() == []
        assert h.meta.api.containers == {}
    finally:
        h.stop()


def test_threads_refuses_more_than_five_links_before_making_anything(
    org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = ThreadsHarness()
    h.start()
    try:
        h.prepare_engine_test(monkeypatch)
        connector = _threads(h, org)
        links = " ".join(f"https://example.org/{i}" for i in range(5))
        # Five links in the text and a sixth as the link attachment.
        post = previews.outgoing([f"Lue lisää: {links}"], link="https://example.org/kuudes")
        assert [p.code for p in connector.refusals(post)] == ["too_many_links"]
        with pytest.raises(Exception, match="too_many_links"):
            connector.publish_part(post, 0, [])
        assert h.meta.api.containers == {}
        # The same link in the text and as the attachment counts once: five, allowed.
        same = previews.outgoing([f"Lue lisää: {links}"], link="https://example.org/0")
        assert connector.refusals(same) == []
    finally:
        h.stop()


def test_six_links_for_threads_are_flagged_before_approval_and_in_the_live_check(
    org: Any, members: Any, client_for: Any
) -> None:
    h = ThreadsHarness()
    h.start()
    try:
        account = h.make_account(org)
        text = "Lue lisää: " + " ".join(f"https://example.org/{i}" for i in range(6))
        post = services.save_draft(
            org, members["editor"], services.Draft(text=text, accounts=[account])
        )
        assert post.findings_summary.get("block", 0) >= 1
        codes = [f.code for f in services.findings_for(org, text, [account])]
        assert "channel.too_many_links" in codes
        html = (
            client_for("editor")
            .post("/o/toivon-polku/check/partial/", {"text": text, "accounts": [account.pk]})
            .content.decode()
        )
        assert "Threadsiin voi laittaa yhteen julkaisuun enintään 5 linkkiä" in html
    finally:
        h.stop()


def test_instagram_refuses_more_than_twenty_mentions_and_the_preview_says_so(
    org: Any, client_for: Any
) -> None:
    h = InstagramHarness()
    h.start()
    try:
        account = h.make_account(org)
        text = "Kiitos " + " ".join(f"@kaveri{i}" for i in range(21))
        post = previews.outgoing([text], images=1)
        assert [p.code for p in account.connector().refusals(post)] == ["too_many_mentions"]
        response = client_for("editor").post(
            PREVIEW, {"text": text, "accounts": [account.pk], "image_count": "1"}
        )
        (preview,) = response.context["previews"]
        assert preview.over
        assert any("Instagram" in p for p in preview.problems)
    finally:
        h.stop()


def test_a_link_too_long_for_instagram_with_the_caption_is_counted_in_the_check(
    org: Any,
) -> None:
    h = InstagramHarness()
    h.start()
    try:
        account = h.make_account(org)
        text = text_of(2190)
        findings = services.findings_for(org, text, [account], link=LINK)
        assert any(f.code == "length.over_limit" for f in findings)
        assert not [
            f for f in services.findings_for(org, text, [account]) if f.code == "length.over_limit"
        ]
    finally:
        h.stop()


X = XConnector(Account(handle="@t", base_url="https://x.com", credentials={}, settings={}))
_words = st.text(alphabet="aäöbcdeiklmnorstuv🌱 .!", min_size=1, max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_words, min_size=1, max_size=120).map(" ".join),
    st.sampled_from(["", LINK, "https://example.org/" + "a" * 200]),
    st.integers(min_value=0, max_value=2),
)
def test_every_part_the_splitter_makes_fits_x_as_it_is_sent(
    text: str, link: str, images: int
) -> None:
    if not text.strip():
        return
    parts = previews.split_for(X, text, link=link, images=images, max_parts=1000)
    sent = X.outgoing_texts(previews.outgoing(parts, link=link, images=images))
    for part in sent:
        words = part.split()
        # A single word longer than a part cannot fit; everything else must.
        if all(language.count(w, "x") <= 250 for w in words):
            assert language.count(part, "x") <= 280, part


def test_threads_and_instagram_send_the_link_as_their_connector_says() -> None:
    account = Account(handle="@t", base_url="", credentials={}, settings={})
    with_image = previews.outgoing(["Teksti"], link=LINK, images=1)
    plain = previews.outgoing(["Teksti"], link=LINK)
    # Threads: a text post carries the link as its attachment; with images, in the text.
    assert ThreadsConnector(account).outgoing_texts(plain) == ("Teksti",)
    assert ThreadsConnector(account).outgoing_texts(with_image) == (f"Teksti\n\n{LINK}",)
    assert InstagramConnector(account).outgoing_texts(with_image) == (f"Teksti\n\n{LINK}",)
