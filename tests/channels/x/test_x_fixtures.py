"""The recorded shapes parse into the connector's models (what the test server answers with)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kaiku.channels.x import models

FIXTURES = Path(__file__).resolve().parents[3] / "kaiku" / "channels" / "x" / "fixtures"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_success_shapes_parse() -> None:
    token = models.parse_token(load("token.json"))
    assert token.expires_in == 7200 and token.refresh_token
    assert models.parse_user(load("users_me.json")).username == "toivonpolku"
    assert models.parse_tweet(load("tweet_create.json")).id == "1445880548472328192"
    assert models.parse_deleted(load("tweet_delete.json")) is True
    lookup = models.parse_lookup(load("tweet_lookup.json"))
    assert lookup.tweet.public_metrics["like_count"] == 12
    assert lookup.tweet.urls[0].expanded_url == "https://toivonpolku.example/ryhmat"
    page = models.parse_timeline(load("user_tweets.json"))
    assert page.tweets[0].replied_to == page.tweets[1].id
    assert page.tweets[1].urls[1].is_media and page.tweets[1].media_keys
    assert models.parse_media(load("media_finalize.json")).state == "pending"
    assert models.parse_media(load("media_upload.json")).state is None


def test_every_error_shape_has_words_for_a_person() -> None:
    for path in sorted(FIXTURES.glob("error_*.json")):
        problem = models.parse_problem(json.loads(path.read_text(encoding="utf-8")))
        assert problem is not None and problem.text, path.name
    assert models.parse_problem(load("error_429.json")) == models.Problem(
        "about:blank", "Rate limit exceeded"
    )
    not_found = models.parse_problem(load("error_404.json"))
    assert not_found is not None and not_found.type.endswith("/resource-not-found")
