"""modelpick.data has no import circle, and each of its modules imports on its own in a fresh interpreter."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import modelpick
import modelpick.data

DATA_MODULES = sorted(
    ["modelpick.data"] + [f"modelpick.data.{m.name}" for m in pkgutil.iter_modules(modelpick.data.__path__)]
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # TYPE_CHECKING imports are kept: a circle through one still ties the modules together. No cache
    # directory, so the test leaves nothing behind in the checkout.
    return grimp.build_graph(
        "modelpick", include_external_packages=False, exclude_type_checking_imports=False, cache_dir=None
    )


def test_the_graph_is_of_this_checkout_and_includes_type_checking_imports(graph):
    # Guards against a vacuous pass: the modules are found and a TYPE_CHECKING-only import is an edge.
    assert set(DATA_MODULES) <= graph.modules
    assert graph.direct_import_exists(importer="modelpick.data._sample", imported="modelpick.data._split")
    assert graph.direct_import_exists(importer="modelpick.data._stats", imported="modelpick.data._split")


@pytest.mark.parametrize("module", DATA_MODULES)
def test_no_module_of_modelpick_data_reaches_itself(graph, module):
    # A module is on a circle when something it imports directly leads back to it (through any package).
    circles = {
        imported: graph.find_shortest_chain(importer=imported, imported=module)
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    }
    assert circles == {}, f"{module} imports itself back through: {circles}"


@pytest.mark.parametrize("module", DATA_MODULES)
def test_each_module_imports_alone_in_a_fresh_interpreter(module):
    root = str(Path(modelpick.__file__).resolve().parents[1])  # this checkout, not another install
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


def test_names_other_packages_import_from_sample_are_the_same_objects():
    from modelpick.data import _sample, _split, _stats

    assert _sample.DataSplit is _split.DataSplit is modelpick.data.DataSplit
    assert _sample.approximate_token_lengths is _stats.approximate_token_lengths
    assert _sample.TOKEN_LENGTH_METHOD is _stats.TOKEN_LENGTH_METHOD
