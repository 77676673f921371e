"""The reviewer reads every text of a post with its findings marked, under the same severity
names the writer saw while composing (issue 19, item 5).

Before: the post page showed the findings as counts ("Must be fixed: 1") and a list without
marks, while compose and the check page called the same finding "Must be checked"."""

from __future__ import annotations

import re
from typing import Any

from tests.posts.conftest import settle
from tests.posts.test_gate import NEW, _form, _hetu

MAIN = "Hän on narkkari."


def _texts(html: str) -> dict[str, str]:
    """Each text's block of the gate section, by its target."""
    return dict(
        re.findall(r'<li class="gate-text" data-target="([^"]+)">(.*?)\n    </li>', html, re.S)
    )


def _compose_marks(client: Any, text: str) -> list[tuple[str, str, str]]:
    """The marks compose's check shows for ``text``: (severity, label, marked words)."""
    html = client.post("/o/toivon-polku/check/partial/", {"text": text}).content.decode()
    return _marks(html)


def _marks(html: str) -> list[tuple[str, str, str]]:
    return [
        (sev, title.split(":")[0], words)
        for sev, title, words in re.findall(
            r'<mark class="finding (\w+)" id="mark-[^"]*" title="([^"]*)">([^<]*)<sup>', html
        )
    ]


def test_the_reviewer_sees_every_texts_marks_with_compose_severity_names(
    client_for: Any, org: Any, feed_account: Any
) -> None:
    from kaiku.posts.models import Post

    hetu = _hetu("150785", "-", "318")
    variant = f"Asiakkaan tunnus on {hetu}."
    editor = client_for("editor")
    data = _form(MAIN, feed_account, **{f"variant_{feed_account.pk}": variant})
    editor.post(NEW, data)
    settle()
    post = Post.objects.get()
    assert post.review_required_reason == "hetu"

    html = client_for("reviewer").get(f"/o/toivon-polku/posts/{post.public_id}/").content.decode()
    texts = _texts(html)
    main_marks = _marks(texts["text"])
    variant_marks = _marks(texts[f"variant:{feed_account.pk}"])

    # The stigma word of the main text and the henkilötunnus of the variant are marked ...
    assert any("narkkari" in words for _, _, words in main_marks), main_marks
    assert any(hetu in words for _, _, words in variant_marks), variant_marks
    # ... under the very names compose's check gives the same findings.
    compose_main = _compose_marks(editor, MAIN)
    compose_variant = _compose_marks(editor, variant)
    assert {(s, lb) for s, lb, _ in main_marks} == {(s, lb) for s, lb, _ in compose_main}
    assert {(s, lb) for s, lb, w in variant_marks if hetu in w} == {
        (s, lb) for s, lb, w in compose_variant if hetu in w
    }
    # The counts at the top use those names too, not names of their own.
    labels = {label for _, label, _ in compose_main + compose_variant}
    facts = html.split('<dl class="facts">')[1].split("</dl>")[0]
    counted = re.findall(r'<span class="badge[^"]*">([^:<]+): \d+</span>', facts)
    assert counted and set(counted) <= labels, (counted, labels)
