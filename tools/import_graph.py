#!/usr/bin/env python3
"""Print the import graph of the gmm_teach package and check that its dependencies point one way.

Run it from anywhere (it reads the source with ``ast``; nothing is imported)::

    python tools/import_graph.py            # the package next to this script
    python tools/import_graph.py PATH       # the package at PATH

For every module it prints the package modules it imports: at load time, and *lazily* (inside a function,
marked ``lazy``). It exits with status 1, saying why, when

* the modules import each other in a cycle, counting lazy imports too (a lazy import can hide a cycle:
  each module loads, but neither can be understood or tested without the other);
* a lazy import is not one that keeps matplotlib out: it is allowed only into a *drawing* module (one that
  imports matplotlib when it loads, itself or through the modules it imports) from a module that is not
  one, so that ``import gmm_teach`` and code that draws nothing never load matplotlib (the estimators'
  ``visualize_*`` importing ``plotting`` are the example);
* a layering rule of the design is broken: some modules must never reach some others, even indirectly
  (``plotting`` draws parameters and arrays and never reaches an estimator or ``selection``; ``trace``
  never reaches an estimator; the reference core never reaches the estimators or matplotlib).

Only ``import`` statements are read: ``gmm_teach.__getattr__`` loading ``plotting``, ``animation`` and ``widgets``
on first use through ``importlib`` is not an edge here (those are drawing modules, so the rule would allow it).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "gmm_teach"
DRAWING_LIBRARY = "matplotlib"
ESTIMATORS = ("gmm_teach._base", "gmm_teach.mixture", "gmm_teach.bayesian")

#: module -> modules it must never reach, directly or through others (lazy imports included)
NEVER_REACHES = {
    "gmm_teach.plotting": (*ESTIMATORS, "gmm_teach.selection"),
    "gmm_teach.trace": (*ESTIMATORS, "gmm_teach.selection"),
    "gmm_teach.em": (*ESTIMATORS, "gmm_teach.plotting"),
    "gmm_teach.covariance": (*ESTIMATORS, "gmm_teach.plotting", "gmm_teach.em"),
    "gmm_teach.criteria": (*ESTIMATORS, "gmm_teach.selection", "gmm_teach.plotting"),
}


@dataclass
class Import:
    """One ``import`` statement's edge: who imports what, where, and whether at load time."""

    importer: str
    imported: str
    line: int
    function: str | None  # the enclosing function of a lazy import; None at load time

    @property
    def lazy(self) -> bool:
        return self.function is not None


@dataclass
class Module:
    name: str
    path: Path
    imports: list[Import] = field(default_factory=list)
    loads_drawing_library: bool = False  # imports matplotlib at load time, itself


def module_name(path: Path, root: Path) -> str:
    """``gmm_teach/widgets/__init__.py`` -> ``gmm_teach.widgets``; ``gmm_teach/em.py`` -> ``gmm_teach.em``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_package(root: Path) -> dict[str, Module]:
    """Every module of the package at ``root`` with the package modules it imports."""
    modules = {module_name(path, root): Module(module_name(path, root), path) for path in sorted(root.rglob("*.py"))}
    for module in modules.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
        is_package = module.path.name == "__init__.py"
        for node, function in _imports_with_their_function(tree):
            targets = set(_targets(node, module.name, is_package, modules))
            if function is None and any(target.split(".")[0] == DRAWING_LIBRARY for target in targets):
                module.loads_drawing_library = True
            for target in sorted(targets):
                resolved = _package_module(target, modules)
                if resolved is not None and resolved != module.name:
                    module.imports.append(Import(module.name, resolved, node.lineno, function))
    return modules


def _imports_with_their_function(tree):
    """Yield (import node, name of the enclosing function or None) for every import statement in ``tree``."""

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, function
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from visit(child, child.name if function is None else f"{function}.{child.name}")
            else:
                yield from visit(child, function)

    return visit(tree, None)


def _targets(node, importer, is_package, modules):
    """The dotted names an import statement loads: ``from .a import b`` -> ``pkg.a.b`` if a module, else ``pkg.a``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = importer.split(".") if is_package else importer.split(".")[:-1]
        base = ".".join(package[: len(package) - (node.level - 1)])
        source = f"{base}.{node.module}" if node.module else base
    else:
        source = node.module
    return [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source for alias in node.names]


def _package_module(target, modules):
    """The package module a dotted name refers to (``pkg.em.e_step`` -> ``pkg.em``), or None if outside."""
    parts = target.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def edges(modules, lazy=None):
    """module -> set of modules it imports (``lazy=False``: at load time only)."""
    return {
        name: {edge.imported for edge in module.imports if lazy is None or edge.lazy == lazy}
        for name, module in modules.items()
    }


def reachable(graph, start):
    """Every module ``start`` reaches through ``graph``, itself excluded unless on a cycle."""
    seen, todo = set(), list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph[name])
    return seen


def cycles(graph):
    """The strongly connected groups of more than one module (Tarjan's algorithm), each sorted."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def connect(name):
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for other in sorted(graph[name]):
            if other not in index:
                connect(other)
                low[name] = min(low[name], low[other])
            elif other in on_stack:
                low[name] = min(low[name], index[other])
        if low[name] == index[name]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == name:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            connect(name)
    return groups


def drawing_modules(modules):
    """The modules that load matplotlib when they load: themselves, or through a load-time import."""
    eager = edges(modules, lazy=False)
    return {
        name
        for name in modules
        if modules[name].loads_drawing_library
        or any(modules[other].loads_drawing_library for other in reachable(eager, name))
    }


def problems(modules):
    """Everything that breaks the rules in the module docstring, as sentences (empty when all is well)."""
    found = []
    graph = edges(modules)
    for group in cycles(graph):
        found.append(f"import cycle (lazy imports counted): {' <-> '.join(group)}")
    drawing = drawing_modules(modules)
    for module in modules.values():
        for edge in module.imports:
            if edge.lazy and not (edge.imported in drawing and edge.importer not in drawing):
                found.append(
                    f"lazy import of {edge.imported} in {edge.importer}.{edge.function} "
                    f"({module.path.name}:{edge.line}): import it at the top of the module (only a "
                    "module that loads matplotlib may be imported lazily, by one that does not)"
                )
    for source, forbidden in NEVER_REACHES.items():
        if source in graph:
            for target in sorted(reachable(graph, source) & set(forbidden)):
                found.append(f"layering: {source} reaches {target}")
    return found


def describe(modules):
    """The graph as text: one line per module, its imports sorted, lazy ones marked."""
    drawing = drawing_modules(modules)
    lines = []
    for name in sorted(modules):
        imported = {}
        for edge in modules[name].imports:
            imported[edge.imported] = imported.get(edge.imported, True) and edge.lazy
        shown = [f"{target}{' (lazy)' if lazy else ''}" for target, lazy in sorted(imported.items())]
        tag = "  [loads matplotlib]" if name in drawing else ""
        lines.append(f"{name}{tag}\n    -> {', '.join(shown) if shown else '(nothing in the package)'}")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / PACKAGE
    if not (root / "__init__.py").is_file():
        print(f"{root} is not a package (no __init__.py)", file=sys.stderr)
        return 2
    modules = read_package(root)
    print(describe(modules))
    found = problems(modules)
    print()
    if found:
        print(f"{len(found)} problem(s):")
        print("\n".join(f"  - {problem}" for problem in found))
        return 1
    print(f"{len(modules)} modules, no import cycle, no lazy import but into a drawing module, layering kept.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
