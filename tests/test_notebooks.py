"""The notebooks run from top to bottom in a real Jupyter kernel, so they cannot drift from the API they show.

The kernel is the interpreter running pytest, importing the same modelpick: a kernelspec written for
``sys.executable`` into a temporary directory is put first on ``JUPYTER_PATH``, so a ``python3`` kernelspec
installed elsewhere (the user's, the system's) cannot run the notebook with another Python; a cell run
before the notebook checks that. Each notebook runs offline, in a temporary working directory.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import modelpick

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install -e '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install -e '.[test]')")
ipykernel_kernelspec = pytest.importorskip(
    "ipykernel.kernelspec", reason="ipykernel is not installed (pip install -e '.[test]')"
)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 600  # measuring candidates on a loaded 2-core machine; a hang still ends
WHERE_AM_I = "import sys, modelpick\nprint(sys.executable)\nprint(modelpick.__file__)"


def _tagged(notebook, tag: str):
    cells = [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def _stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _execute(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``path`` executed cell by cell, after checking the kernel's interpreter and modelpick.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised.
    """
    jupyter_dir = tmp_path / "jupyter"
    ipykernel_kernelspec.write_kernel_spec(jupyter_dir / "kernels" / KERNEL_NAME)  # argv[0] is sys.executable
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_dir))
    # Tests never touch the network (DESIGN.md section 4): the MiniLM weights come from their pip package.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))  # no user profile or startup files
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # what the notebook writes to a temp dir is cleaned up
    source_root = Path(modelpick.__file__).resolve().parents[1]
    if (source_root / "pyproject.toml").is_file():
        # modelpick comes from a source checkout (PYTHONPATH, python -m pytest, editable install): the
        # kernel, started in another directory, must import this checkout and not an installed copy.
        paths = [str(source_root), os.environ.get("PYTHONPATH", "")]
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))

    notebook = nbformat.read(path, as_version=4)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    client = nbclient.NotebookClient(
        notebook, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(workdir)}}
    )
    with client.setup_kernel():
        # Checked before the notebook runs, so a wrong kernel fails here and not as a puzzling cell error.
        where_am_i = nbformat.v4.new_code_cell(WHERE_AM_I)
        client.execute_cell(where_am_i, 0)
        kernel_python, kernel_modelpick = _stdout(where_am_i).splitlines()
        assert kernel_python == sys.executable
        assert Path(kernel_modelpick).resolve() == Path(modelpick.__file__).resolve()
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    return notebook


@pytest.mark.slow
@pytest.mark.timeout(2 * CELL_TIMEOUT_S)
def test_quickstart_runs_and_shows_the_plot_and_the_comparison(tmp_path, monkeypatch):
    notebook = _execute(NOTEBOOKS / "quickstart.ipynb", tmp_path, monkeypatch)

    # execute() already raised at a failing cell, unless the cell is tagged "raises-exception": none may be.
    errors = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
              if o.output_type == "error"]
    assert errors == []
    plot_formats = {fmt for o in _tagged(notebook, "pareto-plot").outputs for fmt in o.get("data", {})}
    assert plot_formats & {"image/png", "image/svg+xml"}, f"the plot was not drawn inline: {sorted(plot_formats)}"
    verdict = _stdout(_tagged(notebook, "comparison-verdict"))
    assert verdict.startswith("On this machine and this data, ")
    assert "sentence-transformers/all-MiniLM-L6-v2" in verdict and "tfidf-logreg" in verdict
    # Both accuracies were measured: MiniLM ran with its real weights, not architecture-only.
    assert "points of accuracy" in verdict


def test_notebooks_are_committed_without_outputs():
    """Outputs hold machine-specific timings and images; the notebook in the repository is the source only."""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        assert notebook.metadata.kernelspec.name == KERNEL_NAME, path.name
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: {cell.source[:60]!r}"
