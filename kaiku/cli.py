"""The ``kaiku`` command: Django's management commands plus Kaiku's own.

``kaiku check`` is the language check and runs without Django or a database;
Django's own system check is ``kaiku system-check``.
"""

from __future__ import annotations

import os
import sys

from kaiku.conf import SettingError
from kaiku.core.private import restrict_umask
from kaiku.language.cli import main as check_main


def _default_public_url(argv: list[str]) -> None:
    """``kaiku serve --host H --port P`` serves at http://H:P unless KAIKU_PUBLIC_URL says else."""
    host, port = "127.0.0.1", "8000"
    for index, word in enumerate(argv):
        following = argv[index + 1] if index + 1 < len(argv) else ""
        if word == "--host":
            host = following
        elif word.startswith("--host="):
            host = word.split("=", 1)[1]
        elif word == "--port":
            port = following
        elif word.startswith("--port="):
            port = word.split("=", 1)[1]
    if host in {"0.0.0.0", "::", ""}:
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    os.environ.setdefault("KAIKU_PUBLIC_URL", f"http://{shown}:{port}")


# Kaiku's own commands, shown first by ``kaiku``, ``kaiku help`` and ``kaiku --help``.
OWN_COMMANDS = (
    ("serve", "serve the web app (and the background worker, unless --no-worker)"),
    ("worker", "run background jobs: publishing, the field watch, e-mails"),
    ("check", "the language check of a text (stigma, privacy, channel limits)"),
    ("watch", "the field watch from the command line: add sources, poll, read"),
    ("createsuperuser", "create the first administrator"),
    ("migrate", "create or update the database"),
    ("rotate_encryption_key", "re-encrypt stored platform tokens with a new key"),
    ("system-check", "Django's own system check of the settings"),
)


def usage() -> str:
    width = max(len(name) for name, _ in OWN_COMMANDS)
    lines = ["usage: kaiku COMMAND [options]   (kaiku COMMAND --help for one command)", ""]
    lines += [f"  {name.ljust(width)}  {what}" for name, what in OWN_COMMANDS]
    lines += [
        "",
        "Exit codes: 0 done, 1 failed, 2 bad usage or configuration.",
        "All of Django's commands: kaiku help --all",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in ([], ["help"], ["--help"], ["-h"]):
        sys.stdout.write(usage())
        return 0
    if args == ["help", "--all"]:
        args = ["help"]
    if args and args[0] == "check":
        return check_main(args[1:])
    if args and args[0] == "system-check":
        args[0] = "check"
    if args and args[0] == "serve":
        _default_public_url(args[1:])
    if args and args[0] in {"serve", "worker"}:
        # Before the settings create the data directory and its key files.
        restrict_umask()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaiku.settings")
    # Inside the function: ``kaiku check`` runs without Django, and Django reads
    # DJANGO_SETTINGS_MODULE, set just above.
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["kaiku", *args])
    except SettingError as exc:
        print(f"kaiku: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0
