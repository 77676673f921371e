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


def server_roots() -> list[Path]:
    """Where the local servers start: each platform's ``server.py`` beside its tests (and any
    other ``*server*.py`` or ``*_api.py`` there), and the shared modules of tests/servers/ (the
    scripted-server base, the wire), but not the harnesses and the tests."""
    found = [
        p
        for p in sorted(SERVERS.glob("*.py"))
        if not is_harness(p) and not p.name.startswith("test_")
    ]
    for pattern in ("*/*server*.py", "*/*_api.py"):
        found += [p for p in sorted(CHANNEL_TESTS.glob(pattern)) if not p.name.startswith("test_")]
    return found


def module_file(name: str) -> Path | None:
    """The file of module ``name`` under the repository (``tests.channels.x.server``), or None
    (a module from elsewhere, or a name imported from a module rather than a module)."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def server_modules() -> list[Path]:
    """Every module of a local server: the roots, and every module of tests/ that they import,
    directly or through another (a server's API, its text rules, the shared base), so that a
    server kept in any file or split over several is checked whole. A harness is not followed:
    it may speak Kaiku, and no server may import one (checked below)."""
    found: list[Path] = []
    todo = server_roots()
    while todo:
        path = todo.pop(0)
        if path in found:
            continue
        found.append(path)
        # Importing a module runs its packages' __init__ first.
        todo += [
            package / "__init__.py"
            for package in path.parents
            if package.is_relative_to(ROOT / "tests") and (package / "__init__.py").is_file()
        ]
        for _line, name in imported_modules(path):
            if not name.startswith("tests."):
                continue
            target = module_file(name)
            if target is not None and not is_harness(target) and target not in found:
                todo.append(target)
    return sorted(found)


def harness_modules() -> set[str]:
    paths = [p for p in SERVERS.glob("*.py") if is_harness(p)]
    paths += [p for p in CHANNEL_TESTS.glob("*/*.py") if is_harness(p)]
    return {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in paths}


def absolute(path: Path, module: str | None, level: int) -> str:
    """The absolute name of ``from <dots><module> import ...`` written in ``path``: a server
    split over the files of its package (``from .api import ...``) is followed too."""
    if not level:
        return module or ""
    package = path.relative_to(ROOT).parent.parts
    base = list(package[: len(package) - (level - 1)])
    return ".".join(base + ([module] if module else []))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or node.level):
            module = absolute(path, node.module, node.level)
            names.append((node.lineno, module))
            # ``from kaiku import language`` names kaiku in the module; ``from tests.servers
            # import x`` names x, which is checked as a module of its own.
            names += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
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
    names = {str(p.relative_to(CHANNEL_TESTS.parent)) for p in server_modules()}
    assert {
        "channels/x/server.py",
        "channels/linkedin/server.py",
        "channels/mastodon/server.py",
        "channels/mastodon/api.py",
        "channels/mastodon/text.py",
        "channels/meta/server.py",
        "channels/meta/api.py",
        "servers/base.py",
        "servers/wire.py",
    } <= names


def test_the_harnesses_are_known_and_are_not_servers() -> None:
    harnesses = harness_modules()
    assert {f"tests.channels.{p}.harness" for p in ("x", "linkedin", "mastodon", "meta")} <= (
        harnesses
    )
    assert not any(is_harness(p) for p in server_modules())


def _id(path: Path) -> str:
    return str(path.relative_to(CHANNEL_TESTS.parent))


@pytest.mark.parametrize("path", server_modules(), ids=_id)
def test_a_local_server_module_imports_nothing_of_kaiku(path: Path) -> None:
    assert kaiku_imports(path) == []


@pytest.mark.parametrize("path", server_modules(), ids=_id)
def test_a_local_server_module_imports_no_harness(path: Path) -> None:
    harnesses = harness_modules()
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


def test_the_check_follows_a_server_into_the_modules_it_imports_relatively() -> None:
    server = CHANNEL_TESTS / "mastodon" / "server.py"
    names = {name for _line, name in imported_modules(server)}
    assert "tests.channels.mastodon.api" in names
    assert absolute(server, "api", 1) == "tests.channels.mastodon.api"
    assert absolute(server, None, 2) == "tests.channels"
    assert module_file("tests.channels.mastodon.api") == CHANNEL_TESTS / "mastodon" / "api.py"
