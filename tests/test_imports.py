"""Import structure: no import cycle among the project's modules, and the core (``memgan_bench``) never
imports the packages that plug into it (``methods``, ``scenarios``, ``reports``), neither at import time
nor inside a function; its registries import them by name on lookup.

Two views: a static one (import statements read with ``ast``: for cycles the module-level graph, every
``import`` outside a function counted, ``if TYPE_CHECKING:`` blocks included; for the core, every import
statement anywhere in a module) and a dynamic one (each module imported first in a process of its own,
which is how a cycle that depends on the entry point shows).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("memgan_bench", "methods", "scenarios", "reports")
PLUGIN_PACKAGES = ("methods", "scenarios", "reports")


def project_modules(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name → source file, for every module of ``packages`` below ``root``."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _import_statements(node: ast.AST):
    """The import statements that run when the module is imported: everything outside function bodies."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
        return
    for child in ast.iter_child_nodes(node):
        yield from _import_statements(child)


def _every_import_statement(node: ast.AST):
    """Every import statement of a module, function bodies included."""
    return (child for child in ast.walk(node) if isinstance(child, (ast.Import, ast.ImportFrom)))


def module_level_imports(name: str, path: Path, modules: dict[str, Path], anywhere: bool = False) -> set[str]:
    """The project modules that importing ``name`` imports directly (its own parent packages aside: they
    are always imported before it); with ``anywhere``, also those its functions import when called."""
    targets: set[str] = set()
    statements = _every_import_statement if anywhere else _import_statements
    for node in statements(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            bases, leaves = [alias.name for alias in node.names], []
        else:
            base = node.module or ""
            if node.level:  # relative import: resolve against the importing module's package
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            bases, leaves = [base], [f"{base}.{alias.name}" for alias in node.names]
        for base in bases:  # ``import a.b.c`` imports a, a.b and a.b.c
            parts = base.split(".")
            targets.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        targets.update(leaves)  # ``from a import b`` imports the submodule a.b if there is one
    return {t for t in targets if t in modules and t != name and not name.startswith(t + ".")}


def import_graph(root: Path, packages=PACKAGES, anywhere: bool = False) -> dict[str, set[str]]:
    modules = project_modules(root, packages)
    return {name: module_level_imports(name, path, modules, anywhere) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as a path [a, b, …, a], or [] when it is acyclic (depth-first search)."""
    state: dict[str, str] = {}  # "open" while on the search path, "done" after
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def core_imports_of_plugins(graph: dict[str, set[str]]) -> dict[str, list[str]]:
    return {name: sorted(t for t in targets if t.split(".")[0] in PLUGIN_PACKAGES)
            for name, targets in graph.items()
            if name.split(".")[0] == "memgan_bench" and any(t.split(".")[0] in PLUGIN_PACKAGES for t in targets)}


# Runs in one subprocess: third-party libraries are imported once, then each project module is imported
# first in a forked child that holds none of the project's modules yet.
IMPORT_EACH = textwrap.dedent("""
    import importlib, json, os, sys, traceback
    for library in json.loads(sys.argv[2]):  # shared by every child, not part of the project
        importlib.import_module(library)
    failures = {}
    for name in json.loads(sys.argv[1]):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                importlib.import_module(name)
                code, message = 0, b""
            except BaseException as err:
                code, message = 1, traceback.format_exc().encode()
            os.write(write, message)
            os._exit(code)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            message = pipe.read().decode()
        if os.waitpid(pid, 0)[1] != 0:
            failures[name] = message.strip().splitlines()[-1] if message.strip() else "child died"
    print(json.dumps(failures))
""")


def import_each_in_isolation(root: Path, names: list[str], libraries=("numpy", "pandas", "torch", "yaml")
                             ) -> dict[str, str]:
    """Module → the last line of its import error, for the modules that fail to import on their own."""
    result = subprocess.run([sys.executable, "-c", IMPORT_EACH, json.dumps(names), json.dumps(libraries)], cwd=root,
                            env={**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the project ---------------------------------------------------------------------------------
def test_the_core_does_not_import_the_plugin_packages_anywhere():
    assert core_imports_of_plugins(import_graph(ROOT, anywhere=True)) == {}


def test_module_level_imports_form_no_cycle():
    assert find_cycle(import_graph(ROOT)) == []


def test_every_module_imports_first_in_a_process_of_its_own():
    assert import_each_in_isolation(ROOT, sorted(project_modules(ROOT))) == {}


# --- the checks themselves, on a toy tree -----------------------------------------------------------
@pytest.fixture
def toy_tree(tmp_path):
    """``memgan_bench.a ⇄ memgan_bench.b`` (``b`` through a relative import, ``a`` only for type checking);
    ``memgan_bench.c ⇄ methods.m``, which breaks when ``c`` is imported first; ``memgan_bench.d`` imports
    ``methods.m`` inside a function only; ``memgan_bench.e`` imports ``reports`` inside ``try``."""
    files = {
        "memgan_bench/__init__.py": "",
        "memgan_bench/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import memgan_bench.b\n",
        "memgan_bench/b.py": "from . import a\n",
        "memgan_bench/c.py": "import methods.m\nY = 2\n",
        "memgan_bench/d.py": "def f():\n    import methods.m\n",
        "memgan_bench/e.py": "try:\n    import reports\nexcept ImportError:\n    pass\n",
        "methods/__init__.py": "",
        "methods/m.py": "from memgan_bench.c import Y\n",
        "scenarios/__init__.py": "",
        "reports/__init__.py": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_static_checks_find_type_checking_cycles_and_guarded_plugin_imports(toy_tree):
    graph = import_graph(toy_tree)
    assert graph["memgan_bench.b"] == {"memgan_bench.a"}  # the package itself is an ancestor, not an edge
    assert core_imports_of_plugins(graph) == {"memgan_bench.c": ["methods", "methods.m"],
                                              "memgan_bench.e": ["reports"]}
    assert find_cycle(graph) == ["memgan_bench.a", "memgan_bench.b", "memgan_bench.a"]
    graph["memgan_bench.a"] = set()
    assert find_cycle(graph) == ["memgan_bench.c", "methods.m", "memgan_bench.c"]
    graph["memgan_bench.c"] = set()
    assert find_cycle(graph) == []


def test_the_anywhere_view_finds_a_plugin_import_inside_a_function(toy_tree):
    assert "memgan_bench.d" not in core_imports_of_plugins(import_graph(toy_tree))
    assert core_imports_of_plugins(import_graph(toy_tree, anywhere=True))["memgan_bench.d"] == ["methods", "methods.m"]


def test_isolated_imports_report_the_module_whose_first_import_a_cycle_breaks(toy_tree):
    # c first: c → methods.m → ``from memgan_bench.c import Y`` while c is half-initialised; m first works
    failures = import_each_in_isolation(toy_tree, ["memgan_bench.c", "memgan_bench.d", "methods.m"],
                                        libraries=())
    assert list(failures) == ["memgan_bench.c"]
    assert "ImportError" in failures["memgan_bench.c"] and "circular import" in failures["memgan_bench.c"]
