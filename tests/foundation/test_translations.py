"""Finnish first: every message the code shows has a Finnish and a Swedish translation."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_message_in_the_code_has_a_translation(tmp_path: Path, language: str) -> None:
    """Extracts the messages from a copy of the code, as ``make messages`` does, and merges
    them into a copy of the catalogue: a message that is new, or whose English changed, is
    then untranslated or fuzzy there."""
    shutil.copytree(
        ROOT / "kaiku",
        tmp_path / "kaiku",
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "vendor"),
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KAIKU_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(KAIKU_DATA_DIR=str(tmp_path / "data"), KAIKU_TESTING="1", PYTHONPATH=str(tmp_path))
    # As ``make messages`` does: the language library has its own message tables.
    extracted = subprocess.run(
        [sys.executable, "-m", "kaiku", "makemessages", "-l", language, "--no-obsolete",
         "--ignore", "kaiku/language/*"],
        cwd=tmp_path,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert extracted.returncode == 0, extracted.stderr
    catalogue = tmp_path / "kaiku" / "locale" / language / "LC_MESSAGES" / "django.po"
    stats = subprocess.run(
        ["msgfmt", "--statistics", "-o", os.devnull, str(catalogue)],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert re.search(r"\d+ translated messages?", stats), stats
    assert "fuzzy" not in stats and "untranslated" not in stats, (stats, _unfinished(catalogue))


def _unfinished(catalogue: Path) -> list[str]:
    """The msgids of fuzzy or empty entries, for the failure message."""
    out = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-wrap", str(catalogue)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    out += subprocess.run(
        ["msgattrib", "--untranslated", "--no-wrap", str(catalogue)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return re.findall(r'^msgid "(.+)"$', out, re.MULTILINE)
