"""The data directory is for Kaiku's eyes only: the database, the keys and the uploads in it
are readable by the owner alone."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

# Whatever Kaiku creates from here on: files 0600, directories 0700.
UMASK = 0o077
# The files that exist before the umask can apply (an older Kaiku made them, or a copy).
_PRIVATE_FILES = ("kaiku.sqlite3", "kaiku.sqlite3-wal", "kaiku.sqlite3-shm")


def restrict_umask() -> None:
    os.umask(UMASK)


def make_private(data_dir: Path) -> None:
    """Set the umask and tighten the data directory and the database files already there."""
    restrict_umask()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    targets = [(data_dir, 0o700)]
    targets += [(data_dir / name, 0o600) for name in _PRIVATE_FILES]
    for path, mode in targets:
        try:
            if path.exists() and path.stat().st_mode & 0o777 != mode:
                path.chmod(mode)
        except OSError as exc:  # not ours to change (a directory an administrator made)
            log.warning("Cannot make %s private: %s", path, exc)
