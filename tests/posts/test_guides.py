from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from kaiku.connections.guides import CHANNELS, guide, render


def test_guides_render_headings_lists_links_and_escape_markup() -> None:
    html = render(
        "# Otsikko\n\nTeksti **lihava** ja `koodi` <https://example.org/a>.\n\n"
        "1. Eka\n2. Toka\n   jatkuu\n\n- piste <script>alert(1)</script>\n"
    )
    assert "<h2>Otsikko</h2>" in html
    assert "<strong>lihava</strong>" in html and "<code>koodi</code>" in html
    assert '<a href="https://example.org/a"' in html
    assert re.search(r"<ol>\s*<li>Eka</li>\s*<li>Toka\s+jatkuu</li>\s*</ol>", html)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_guide_table_becomes_a_table_with_its_cells_and_emphasis() -> None:
    html = render("| Oikeus | Käyttö |\n|---|---|\n| `tweet.read` | **lukee** tilin |\n")
    assert "<th>Oikeus</th>" in html and "<td><code>tweet.read</code></td>" in html
    assert "<td><strong>lukee</strong> tilin</td>" in html
    assert '<div class="table-wrap" tabindex="0"><table>' in html and "|" not in html


def test_an_indented_address_is_a_code_block_of_its_own() -> None:
    html = render("Osoite:\n\n    https://a.example/o/x/callback/\n    https://a.example/y/\n")
    assert "<pre><code>https://a.example/o/x/callback/\nhttps://a.example/y/\n</code></pre>" in html


@pytest.mark.parametrize(
    "markdown",
    [
        "[klikkaa](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "<a href='https://e.example' onclick='x()'>a</a>",
    ],
)
def test_a_guide_cannot_carry_script_or_raw_html(markdown: str) -> None:
    tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append((tag, attrs))

    Tags().feed(render(markdown))
    for tag, attrs in tags:
        assert tag in ("p", "a"), tag
        for name, value in attrs:
            assert not name.startswith("on"), name
            if name == "href":
                assert (value or "").startswith(("http://", "https://")), value


@pytest.mark.parametrize("path", sorted(CHANNELS.glob("*/guide.md")), ids=lambda p: p.parent.name)
def test_no_guide_shows_raw_markdown(path: object) -> None:
    # The hand-made reader left **bold** inside table rows and printed tables as rows of pipes.
    html = guide(f"{path.parent.name}.md")  # type: ignore[attr-defined]
    assert html is not None
    text = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.S)
    assert "**" not in text and "|---" not in text and "| " not in text
    if "|---" in path.read_text():  # type: ignore[attr-defined]
        assert "<table>" in html


import pytest  # noqa: E402


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "editor", "reviewer", "viewer", "outsider"])
def test_the_setup_guides_are_shown_to_members(client_for: object, who: str) -> None:
    client = client_for(who)  # type: ignore[operator]
    response = client.get("/o/toivon-polku/channels/guide/x.md/")
    assert response.status_code == (404 if who == "outsider" else 200)
    if who != "outsider":
        page = response.content.decode()
        assert "/o/toivon-polku/channels/x/callback/" in page
        assert "<h2>" in page


@pytest.mark.django_db
def test_an_unknown_guide_is_not_found(client_for: object) -> None:
    client = client_for("admin")  # type: ignore[operator]
    assert client.get("/o/toivon-polku/channels/guide/passwd/").status_code == 404
    assert client.get("/o/toivon-polku/channels/guide/nope.md/").status_code == 404
