"""The "little" text format: reserved characters escaped, hashtags kept, nothing cut short."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kaiku.channels.base import OutgoingPost
from kaiku.channels.linkedin.connector import LinkedInConnector
from kaiku.channels.linkedin.models import escape_little, little_to_plain, to_little
from kaiku.language import count
from tests.channels.linkedin.server import LinkedInServer, render_little

FINNISH = (
    "Vertaistukiryhmä (avoin kaikille) alkaa ti 3.9. klo 17–19!\n"
    "Huom: *ei* ennakkoilmoittautumista, paikka on Kahvila_Kulma [2. krs] ~ "
    "kysy {lisää} <info@toivonpolku.example> | puh. 040 123 4567 \\ tervetuloa "
    "@toivonpolku #vertaistuki #mielenterveys #1 https://toivonpolku.example/ryhmät#syksy"
)


def test_every_reserved_character_is_escaped() -> None:
    assert escape_little("|{}@[]()<>#\\*_~") == "\\|\\{\\}\\@\\[\\]\\(\\)\\<\\>\\#\\\\\\*\\_\\~"


def test_hashtags_become_the_documented_template() -> None:
    assert to_little("Tule mukaan #vertaistuki!") == "Tule mukaan {hashtag|#|vertaistuki}!"
    assert to_little("#Hyvinvointi_2026") == "{hashtag|#|Hyvinvointi}\\_2026"


def test_a_hash_in_a_url_or_before_a_number_is_plain_text() -> None:
    assert to_little("https://a.example/s#osa") == "https://a.example/s\\#osa"
    assert to_little("Olemme #1") == "Olemme \\#1"


def test_a_mention_in_linkedin_form_is_kept() -> None:
    text = "Kiitos @[Toivon Polku ry](urn:li:organization:2414183)!"

    assert to_little(text) == text


def test_finnish_text_with_every_reserved_character_round_trips_uncut(
    linkedin: LinkedInServer, page: LinkedInConnector, make_post: Callable[..., OutgoingPost]
) -> None:
    page.publish_part(make_post(FINNISH), 0, [])

    (post,) = linkedin.live_posts()
    assert post["commentary"] != FINNISH  # it was escaped
    assert linkedin.visible_texts() == [FINNISH]
    assert "{hashtag|#|vertaistuki}" in post["commentary"]
    assert "{hashtag|#|mielenterveys}" in post["commentary"]


def test_the_server_cuts_unescaped_text_as_linkedin_does() -> None:
    # Without escaping the post would be cut at the parenthesis (n8n-io/n8n#10179).
    assert render_little("Ryhmä alkaa (avoin kaikille) tiistaina") == "Ryhmä alkaa "


@pytest.mark.parametrize(
    "little",
    [
        "Moi {hashtag|#|vertaistuki} \\(tervetuloa\\)",
        "Moi {hashtag|\\#|vertaistuki} \\(tervetuloa\\)",
    ],
)
def test_commentary_read_back_is_compared_as_visible_text(little: str) -> None:
    assert little_to_plain(little) == "Moi #vertaistuki (tervetuloa)"


def test_kaiku_counts_the_escapes_against_the_3000_limit() -> None:
    text = "Kahvila (2. krs) *avoin*"

    assert count(text, "linkedin") == len(escape_little(text))
