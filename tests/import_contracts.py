"""Import contracts that import-linter lacks, loaded by ``lint-imports`` (pyproject.toml).

``acyclic_modules``: no import circle between any two modules below the root package, counting
imports inside functions too (grimp reads them). import-linter's own ``acyclic_siblings``
squashes each package into one node, so it finds circles between packages but lets a circle
through when its two ends live in the same layer of sibling apps (posts.services ->
publishing.engine -> posts.services was one, hidden inside a function).
"""

from __future__ import annotations

from typing import Any

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils
from importlinter.application.contract_utils import AlertLevel


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of two or more modules that reach each other (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return sorted(groups)


class AcyclicModulesContract(Contract):
    """No module of ``root`` takes part in an import circle."""

    type_name = "acyclic_modules"

    root = fields.StringField()
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        root = str(self.root)
        modules = {m for m in graph.modules if m == root or m.startswith(root + ".")}
        edges = {m: set(graph.find_modules_directly_imported_by(m)) & modules for m in modules}
        circles: list[list[dict[str, Any]]] = []
        for group in strongly_connected(edges):
            members = set(group)
            circles.append(
                [
                    {"importer": a, "imported": b, "lines": self._lines(graph, a, b)}
                    for a in group
                    for b in sorted(edges[a] & members)
                ]
            )
        return ContractCheck(
            kept=not circles,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"circles": circles},
        )

    @staticmethod
    def _lines(graph: ImportGraph, importer: str, imported: str) -> list[int]:
        details = graph.get_import_details(importer=importer, imported=imported)
        return sorted(int(d["line_number"]) for d in details)

    def render_broken_contract(self, check: ContractCheck) -> None:
        for circle in check.metadata["circles"]:
            output.print_error("These modules import each other (line numbers of the imports):")
            output.new_line()
            for edge in circle:
                lines = ", ".join(str(n) for n in edge["lines"])
                output.print_error(f"- {edge['importer']} -> {edge['imported']} (l. {lines})")
            output.new_line()
