"""A quiet, helpful command line (issue 19, item 8): ``kaiku`` shows Kaiku's own commands first,
one line each, and says its exit codes; ``kaiku check --help`` documents the check's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def kaiku(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "kaiku", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("args", [(), ("help",), ("--help",), ("-h",)])
def test_kaiku_lists_its_own_commands_first_with_a_line_each(args: tuple[str, ...]) -> None:
    done = kaiku(*args)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("usage: kaiku COMMAND")
    listed = [line.split()[0] for line in lines[2:] if line.startswith("  ")]
    assert listed[:4] == ["serve", "worker", "check", "watch"]
    for line in lines[2:]:
        if line.startswith("  "):
            assert len(line.split(None, 1)) == 2, f"no description: {line!r}"
    assert "Exit codes:" in done.stdout
    # Django's long list is one command away, not in the way.
    assert "[django]" not in done.stdout
    assert "kaiku help --all" in done.stdout


def test_kaiku_help_all_still_lists_every_django_command() -> None:
    done = kaiku("help", "--all")
    assert done.returncode == 0, done.stderr
    assert "[django]" in done.stdout
    assert "migrate" in done.stdout


def test_every_command_listed_exists() -> None:
    from kaiku.cli import OWN_COMMANDS

    for name, _what in OWN_COMMANDS:
        done = kaiku(name, "--help")
        assert done.returncode == 0, f"{name}: {done.stderr}"


def test_the_language_check_documents_its_exit_codes() -> None:
    done = kaiku("check", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "exit codes: 0 no block finding; 2 at least one block finding" in text
    assert "64 an unknown channel" in text
