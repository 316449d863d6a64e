"""The candidates package has no import cycle, and each of its modules imports alone and stays light."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import modelpick
import modelpick.candidates as package

MODULES = sorted([package.__name__, *(f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__))])
HEAVY = ("torch", "transformers", "huggingface_hub", "sklearn")


def _cycles(graph, modules) -> list[str]:
    """Every module of ``modules`` that reaches itself, as the chain that closes the circle."""
    found = []
    for module in modules:
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain is not None:
                found.append(" -> ".join((module, *chain)))
    return found


def test_the_cycle_check_sees_type_checking_and_function_level_imports(tmp_path, monkeypatch):
    # A package whose only circle runs through an import under TYPE_CHECKING and one inside a function:
    # the check below is worth only as much as the graph it walks.
    root = tmp_path / "circlepkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from circlepkg.b import B\n"
    )
    (root / "b.py").write_text("class B:\n    def f(self):\n        from circlepkg import a\n        return a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circlepkg", cache_dir=None)
    assert _cycles(graph, ["circlepkg.a", "circlepkg.b"]) == [
        "circlepkg.a -> circlepkg.b -> circlepkg.a",
        "circlepkg.b -> circlepkg.a -> circlepkg.b",
    ]


def test_no_candidates_module_is_in_an_import_cycle():
    # Defaults kept explicit: TYPE_CHECKING imports count, and no cache is written into the checkout.
    graph = grimp.build_graph("modelpick", exclude_type_checking_imports=False, cache_dir=None)
    assert set(MODULES) <= graph.modules  # the graph is of this checkout's package
    assert _cycles(graph, MODULES) == []


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone_in_a_fresh_interpreter_without_heavy_libraries(module, tmp_path):
    code = f"import sys, {module}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    root = str(Path(modelpick.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"importing {module} imported {done.stdout.strip()}"
