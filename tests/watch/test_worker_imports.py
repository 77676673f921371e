"""What a field-watch parse worker loads at start (issue 16 item 7).

Each parse worker process imports the prepare stage afresh. The language package's draft
checks (privacy with the phone-number library, accessibility, readability, grammar, suicide
wording) are no part of the ingest, and loading them cost every worker about 40 ms of CPU at
start; they are loaded by the first full check instead.
"""

from __future__ import annotations

import json
import subprocess
import sys

NOT_FOR_THE_INGEST = (
    "phonenumbers",
    "kaiku.language.privacy",
    "kaiku.language.access",
    "kaiku.language.readability",
    "kaiku.language.grammar",
    "kaiku.language.suicide",
)


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys, json\n{code}\nprint(json.dumps(list(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_a_parse_worker_does_not_load_the_draft_checks() -> None:
    loaded = _loaded_after(
        "from kaiku.watch.ingest.prepare import read_and_prepare_packed\n"
        "from kaiku.watch.ingest.analysis import analyse\n"
        "analyse('Otsikko', 'Vertaistuki auttaa monia toipumaan riippuvuudesta.', matcher=None)"
    )
    assert "kaiku.watch.ingest.prepare" in loaded
    assert loaded.isdisjoint(NOT_FOR_THE_INGEST), loaded & set(NOT_FOR_THE_INGEST)
