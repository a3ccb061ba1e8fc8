"""The import graph of the package: no cycle, and no layer importing from a layer above it.

Layers (README, «Cấu trúc»): the core (``cqdt/*.py``, ``cqdt/sensitivity*``) < publishing
(``cqdt/publishing/``) < the front ends (``cli/``, ``explorer.py``, ``__main__.py``). Every
``import`` and ``from ... import`` counts, including those under ``TYPE_CHECKING`` and inside
functions: they are dependencies too, only deferred. Read from the source with :mod:`ast`,
nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "cqdt"
FRONT_ENDS = {"cqdt.cli", "cqdt.explorer", "cqdt.__main__"}
"""Modules of the front end (and every module of the ``cqdt.cli`` package)."""
LAYERS = ("core", "publishing", "front end")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(source: str, name: str, is_package: bool = False) -> set[str]:
    """The package's modules that the module ``name`` imports anywhere in ``source``."""
    targets = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1 packages
                package = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    found = set()
    for target in targets:
        while target and target not in MODULES:  # an attribute of a module: that module
            target = target.rpartition(".")[0]
        if target:
            found.add(target)
    return found - {name}


def import_graph() -> dict[str, set[str]]:
    return {
        name: imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
        for name, path in MODULES.items()
    }


def layer(name: str) -> str:
    if name in FRONT_ENDS or name.startswith("cqdt.cli."):
        return "front end"
    if name == "cqdt.publishing" or name.startswith("cqdt.publishing."):
        return "publishing"
    return "core"  # cqdt, cqdt/*.py, cqdt.sensitivity and any sub-package of it


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan), each a cycle or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_every_kind_of_import():
    source = (
        "from typing import TYPE_CHECKING\n"
        "import cqdt.criteria\n"
        "from cqdt import __version__\n"
        "from cqdt.publishing import charts\n"
        "from . import numbers\n"
        "if TYPE_CHECKING:\n"
        "    from cqdt.scoring import ScoreResult\n"
        "def later():\n"
        "    from .publishing.html import section\n"
    )
    assert imports_of(source, "cqdt.x") == {
        "cqdt",
        "cqdt.criteria",
        "cqdt.publishing.charts",
        "cqdt.numbers",
        "cqdt.scoring",
        "cqdt.publishing.html",
    }
    graph = import_graph()
    assert {"cqdt.yamlfile", "cqdt.methods"} <= graph["cqdt.criteria"]
    assert len(graph) > 30  # every module of the package, publishing included
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_no_layer_imports_from_a_layer_above_it():
    upward = sorted(
        f"{name} ({layer(name)}) imports {other} ({layer(other)})"
        for name, imported in import_graph().items()
        for other in imported
        if LAYERS.index(layer(other)) > LAYERS.index(layer(name))
    )
    assert upward == []


def test_no_import_cycle_in_the_package():
    assert cycles(import_graph()) == []
