from __future__ import annotations

import json
from pathlib import Path

import pytest

from kaiku.language.cli import main


def test_text_output_marks_spans_and_lists_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "draft.txt"
    src.write_text("Narkkarit ovat ihmisiä.", encoding="utf-8")
    assert main(["--lang", "fi", str(src)]) == 0
    out = capsys.readouterr().out
    assert "[[Narkkarit]] ovat ihmisiä." in out
    assert "stigma.slur" in out


def test_json_output_lists_findings_with_all_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "draft.txt"
    src.write_text("Maija Virtanen on korvaushoidossa.", encoding="utf-8")
    assert main(["--json", "--lang", "fi", str(src)]) == 2  # a block finding
    data = json.loads(capsys.readouterr().out)
    block = next(d for d in data if d["code"] == "privacy.person_with_health")
    assert set(block) == {
        "kind", "code", "start", "end", "text", "severity", "message", "suggestions", "source",
        "replacements",
    }  # fmt: skip


def test_leading_check_word_and_channels_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "draft.txt"
    src.write_text("a" * 301, encoding="utf-8")
    assert main(["check", "--channel", "x,bluesky", "--json", str(src)]) == 2
    data = json.loads(capsys.readouterr().out)
    assert sorted(d["message"].split(":")[0] for d in data if d["kind"] == "length") == [
        "Bluesky",
        "X",
    ]


def test_batch_keeps_order_and_reports_malformed_lines_without_losing_any(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    out = tmp_path / "out.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": 1, "text": "Narkkarit.", "lang": "fi"}),
                "{not json",
                json.dumps({"id": 3, "text": "Addicts deserve care.", "lang": "en"}),
                json.dumps({"id": 4, "lang": "fi"}),
                json.dumps({"id": 5, "text": "Hyvää huomenta!"}),
            ]
        ),
        encoding="utf-8",
    )
    assert main(["--batch", str(src), "--output", str(out)]) == 1
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x.get("id") for x in lines] == [1, None, 3, 4, 5]
    assert lines[0]["findings"][0]["code"] == "stigma.slur"
    assert lines[1]["line"] == 2 and "error" in lines[1]
    assert lines[2]["findings"][0]["text"] == "Addicts"
    assert "error" in lines[3]
    assert lines[4]["findings"] == []
    err = capsys.readouterr().err
    assert ":2:" in err and ":4:" in err


def test_module_is_runnable_with_python_dash_m() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "kaiku.language", "--lang", "en", "--json", "-"],
        input="Junkies are people.",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)[0]["code"] == "stigma.slur"
