from __future__ import annotations

from pathlib import Path

from kaiku.organisations.roles import PERMISSIONS, Perm, Role


def test_the_roles_table_in_the_docs_is_the_one_in_code() -> None:
    text = (Path(__file__).parents[2] / "docs" / "roles.md").read_text(encoding="utf-8")
    table = text.split("<!-- roles-table -->")[1].split("<!-- /roles-table -->")[0]
    rows = [line.strip("|").split("|") for line in table.strip().splitlines()[2:]]
    documented = {
        (row[0].strip(), role.value): row[i + 1].strip() == "✓"
        for row in rows
        for i, role in enumerate(Role)
    }
    in_code = {(p.value, r.value): p in PERMISSIONS[r] for p in Perm for r in Role}
    assert documented == in_code
