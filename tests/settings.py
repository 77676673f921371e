"""Settings for the test suite: Kaiku's own, with test defaults set before they are read."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("KAIKU_TESTING", "1")
os.environ.setdefault("KAIKU_ALLOWED_PRIVATE_HOSTS", "127.0.0.1,localhost,[::1]")
if "KAIKU_DATA_DIR" not in os.environ:
    # Made only when no folder is given (setdefault would make one in every process that
    # reads these settings, given one or not), and removed when the process that made it
    # ends: each run of the suite left some 1,000 folders in /tmp before.
    _data_dir = tempfile.mkdtemp(prefix="kaiku-test-data-")
    os.environ["KAIKU_DATA_DIR"] = _data_dir
    atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)

from kaiku.settings import *  # noqa: F403
