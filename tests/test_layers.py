"""The layering is a test (issue 9): core <- excel <- steps <- doors, no cycles, no hidden imports.

Every module of the package is parsed (its AST, not imported), and every ``import`` is
collected: at module level (also under ``if``/``try``) and inside functions.

* ``xl_kik.core``   imports no Excel library (openpyxl, XlsxWriter, python-calamine, xlwings,
                    zipfile) and nothing from excel/, steps/, demo/ or the doors;
* ``xl_kik.excel``  imports only core (and the standard library / third-party libraries);
* ``xl_kik.steps``  imports core and excel (never the doors; demo/ only from the demo step);
* ``xl_kik.demo``   imports core, excel and steps;
* the doors (``xl_kik.cli``, ``xl_kik.buttons``) import steps (and core for types and messages);
* no import cycle between our modules, counting function-level imports;
* a function-level import only for a heavy third-party library that is deliberately lazy,
  with ``# lazy: <reason>`` on its line.

What does not hold yet is listed in :data:`ALLOWED`, per module, with the engineer/area that owns
it. The list must shrink: an entry that no longer happens fails the test too (remove it).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

import xl_kik

PACKAGE = Path(xl_kik.__file__).parent
ROOT = PACKAGE.parent
EXCEL_LIBRARIES = {"openpyxl", "xlsxwriter", "python_calamine", "xlwings", "zipfile"}
DOORS = {"xl_kik.cli", "xl_kik.buttons", "xl_kik.__main__"}
#: Modules every layer may import (no dependencies of their own inside the package).
SHARED = {"xl_kik._version"}
DEMO_STEP = "xl_kik.steps.demo"  # the one step that may run the demo
LAZY_MARK = "# lazy:"

# ---------------------------------------------------------------- what does not hold yet
#: module -> the violations still there (the strings :func:`violations` reports). Owners in
#: the comments. Shrinks to empty: the lead empties it at the end of issue 9.
ALLOWED: dict[str, set[str]] = {}


# ---------------------------------------------------------------- reading the sources
@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what is imported: a module of ours (resolved), or a top-level library name
    ours: bool
    in_function: bool
    line: int
    text: str  # the source line


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[tuple[str, bool]]:
    """(target, ours) for each name an import statement binds."""
    if isinstance(node, ast.Import):
        out = []
        for alias in node.names:
            name = alias.name
            if name == "xl_kik" or name.startswith("xl_kik."):
                while name not in MODULES:
                    name = name.rsplit(".", 1)[0]
                out.append((name, True))
            else:
                out.append((name.split(".")[0], False))
        return out
    base = node.module or ""
    if node.level:  # relative: resolve against the importing module's package
        pkg = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
        for _ in range(node.level - 1):
            pkg = pkg.rsplit(".", 1)[0]
        base = f"{pkg}.{base}" if base else pkg
    if not (base == "xl_kik" or base.startswith("xl_kik.")):
        return [(base.split(".")[0], False)]
    out = []
    for alias in node.names:
        full = f"{base}.{alias.name}"
        target = full if full in MODULES else base
        while target not in MODULES:
            target = target.rsplit(".", 1)[0]
        out.append((target, True))
    return out


def _imports(module: str, path: Path) -> list[Import]:
    source = path.read_text("utf-8")
    lines = source.splitlines()
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                text = lines[child.lineno - 1]
                for target, ours in _resolve(module, child):
                    found.append(Import(module, target, ours, in_function, child.lineno, text))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(source, str(path)), False)
    return found


IMPORTS = [imp for module, path in MODULES.items() for imp in _imports(module, path)]


# ---------------------------------------------------------------- the rules
def layer(module: str) -> str:
    if module in DOORS:
        return "doors"
    if module in SHARED:
        return "shared"
    for name in ("core", "excel", "steps", "demo"):
        if module == f"xl_kik.{name}" or module.startswith(f"xl_kik.{name}."):
            return name
    return "api"  # xl_kik/__init__.py: the curated public API


#: layer -> the layers of ours it may import (itself included).
MAY_IMPORT = {
    "shared": {"shared"},
    "core": {"core", "shared"},
    "excel": {"excel", "core", "shared"},
    "steps": {"steps", "excel", "core", "shared"},
    "demo": {"demo", "steps", "excel", "core", "shared"},
    "doors": {"doors", "steps", "core", "shared"},
    "api": {"api", "steps", "core", "shared"},
}


def _third_party(name: str) -> bool:
    return name not in sys.stdlib_module_names and name != "__future__"


def violations(imports: list[Import] = IMPORTS) -> dict[str, set[str]]:
    """module -> violations, each ``"<kind>: <target>"`` (kinds: layer, excel-library, function-level)."""
    out: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        src = layer(imp.module)
        if imp.ours:
            dst = layer(imp.target)
            allowed = dst in MAY_IMPORT[src] or (imp.module == DEMO_STEP and dst == "demo")
            if not allowed:
                out[imp.module].add(f"layer: {imp.target}")
        elif src == "core" and imp.target in EXCEL_LIBRARIES:
            out[imp.module].add(f"excel-library: {imp.target}")
        if imp.in_function:
            lazy_ok = LAZY_MARK in imp.text and not imp.ours and _third_party(imp.target)
            if not lazy_ok:
                out[imp.module].add(f"function-level: {imp.target}")
    return dict(out)


def import_graph(imports: list[Import] = IMPORTS) -> dict[str, set[str]]:
    """Our modules -> our modules they import (module- and function-level)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in imports:
        if imp.ours and imp.target != imp.module:
            graph[imp.module].add(imp.target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(out)


def _cycle_violations(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for comp in cycles(graph):
        for m in comp:
            out[m].add("cycle: " + " <-> ".join(comp))
    return dict(out)


# ---------------------------------------------------------------- the checker checks itself
def _fake(module: str, target: str, ours: bool = True, in_function: bool = False, text: str = "") -> Import:
    return Import(module, target, ours, in_function, 1, text)


def test_the_scan_sees_module_and_function_level_imports():
    """Known imports of the package are found (so an empty scan cannot pass)."""
    found = {(i.module, i.target, i.in_function) for i in IMPORTS}
    assert ("xl_kik.excel.scoring", "xl_kik.core.contract", False) in found
    assert any(i.in_function for i in IMPORTS if i.module == "xl_kik.core.stats")  # the lazy pandas
    assert len(MODULES) > 40 and "xl_kik.core.values" in MODULES and "xl_kik" in MODULES


@pytest.mark.parametrize("imp,expected", [
    (_fake("xl_kik.core.round", "xl_kik.excel.master"), "layer: xl_kik.excel.master"),
    (_fake("xl_kik.core.round", "xl_kik.steps.merge", in_function=True), "layer: xl_kik.steps.merge"),
    (_fake("xl_kik.core.round", "openpyxl", ours=False), "excel-library: openpyxl"),
    (_fake("xl_kik.core.round", "zipfile", ours=False), "excel-library: zipfile"),
    (_fake("xl_kik.excel.master", "xl_kik.steps.plan"), "layer: xl_kik.steps.plan"),
    (_fake("xl_kik.excel.master", "xl_kik.cli"), "layer: xl_kik.cli"),
    (_fake("xl_kik.steps.merge", "xl_kik.buttons"), "layer: xl_kik.buttons"),
    (_fake("xl_kik.steps.merge", "xl_kik.demo.simulate"), "layer: xl_kik.demo.simulate"),
    (_fake("xl_kik.cli", "xl_kik.excel.master"), "layer: xl_kik.excel.master"),
    (_fake("xl_kik.cli", "xl_kik.demo.round"), "layer: xl_kik.demo.round"),
    (_fake("xl_kik.steps.plan", "openpyxl", ours=False, in_function=True, text="import openpyxl"),
     "function-level: openpyxl"),
    (_fake("xl_kik.steps.plan", "json", ours=False, in_function=True, text="import json  # lazy: why"),
     "function-level: json"),
    (_fake("xl_kik.steps.plan", "xl_kik.core.values", in_function=True, text="from x import y  # lazy: a"),
     "function-level: xl_kik.core.values"),
])
def test_a_violation_is_reported(imp, expected):
    assert expected in violations([imp]).get(imp.module, set())


@pytest.mark.parametrize("imp", [
    _fake("xl_kik.core.round", "xl_kik.core.values"),
    _fake("xl_kik.core.stats", "pandas", ours=False, in_function=True, text="import pandas  # lazy: exports only"),
    _fake("xl_kik.excel.master", "xl_kik.core.round"),
    _fake("xl_kik.excel.master", "openpyxl", ours=False),
    _fake("xl_kik.excel.master", "xl_kik._version"),
    _fake("xl_kik.steps.merge", "xl_kik.excel.master"),
    _fake("xl_kik.steps.demo", "xl_kik.demo.round"),
    _fake("xl_kik.demo.round", "xl_kik.steps.init"),
    _fake("xl_kik.cli", "xl_kik.steps.merge"),
    _fake("xl_kik.cli", "xl_kik.core.i18n"),
    _fake("xl_kik", "xl_kik.steps.merge"),
])
def test_an_allowed_import_is_not_reported(imp):
    assert violations([imp]) == {}


def test_cycles_are_found_through_function_level_imports():
    imports = [_fake("xl_kik.a", "xl_kik.b"), _fake("xl_kik.b", "xl_kik.c", in_function=True),
               _fake("xl_kik.c", "xl_kik.a"), _fake("xl_kik.c", "xl_kik.d")]
    graph = defaultdict(set)
    for i in imports:
        graph[i.module].add(i.target)
    assert cycles(dict(graph)) == [["xl_kik.a", "xl_kik.b", "xl_kik.c"]]
    assert cycles({"xl_kik.a": {"xl_kik.b"}, "xl_kik.b": set()}) == []


# ---------------------------------------------------------------- the package
def _all_violations() -> dict[str, set[str]]:
    found = defaultdict(set)
    for source in (violations(), _cycle_violations(import_graph())):
        for module, items in source.items():
            found[module] |= items
    return dict(found)


def test_core_is_pure():
    """core/ has no allowance: no Excel library, nothing from the layers above, no hidden import."""
    assert {m: v for m, v in _all_violations().items() if layer(m) == "core"} == {}
    assert [m for m in ALLOWED if layer(m) == "core"] == []


def test_layers_hold_except_the_listed_remainder():
    found = _all_violations()
    new = {m: sorted(v - ALLOWED.get(m, set())) for m, v in found.items() if v - ALLOWED.get(m, set())}
    gone = {m: sorted(v - found.get(m, set())) for m, v in ALLOWED.items() if v - found.get(m, set())}
    assert new == {}, "new layering violations (fix them; do not add them to ALLOWED)"
    assert gone == {}, "fixed: remove these from ALLOWED in tests/test_layers.py"


def test_no_import_cycles_between_layers():
    """Whatever the remainder, no cycle may cross from core into another layer."""
    for comp in cycles(import_graph()):
        assert not any(layer(m) == "core" for m in comp), comp
