from __future__ import annotations

from kaiku.connections.guides import render


def test_guides_render_headings_lists_links_and_escape_markup() -> None:
    html = render(
        "# Otsikko\n\nTeksti **lihava** ja `koodi` <https://example.org/a>.\n\n"
        "1. Eka\n2. Toka\n   jatkuu\n\n- piste <script>alert(1)</script>\n"
    )
    assert "<h2>Otsikko</h2>" in html
    assert "<strong>lihava</strong>" in html and "<code>koodi</code>" in html
    assert '<a href="https://example.org/a"' in html
    assert "<ol><li>Eka</li><li>Toka jatkuu</li></ol>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


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
