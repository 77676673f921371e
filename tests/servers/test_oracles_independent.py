"""The local platform servers are oracles: they never import Kaiku (issue 13.9).

A server that counted or parsed with Kaiku's own functions would agree with Kaiku when Kaiku is
wrong, and the tests built on it would prove nothing. So every module of a local server, and
every module it imports from tests/, is parsed here and may not import ``kaiku`` anywhere, not
even inside a function.

The harness modules are the one exception, and they are not servers: they start a server and
create Kaiku accounts pointed at it for the engine's tests (they must speak Kaiku's models). No
server module may import a harness module, so nothing of Kaiku reaches a server through them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVERS = ROOT / "tests" / "servers"
CHANNEL_TESTS = ROOT / "tests" / "channels"


def is_harness(path: Path) -> bool:
    return path.name == "harness.py" or path.name.endswith("_harness.py")


def server_modules() -> list[Path]:
    """Every module of a local server: all of tests/servers/ but the harnesses and tests, and
    any server module kept beside a platform's tests (``*server*.py``, ``*_api.py``)."""
    found = [
        p
        for p in sorted(SERVERS.glob("*.py"))
        if not is_harness(p) and not p.name.startswith("test_")
    ]
    for pattern in ("*/*server*.py", "*/*_api.py"):
        found += [p for p in sorted(CHANNEL_TESTS.glob(pattern)) if not p.name.startswith("test_")]
    return found


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.lineno, node.module))
            # ``from kaiku import language`` names kaiku in the module; ``from tests.servers
            # import x`` names x, which is checked as a module of its own.
            names += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            if node.args and isinstance(node.args[0], ast.Constant):
                names.append((node.lineno, str(node.args[0].value)))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.append((node.lineno, str(node.args[0].value)))
    return names


def kaiku_imports(path: Path) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for line, name in imported_modules(path)
        if name == "kaiku" or name.startswith("kaiku.")
    ]


def test_there_are_servers_to_check() -> None:
    names = {p.name for p in server_modules()}
    assert {"x_server.py", "linkedin_server.py", "mastodon_api.py", "meta_api.py"} <= names


@pytest.mark.parametrize("path", server_modules(), ids=lambda p: p.name)
def test_a_local_server_module_imports_nothing_of_kaiku(path: Path) -> None:
    assert kaiku_imports(path) == []


@pytest.mark.parametrize("path", server_modules(), ids=lambda p: p.name)
def test_a_local_server_module_imports_no_harness(path: Path) -> None:
    harnesses = {f"tests.servers.{p.stem}" for p in SERVERS.glob("*.py") if is_harness(p)}
    found = [
        f"line {line}: {name}"
        for line, name in imported_modules(path)
        if name in harnesses or any(name.startswith(f"{h}.") for h in harnesses)
    ]
    assert found == []


def test_the_check_sees_an_import_of_kaiku_inside_a_function(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky_server.py"
    sneaky.write_text(
        "def count(text):\n    from kaiku.language import count\n    return count(text, 'x')\n"
        "def other():\n    import kaiku.channels.x.text\n"
        "from kaiku import language\n",
        encoding="utf-8",
    )
    found = {name for _line, name in imported_modules(sneaky) if name.startswith("kaiku")}
    assert found == {"kaiku", "kaiku.language", "kaiku.language.count", "kaiku.channels.x.text"}
