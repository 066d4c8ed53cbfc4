"""The direction of dependencies inside ``portal/``, checked on the source (AST, no imports run).

Layers, top to bottom (a package may import its own modules and any package of a lower layer;
packages of one layer are independent of each other)::

    app, server, cli                      entry points
    ui                                    Streamlit pages and session glue
    certificates | reminders              completion certificates (PDF, codes); due-date reminder e-mails
    stats                                 admin statistics: read-only, and the summaries' rebuild
    learning | sandbox                    the writers of the facts
    summaries | accounts                  summary tables and their writers; users, roles, sessions
    llm | risk                            model client; the risk checklist
    db                                    engine, sessions, models
    config | i18n | localtime | sudachi   settings, messages, Japan time, the shared dictionary

Every import counts, also one inside a function or under ``TYPE_CHECKING``: an import moved into
a function still makes the dependency, and hiding a cycle that way is exactly what this forbids.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "portal"

LAYERS: list[set[str]] = [
    {"app", "server", "cli"},
    {"ui"},
    {"certificates", "reminders"},
    {"stats", "authoring"},
    {"learning", "sandbox"},
    {"summaries", "accounts"},
    {"llm", "risk", "ops"},
    {"db"},
    {"config", "i18n", "localtime", "sudachi"},
]
LAYER = {package: i for i, packages in enumerate(LAYERS) for package in packages}

# Function-level imports of another portal package, with the reason. Anything else is imported at
# the top of its module, where the dependency is visible.
LAZY_ALLOWED = {
    "portal.cli": "each console command imports only what it needs (start-up time of `portal ...`)",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, inside a function?) for every ``portal`` import of one file."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested.update(id(n) for n in ast.walk(node) if n is not node)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from portal.x import y` may name a submodule y: count both x and x.y (when it exists)
            names = [stem] + [f"{stem}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith("portal."):
                found.append((name, id(node) in nested))
    return found


def _files() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _known_modules() -> set[str]:
    return {_module_name(p) for p in _files()}


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _module_graph() -> dict[str, set[str]]:
    known = _known_modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for path in _files():
        source = _module_name(path)
        for target, _ in _imports(path):
            if target in known and target != source:
                graph[source].add(target)
    return graph


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, targets in _module_graph().items():
        for target in targets:
            if _top(source) != _top(target):
                graph[_top(source)].add(_top(target))
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(set(graph) | {w for ws in graph.values() for w in ws}):
        if v not in index:
            visit(v)
    return out


def test_every_portal_package_has_a_layer():
    packages = {_top(m) for m in _known_modules() if m != "portal"}  # portal/__init__.py: the package itself
    assert packages <= set(LAYER), f"add to LAYERS: {sorted(packages - set(LAYER))}"


def test_no_import_cycle_between_packages():
    assert _cycles(_package_graph()) == []


def test_dependencies_point_down_the_layers():
    wrong = sorted(
        f"{source} -> {target}"
        for source, targets in _package_graph().items()
        for target in targets
        if LAYER[target] <= LAYER[source]
    )
    assert wrong == [], "imports against the layers (or between packages of one layer): " + ", ".join(wrong)


def test_no_function_level_import_of_another_package():
    lazy = sorted(
        f"{_module_name(path)}: {target}"
        for path in _files()
        if _module_name(path) not in LAZY_ALLOWED
        for target, inside in _imports(path)
        if inside and _top(target) != _top(_module_name(path))
    )
    assert lazy == [], "import these at the top of the module: " + ", ".join(lazy)


def test_pages_do_not_import_pages():
    """Pages navigate through ``portal.ui.routes``; shared widgets live outside ``ui/pages``. The
    modules of one multi-module page (a sub-package such as ``ui/pages/admin``) share code."""
    wrong = []
    for path in _files():
        source = _module_name(path)
        if not source.startswith("portal.ui.pages."):
            continue
        own = source.rpartition(".")[0] if path.name != "__init__.py" else source
        for target, _ in _imports(path):
            if target.startswith("portal.ui.pages.") and target in _known_modules():
                if own == "portal.ui.pages" or not (target == own or target.startswith(own + ".")):
                    wrong.append(f"{source} -> {target}")
    assert sorted(set(wrong)) == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}}, []),
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
])
def test_the_cycle_check_finds_cycles(graph, expected):
    assert _cycles(graph) == expected


def test_a_function_level_import_counts(tmp_path, monkeypatch):
    """The check reads imports inside functions too (the way a cycle used to be hidden)."""
    pkg = tmp_path / "portal"
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a" / "__init__.py").write_text("from portal.b import x\n")
    (pkg / "b" / "__init__.py").write_text("def f():\n    from portal.a import y\n")
    monkeypatch.setitem(globals(), "ROOT", pkg)
    assert _cycles(_package_graph()) == [["a", "b"]]
