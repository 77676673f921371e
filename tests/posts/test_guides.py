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


@pytest.mark.parametrize("path", sorted(CHANNELS.glob("*/guide*.md")), ids=lambda p: p.name)
def test_no_guide_shows_raw_markdown(path: object) -> None:
    # The hand-made reader left **bold** inside table rows and printed tables as rows of pipes.
    language = path.name.removeprefix("guide.").removesuffix("md").rstrip(".") or "fi"  # type: ignore[attr-defined]
    found = guide(f"{path.parent.name}.md", language)  # type: ignore[attr-defined]
    assert found is not None and found[1] == language
    html = found[0]
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


def _structure(html: str) -> dict[str, int]:
    """What must be the same in every language: headings, numbered steps, tables and
    their rows, the addresses to paste."""
    return {
        "headings": len(re.findall(r"<h[2-5]>", html)),
        "steps": len(re.findall(r"<ol[ >]", html)),
        "step items": sum(
            len(re.findall(r"<li>", ol)) for ol in re.findall(r"<ol.*?</ol>", html, re.S)
        ),
        "tables": html.count("<table>"),
        "rows": html.count("<tr>"),
        "code blocks": html.count("<pre>"),
        "links": len(re.findall(r'<a href="https://', html)),
    }


@pytest.mark.parametrize("path", sorted(CHANNELS.glob("*/guide.md")), ids=lambda p: p.parent.name)
def test_every_guide_is_written_in_finnish_swedish_and_english_with_the_same_steps(
    path: object,
) -> None:
    name = f"{path.parent.name}.md"  # type: ignore[attr-defined]
    for language in ("sv", "en"):
        assert (path.parent / f"guide.{language}.md").is_file(), language  # type: ignore[attr-defined]
    rendered = {language: guide(name, language) for language in ("fi", "sv", "en")}
    assert {language: found[1] for language, found in rendered.items() if found} == {
        "fi": "fi",
        "sv": "sv",
        "en": "en",
    }
    structure = {language: _structure(found[0]) for language, found in rendered.items() if found}
    assert structure["sv"] == structure["fi"] and structure["en"] == structure["fi"], structure
    texts = {language: found[0] for language, found in rendered.items() if found}
    assert texts["sv"] != texts["fi"] and texts["en"] != texts["fi"]


def test_a_language_without_its_own_guide_gets_the_finnish_one() -> None:
    found = guide("x.md", "de")
    assert found is not None and found[1] == "fi"
    assert guide("nosuch.md", "sv") is None and guide("../x.md", "sv") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "lang"),
    [
        ("fi", "Ennen kuin aloitat", "fi"),
        ("sv", "Innan du börjar", "sv"),
        ("en", "Before you start", "en"),
    ],
)
def test_the_guide_page_follows_the_ui_language(
    client_for: object, members: object, language: str, heading: str, lang: str
) -> None:
    user = members["admin"]  # type: ignore[index]
    user.language = language
    user.save(update_fields=["language"])
    page = client_for("admin").get("/o/toivon-polku/channels/guide/x.md/").content.decode()  # type: ignore[operator]
    assert f'<article class="card guide" lang="{lang}">' in page
    assert f"<h3>{heading}</h3>" in page
