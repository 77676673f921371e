"""List the imports that sit inside functions in kaiku/ (issue 15, item 6).

An import inside a function hides a dependency from the reader and from the import contracts'
first glance; each that remains must say why (a comment within three lines above it).
Usage: python scripts/function_imports.py [--missing-reason] [ROOT]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def function_imports(path: Path) -> list[tuple[int, str]]:
    """The (line, module) of every import inside a function of one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if in_function and isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif in_function and isinstance(child, ast.ImportFrom):
                found.append((child.lineno, "." * child.level + (child.module or "")))
            visit(child, inside)

    visit(tree, False)
    return found


def has_reason(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line or within the three lines above it."""
    window = lines[max(0, lineno - 4) : lineno]
    return any("#" in line for line in window)


def main(argv: list[str]) -> int:
    missing_only = "--missing-reason" in argv
    args = [a for a in argv if not a.startswith("--")]
    root = Path(args[0] if args else "kaiku")
    total = missing = 0
    for path in sorted(root.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno, module in function_imports(path):
            total += 1
            reason = has_reason(lines, lineno)
            missing += not reason
            if not missing_only or not reason:
                mark = "" if reason else "  (no comment)"
                print(f"{path}:{lineno}: {module}{mark}")
    print(f"{total} imports inside functions, {missing} without a comment")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
