"""The reviewer's list names each post's findings: the worst severity first, a count per
severity under the names compose and the post page use (kaiku/checks/severity.py), per text
too, and a link to the post page where the texts are marked (issue 19, item 5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from kaiku.checks import severity

pytestmark = pytest.mark.django_db


def waiting_post(org: Any, author: Any, **extra: Any) -> Any:
    from django.utils import timezone

    from kaiku.posts.models import Post

    return Post.objects.create(
        organisation=org,
        author=author,
        text="Hän on narkkari.",
        state=Post.State.IN_REVIEW,
        submitted_at=timezone.now(),
        review_required_reason="privacy_block",
        **extra,
    )


def test_the_review_list_shows_the_worst_severity_and_counts_by_severity_name(
    client_for: Any, org: Any, members: Any
) -> None:
    post = waiting_post(
        org,
        members["editor"],
        findings_summary={"warn": 2, "block": 1, "info": 3},
        gate_summary=[{"target": "main", "block": 1, "warn": 2, "hetu": False}],
    )
    calm = waiting_post(
        org,
        members["editor"],
        findings_summary={"warn": 1},
        gate_summary=[{"target": "main", "block": 0, "warn": 1, "hetu": False}],
    )
    html = client_for("reviewer").get("/o/toivon-polku/review/").content.decode()
    with translation.override("fi"):
        block, warn, info = (severity.label(s) for s in ("block", "warn", "info"))
    first = html.split(f"/posts/{post.public_id}/", 1)[1].split('class="post-row"', 1)[0]
    second = html.split(f"/posts/{calm.public_id}/", 1)[1].split('class="post-row"', 1)[0]
    assert 'data-worst="block"' in first
    assert f"{block}: 1" in first and f"{warn}: 2" in first and f"{info}: 3" in first
    # Worst first: the block count comes before the warnings and notes.
    assert first.index(f"{block}: 1") < first.index(f"{warn}: 2") < first.index(f"{info}: 3")
    assert f'href="/o/toivon-polku/posts/{post.public_id}/#gate"' in first
    assert 'data-worst="warn"' in second and block not in second
    # The per-text line uses the same names, not a status of its own.
    assert "Vaatii tarkastajan" not in html and "Kannattaa katsoa" not in html
