"""The local servers count by the platforms' published rules, with implementations of their
own (issue 13.9): checked here on the cases where a count by Kaiku's rules went wrong."""

from __future__ import annotations

from tests.channels.mastodon.text import count_characters
from tests.channels.meta.api import threads_length, threads_links
from tests.channels.x.server import XServer, start_server


def test_threads_counts_an_emoji_as_its_utf8_bytes() -> None:
    assert threads_length("a" * 10) == 10
    assert threads_length("ä") == 1
    assert threads_length("😀") == 4
    assert threads_length("👍🏽") == 8  # a thumb and a skin tone, 4 bytes each


def test_threads_counts_each_unique_link_once_and_a_different_attachment_as_one_more() -> None:
    text = "https://example.org/a https://example.org/a www.example.com"
    assert threads_links(text) == 2
    assert threads_links(text, "https://example.org/a") == 2
    assert threads_links(text, "https://example.net/") == 3


def test_mastodon_counts_grapheme_clusters_a_url_as_23_and_a_remote_mention_as_its_user() -> None:
    assert count_characters("👨‍👩‍👧") == 1  # one family emoji, five code points
    assert count_characters("https://example.org/" + "x" * 100) == 23
    assert count_characters("@anna@mastodon.example hei") == len("@anna hei")
    assert count_characters("example.org/ilman-skeemaa") == len("example.org/ilman-skeemaa")


def _post(server: XServer, text: str) -> int:
    import httpx

    access, _refresh = server.issue_tokens()
    response = httpx.post(
        f"{server.base_url}/2/tweets",
        json={"text": text},
        headers={"Authorization": f"Bearer {access}"},
    )
    return response.status_code


def test_x_weighs_a_link_23_and_cjk_and_emoji_2_up_to_280() -> None:
    server, _ = start_server()
    try:
        assert _post(server, "a" * 277 + "😀") == 201  # 279
        assert _post(server, "b" * 277 + "😀😀") == 400  # 281
        assert _post(server, "日" * 140) == 201  # 280
        assert _post(server, "https://example.org/" + "x" * 300) == 201  # 23
    finally:
        server.stop()
