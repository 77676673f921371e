from __future__ import annotations

import pytest

from kaiku.language import check, count, limit
from kaiku.language.length import grapheme_count


def test_x_counts_every_url_as_23() -> None:
    text = "Lue lisää https://example.com/a/very/long/path/that/goes/on?and=on"
    assert count(text, "x") == len("Lue lisää ") + 23


def test_x_counts_cjk_double_and_emoji_sequences_as_two() -> None:
    assert count("日本", "x") == 4
    assert count("👩‍👩‍👧‍👦", "x") == 2
    assert count("Hyvää päivää", "x") == 12


def test_bluesky_counts_graphemes_with_zwj_flags_and_combining_marks() -> None:
    assert count("👨‍👩‍👧‍👦", "bluesky") == 1
    assert count("🇫🇮🇸🇪", "bluesky") == 2
    assert count("e\u0301", "bluesky") == 1
    assert count("👍🏽", "bluesky") == 1
    assert count("1️⃣", "bluesky") == 1
    assert grapheme_count("Hei 👋🏻!") == 6


def test_mastodon_counts_remote_mention_by_local_part_and_urls_as_23() -> None:
    assert count("@maija@mastodon.example", "mastodon") == len("@maija")
    assert count("Moi https://example.org/pitka/polku", "mastodon") == 4 + 23


def test_linkedin_counts_reserved_characters_twice() -> None:
    assert count("(a) #b", "linkedin") == 9
    assert count("plain", "linkedin") == 5


def test_default_limits_per_channel() -> None:
    names = ("x", "bluesky", "mastodon", "threads", "instagram", "linkedin", "facebook")
    assert [limit(c) for c in names] == [280, 300, 500, 500, 2200, 3000, 63206]


def test_unknown_channel_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown channel"):
        limit("myspace")


def test_overflow_finding_covers_the_excess_and_says_by_how_much() -> None:
    text = "a" * 290
    f = next(f for f in check(text, "fi", ["x"]) if f.kind == "length")
    assert (f.code, f.severity, f.start, f.end) == ("length.over_limit", "block", 280, 290)
    assert "10 merkkiä liikaa" in f.message


def test_channel_limits_override_the_default() -> None:
    text = "a" * 600
    assert any(f.kind == "length" for f in check(text, "fi", ["mastodon"]))
    assert not any(
        f.kind == "length"
        for f in check(text, "fi", ["mastodon"], channel_limits={"mastodon": 1000})
    )


def test_instagram_allows_at_most_five_hashtags() -> None:
    text = "Kuva #yksi #kaksi #kolme #neljä #viisi #kuusi #seitsemän"
    f = next(f for f in check(text, "fi", ["instagram"]) if f.code == "length.hashtags")
    assert f.text == "#kuusi #seitsemän"


def test_threads_counts_an_emoji_as_its_utf8_bytes_and_other_characters_as_one() -> None:
    # Threads posts guide: "Emojis are counted as the number of UTF-8 bytes."
    assert count("Hei", "threads") == 3
    assert count("Hyvää päivää", "threads") == 12
    assert count("🌱", "threads") == 4
    assert count("👍🏽", "threads") == 8  # with its skin tone: two code points, 8 bytes
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert count(family, "threads") == len(family.encode("utf-8")) == 18
    assert count("Kiitos ❤️", "threads") == 7 + len("❤️".encode())


def test_a_mastodon_instance_s_own_url_weight_is_used() -> None:
    text = "Lue lisää https://example.org/hyvin/pitka/osoite/joka/ei/vaikuta"
    assert count(text, "mastodon") == 10 + 23
    assert count(text, "mastodon", url_weight=30) == 10 + 30
