"""The ``kaiku`` command: the language check runs without Django or a database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_kaiku_check_reads_stdin_and_prints_findings_as_json(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAIKU_", "DJANGO_"))}
    env["KAIKU_DATA_DIR"] = str(tmp_path / "never-made")
    done = subprocess.run(
        [sys.executable, "-m", "kaiku", "check", "--lang", "fi", "--json", "-"],
        input="Kaupungin narkkareiden palvelut paranevat.",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(done.stdout)
    assert any(f["kind"] == "stigma" and f["text"] == "narkkareiden" for f in findings)
    assert not (tmp_path / "never-made").exists()  # no settings, no data directory
