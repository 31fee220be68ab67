"""The package's shape: imports point one way (math <- optimizers <- saving <- callbacks <-
training <- model <- faces), with no cycles and no npmlp import written inside a function; the
math never prints, plots, reads files or imports a heavy framework; nothing in the installed
package reaches outside it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "npmlp"

# Layers of the architecture, lowest first: a module may import its own layer or lower ones.
LAYERS = [
    {"npmlp._registry", "npmlp._validation", "npmlp._files", "npmlp._version", "npmlp._extras"},
    {"npmlp.nn"},
    {"npmlp.optimizers"},
    {"npmlp.saving"},
    {"npmlp.callbacks"},
    {"npmlp.training"},
    {"npmlp.model"},
    {"npmlp.api", "npmlp.datasets", "npmlp.plotting", "npmlp.diagnostics", "npmlp.ensemble"},
    {"npmlp.compare", "npmlp.sklearn", "npmlp.export"},
    {"npmlp.cli", "npmlp.playground", "npmlp.__main__"},
]
MATH = ("npmlp.nn", "npmlp.optimizers")
HEAVY = ("matplotlib", "tensorflow", "keras", "sklearn", "dask", "pandas", "torch", "starlette",
         "uvicorn", "onnx", "onnxruntime", "safetensors", "tensorboardX")


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, name: str):
    """(imported module, inside a function?) for every import statement of the file."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((a.name, inner) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - child.level
                                                     + 1] + ([base] if base else []))
                found.extend((f"{base}.{a.name}", inner) for a in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


def _layer(module: str) -> int | None:
    for i, group in enumerate(LAYERS):
        if any(module == g or module.startswith(g + ".") for g in group):
            return i
    return None


def _graph():
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        graph[name] = set()
        for target, _ in _imports(path, name):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and target != "npmlp":
                graph[name].add(target)
    return modules, graph


def _needs_an_extra(modules) -> set[str]:
    """Modules that import an optional dependency at their top (the web app, say)."""
    return {name for name, path in modules.items()
            if any(not inner and t.startswith(HEAVY) for t, inner in _imports(path, name))}


def test_no_npmlp_import_inside_a_function():
    """Except of a module that itself needs an optional extra: that laziness is the extra's."""
    modules = _modules()
    lazy_ok = _needs_an_extra(modules)
    bad = [f"{name}: {target}" for name, path in modules.items()
           for target, inner in _imports(path, name)
           if inner and (target == "npmlp" or target.startswith("npmlp."))
           and not any(target == m or target.startswith(m + ".") for m in lazy_ok)]
    assert not bad, bad


def test_imports_point_down_the_layers():
    modules, graph = _graph()
    bad = []
    for name, targets in graph.items():
        mine = _layer(name)
        if name == "npmlp":
            continue
        assert mine is not None, f"{name} belongs to no layer of the architecture"
        bad += [f"{name} -> {t}" for t in targets if _layer(t) is not None and _layer(t) > mine]
    assert not bad, bad
    # the package's own __init__ (the public face) is imported by nothing inside it but the CLI
    users = [n for n, path in modules.items()
             if any(t == "npmlp" for t, _ in _imports(path, n)) and _layer(n) != len(LAYERS) - 1]
    assert not users, users


def test_no_import_cycles():
    _, graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def test_the_math_is_pure():
    for name, path in _modules().items():
        if not name.startswith(MATH):
            continue
        text = path.read_text()
        for word in ("print(", "open(", "savefig", "Path("):
            assert word not in text, f"{name} uses {word}"
        for target, _ in _imports(path, name):
            assert not target.startswith(HEAVY), f"{name} imports {target}"
            if target.startswith("npmlp"):
                assert _layer(target) is not None and _layer(target) <= 2, (name, target)


def test_heavy_dependencies_are_imported_lazily():
    """``import npmlp`` loads no optional framework: whatever ``npmlp`` loads imports them
    inside the function that needs them (``npmlp.sklearn``, the scikit-learn face, is not
    loaded by ``import npmlp``)."""
    modules, graph = _graph()
    loaded, todo = set(), ["npmlp"]
    while todo:
        name = todo.pop()
        if name not in loaded:
            loaded.add(name)
            todo += graph.get(name, ())
    for name in loaded - _needs_an_extra(modules):
        for target, inner in _imports(modules[name], name):
            assert inner or not target.startswith(HEAVY), f"{name} imports {target} at the top"
    code = ("import sys, npmlp, npmlp.cli; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {list(HEAVY)!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]", out


def test_nothing_in_the_package_reaches_outside_it():
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        assert "benchmarks" not in text.replace("benchmarks/NOTES.md", ""), path
        assert "parents[2]" not in text and "parents[3]" not in text, path
