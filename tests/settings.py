"""Settings for the test suite: Kaiku's own, with test defaults set before they are read."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("KAIKU_TESTING", "1")
os.environ.setdefault("KAIKU_ALLOWED_PRIVATE_HOSTS", "127.0.0.1,localhost,[::1]")
os.environ.setdefault("KAIKU_DATA_DIR", tempfile.mkdtemp(prefix="kaiku-test-data-"))

from kaiku.settings import *  # noqa: F403
