"""No import circles anywhere in modelpick, and every module imports alone, without heavy libraries.

Circles count through imports under ``TYPE_CHECKING`` and inside functions too: either way the two
modules cannot be understood, tested or moved apart.
"""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import modelpick

ROOT = Path(modelpick.__file__).resolve().parents[1]
MODULES = sorted(
    ["modelpick", *(m.name for m in pkgutil.walk_packages(modelpick.__path__, "modelpick.")
                    if m.name != "modelpick.__main__")]
)
HEAVY = ("torch", "transformers", "huggingface_hub", "sklearn", "pandas", "rich", "optuna", "onnxruntime", "onnx",
         "onnxscript")


def _circles(graph: grimp.ImportGraph, modules: list[str]) -> list[str]:
    """Every module of ``modules`` that reaches itself, as the chain that closes the circle."""
    found = []
    for module in modules:
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain is not None:
                found.append(" -> ".join((module, *chain)))
    return found


def test_the_circle_check_sees_type_checking_and_function_level_imports(tmp_path, monkeypatch):
    # The check is worth only as much as the graph it walks: a circle made of one TYPE_CHECKING import
    # and one import inside a function must be found.
    package = tmp_path / "circlepkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from circlepkg.b import B\n")
    (package / "b.py").write_text("class B:\n    def f(self):\n        from circlepkg import a\n        return a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circlepkg", exclude_type_checking_imports=False, cache_dir=None)
    assert _circles(graph, ["circlepkg.a", "circlepkg.b"]) == [
        "circlepkg.a -> circlepkg.b -> circlepkg.a",
        "circlepkg.b -> circlepkg.a -> circlepkg.b",
    ]


def test_no_module_of_modelpick_is_in_an_import_circle():
    graph = grimp.build_graph("modelpick", exclude_type_checking_imports=False, cache_dir=None)
    assert set(MODULES) <= graph.modules  # the graph is of this checkout's package
    assert _circles(graph, MODULES) == []


def test_each_module_imports_alone_in_a_fresh_interpreter_without_heavy_libraries(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    code = "import sys, {module}; print(sorted(m for m in %r if m in sys.modules))" % (HEAVY,)
    running = {
        module: subprocess.Popen([sys.executable, "-c", code.format(module=module)], cwd=tmp_path, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for module in MODULES
    }
    failures = {}
    for module, process in running.items():
        out, err = process.communicate(timeout=120)
        if process.returncode != 0 or out.strip() != "[]":
            failures[module] = err.strip().splitlines()[-1:] or out.strip()
    assert failures == {}
