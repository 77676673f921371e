"""Finnish and Swedish quote with ”…” (the same mark on both sides); the English “…” must not
leak into their UI, neither from a catalogue nor from a template's literal text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_no_finnish_or_swedish_translation_uses_english_quotation_marks(language: str) -> None:
    catalogue = (ROOT / "kaiku" / "locale" / language / "LC_MESSAGES" / "django.po").read_text()
    translations = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n)+)', catalogue, re.MULTILINE)
    assert translations
    assert not [t for t in translations if "“" in t or "“" in t]


def test_no_template_writes_a_quotation_mark_outside_gettext() -> None:
    found = []
    for path in (ROOT / "kaiku").rglob("templates/**/*.html"):
        # Text inside {% translate %} / {% blocktranslate %} is the catalogue's to quote.
        text = re.sub(
            r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}|{%\s*translate\s+\".*?\"\s*%}",
            "",
            path.read_text(),
            flags=re.S,
        )
        if "“" in text or "”" in text:
            found.append(str(path.relative_to(ROOT)))
    assert not found


@pytest.mark.django_db
def test_a_finding_on_the_check_page_is_quoted_the_finnish_way(client_for: object) -> None:
    client: Client = client_for("editor")  # type: ignore[operator]
    response = client.get("/o/toivon-polku/check/", {"text": "Hän on narkkari."})
    page = response.content.decode()
    assert "”narkkari”" in page and "“narkkari”" not in page, re.findall(r".narkkari.", page)
