"""Where a transformer candidate's weights come from: the resolution order of DESIGN.md §4.

explicit local path → Hugging Face cache → Hub download (when allowed and online) → a pip package that
ships the weights → the bare architecture with random weights. Each step that finds nothing adds one
clause to the resolution's ``detail``, so the report can say in one sentence where the weights came
from, or why it fell back.

Talking to the Hub is :mod:`modelpick.candidates._hub`'s job; this module decides what counts as a
loadable model directory and in which order places are tried. It reads a candidate only through
:class:`WeightsSources`, so it needs no import of the candidate classes (which import this module).

Nothing here executes model code: no ``trust_remote_code``, and downloads fetch configs, tokenizers and
weights only. Weights are safetensors unless the caller allows pickles (``allow_pickle``): a directory
whose only weights are ``pytorch_model.bin`` is refused when the user named it, and passed over with
the reason anywhere else (cache, download, pip package).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from pathlib import Path
from typing import Any, Protocol

from modelpick._errors import one_line
from modelpick.candidates._base import WeightsResolution, WeightsSourceName
from modelpick.candidates._hub import (
    HUB_PROBE_TIMEOUT_S,
    cached_snapshot,
    download_snapshot,
    hf_cache_dir,
    hub_offline,
    hub_reachable,
    list_root_files,
)
from modelpick.candidates._safety import pickle_only, pickle_weight_files, refuse_pickle, safetensors_files
from modelpick.exceptions import WeightsNotFoundError

__all__ = ["WeightsSources", "display_path", "find_weight_files", "model_dir_problem", "resolve_weights"]

# Root-level files transformers 5 can load weights from (TF .h5 and Flax .msgpack are not loadable there).
_WEIGHTS_RE = re.compile(r"^(?:.*\.safetensors|pytorch_model(?:-\d+-of-\d+)?\.bin)$")


class WeightsSources(Protocol):
    """What the resolution reads from a candidate: the places its weights may be.

    :class:`~modelpick.candidates.transformer.TransformerCandidate` has these fields; a structural type
    keeps this module free of an import of it.
    """

    @property
    def name(self) -> str: ...
    @property
    def model_id(self) -> str: ...
    @property
    def local_path(self) -> str | None: ...
    @property
    def weights_package(self) -> str | None: ...
    @property
    def architecture(self) -> dict[str, Any] | None: ...
    def hub_ids(self) -> tuple[str, ...]: ...


def find_weight_files(path: str | os.PathLike[str]) -> list[Path]:
    """The weight files ``from_pretrained`` would load from directory ``path``.

    ``*.safetensors`` and ``pytorch_model*.bin`` at its top level; TF and Flax files do not count.

    Example:
        >>> import tempfile
        >>> directory = Path(tempfile.mkdtemp())
        >>> for name in ("model.safetensors", "tf_model.h5", "config.json"):
        ...     _ = (directory / name).write_bytes(b"x")
        >>> [p.name for p in find_weight_files(directory)]
        ['model.safetensors']
    """
    return sorted([*safetensors_files(path), *pickle_weight_files(path)])


def model_dir_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be loaded with real weights, or ``None`` when it has config.json and weights.

    Example:
        >>> model_dir_problem("/no/such/model")
        '/no/such/model does not exist'
    """
    directory = Path(path)
    shown = display_path(directory)
    if not directory.exists():
        return f"{shown} does not exist"
    if not directory.is_dir():
        return f"{shown} is not a directory"
    if not (directory / "config.json").is_file():
        return f"{shown} has no config.json"
    if not find_weight_files(directory):
        return f"{shown} has config.json but no weights file (*.safetensors or pytorch_model.bin)"
    return None


def display_path(path: Path) -> str:
    """``path`` with the home directory shown as ``~``, as users type it.

    Example:
        >>> display_path(Path.home() / "models" / "x") == "~" + os.sep + os.path.join("models", "x")
        True
    """
    text = str(path)
    home = str(Path.home())
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home):]
    return text


_PICKLE_SKIPPED = "only pickle weights (pytorch_model.bin), not loaded without --allow-pickle (allow_pickle=True)"


def _from_cache(repo_ids: tuple[str, ...], cache: Path, *, allow_pickle: bool) -> tuple[Path | None, str]:
    """The first cached snapshot of ``repo_ids`` with config and weights, else why there is none."""
    shown = display_path(cache)
    if not cache.is_dir():
        return None, f"not in the Hugging Face cache ({shown})"
    incomplete: list[str] = []
    pickled: list[str] = []
    for repo_id in repo_ids:
        snapshot = cached_snapshot(repo_id, cache)
        if snapshot is None:
            continue
        if model_dir_problem(snapshot) is not None:
            incomplete.append(repo_id)
        elif pickle_only(snapshot) and not allow_pickle:
            pickled.append(repo_id)
        else:
            return snapshot, ""
    if pickled:
        return None, f"in the Hugging Face cache ({shown}) with {_PICKLE_SKIPPED}"
    if incomplete:
        return None, f"in the Hugging Face cache ({shown}) without weights files"
    return None, f"not in the Hugging Face cache ({shown})"


def _download(repo_id: str, cache: Path, *, allow_pickle: bool) -> tuple[Path | None, str]:
    """Download config, tokenizer and one set of weights of ``repo_id`` into ``cache``: safetensors when
    the repository has them, its pickles only when ``allow_pickle``.

    Called only after :func:`~modelpick.candidates._hub.hub_reachable` succeeded, so huggingface_hub's
    own timeouts apply.
    """
    try:
        files = list_root_files(repo_id)
        weights = [f for f in files if f.endswith(".safetensors") or f == "model.safetensors.index.json"]
        if not any(f.endswith(".safetensors") for f in weights):
            # Older repositories ship only PyTorch pickles; never both, to halve the download.
            weights = [f for f in files if _WEIGHTS_RE.match(f) or f == "pytorch_model.bin.index.json"]
            if weights and not allow_pickle:
                return None, f"the Hub repository {repo_id} has {_PICKLE_SKIPPED}, so nothing was downloaded"
        if not weights:
            return None, f"the Hub repository {repo_id} has no PyTorch weights"
        snapshot = download_snapshot(repo_id, cache, ["*.json", "*.txt", "*.model", *weights])
    except Exception as exc:  # noqa: BLE001 - any Hub failure (404, gated, HTTP, disk) means: try the next place
        return None, f"Hub download failed ({one_line(exc)[:160]})"
    problem = model_dir_problem(snapshot)
    if problem is not None:
        return None, f"Hub download incomplete ({problem})"
    return snapshot, ""


def _from_package(package: str, *, allow_pickle: bool) -> tuple[Path | None, str]:
    """The weights directory a pip package ships (``get_model_path()``, else the package folder)."""
    try:
        found = importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return None, f"pip package {package} not installed"
    try:
        module = importlib.import_module(package)
        getter = getattr(module, "get_model_path", None)
        path = Path(getter()) if callable(getter) else Path(module.__file__ or "").parent
    except Exception as exc:  # noqa: BLE001 - a broken package is one more place without weights
        return None, f"pip package {package} failed to import ({one_line(exc)})"
    problem = model_dir_problem(path)
    if problem is not None:
        return None, f"pip package {package} has no usable weights ({problem})"
    if pickle_only(path) and not allow_pickle:
        return None, f"pip package {package} has {_PICKLE_SKIPPED}"
    return path, ""


def _sentence(failures: list[str], outcome: str) -> str:
    return f"{', '.join(failures)}: {outcome}" if failures else outcome


def resolve_weights(
    candidate: WeightsSources,
    *,
    allow_download: bool,
    allow_pickle: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    hub_timeout_s: float = HUB_PROBE_TIMEOUT_S,
) -> WeightsResolution:
    """Find ``candidate``'s weights in the order of DESIGN.md §4 (see the module docstring).

    Args:
        candidate: Where its weights may be (a :class:`TransformerCandidate`).
        allow_download: Allow a download from the Hub when it is reachable and offline mode is off.
        allow_pickle: Accept weights that are only pickled checkpoints (``pytorch_model.bin``), which can
            run code when loaded. Without it such a directory is passed over, or refused when it is the
            candidate's own local directory.
        cache_dir: Hugging Face hub cache to read and download into; default: :func:`hf_cache_dir`.
        hub_timeout_s: How long the reachability probe may take before the Hub counts as unreachable.

    Raises:
        WeightsNotFoundError: no weights anywhere and no architecture to build.
        UnsafeModelError: the candidate's local directory has only pickle weights and ``allow_pickle`` is off.

    Example:
        >>> from modelpick.candidates import resolve_candidate
        >>> resolve_weights(resolve_candidate("albert-base-v2"), allow_download=False,
        ...                 cache_dir="/no/such/cache").source
        'architecture-only'
    """
    architecture = dict(candidate.architecture) if candidate.architecture else None
    failures: list[str] = []

    def found(source: WeightsSourceName, path: Path, outcome: str) -> WeightsResolution:
        pickled = pickle_only(path)
        if pickled:
            outcome += " (pickle weights pytorch_model.bin, allowed by allow_pickle)"
        detail = _sentence(failures, outcome)
        # The user's consent travels to the loaders, never a guess from the folder: only it may let a pickle load.
        return WeightsResolution(source, str(path), detail, config=architecture, allow_pickle=allow_pickle)

    # 1. An explicit local directory: the user named it, so a pickle there is refused, not passed over.
    if candidate.local_path:
        problem = model_dir_problem(candidate.local_path)
        if problem is None:
            local = Path(candidate.local_path)
            # Only the pickle is this step's to refuse: model code is checked before measuring and when loading.
            refuse_pickle(local, allow_pickle=allow_pickle, shown=f"The local model directory {display_path(local)}")
            return found("local", local, f"local directory {display_path(local)}")
        failures.append(f"local directory {problem}")
    else:
        failures.append("no local copy")

    repo_ids = candidate.hub_ids()
    cache = hf_cache_dir(cache_dir)
    if repo_ids:
        # 2. The Hugging Face cache: works offline.
        snapshot, why = _from_cache(repo_ids, cache, allow_pickle=allow_pickle)
        if snapshot is not None:
            return found("hf-cache", snapshot, f"found in the Hugging Face cache ({display_path(snapshot)})")
        failures.append(why)

        # 3. The Hub, only when allowed and online; a dead network must cost seconds, not minutes.
        if not allow_download:
            failures.append("Hub download not allowed (allow_download=False)")
        elif hub_offline():
            failures.append("Hub not reachable (offline)")
        else:
            reachable, why = hub_reachable(timeout_s=hub_timeout_s)
            if not reachable:
                failures.append(f"Hub not reachable ({why})")
            else:
                snapshot, why = _download(repo_ids[0], cache, allow_pickle=allow_pickle)
                if snapshot is not None:
                    return found("hub", snapshot, f"downloaded from the Hugging Face Hub into {display_path(cache)}")
                failures.append(why)

    # 4. A pip package that ships the weights.
    if candidate.weights_package:
        path, why = _from_package(candidate.weights_package, allow_pickle=allow_pickle)
        if path is not None:
            shipped = f"the copy shipped in the pip package {candidate.weights_package} ({display_path(path)})"
            return found("package", path, shipped)
        failures.append(why)

    # 5. The bare architecture: exact latency and memory, unknown accuracy.
    if architecture is not None:
        return WeightsResolution(
            "architecture-only", None, _sentence(failures, "built from the catalog config with random weights"),
            config=architecture,
        )

    raise WeightsNotFoundError(
        f"No weights for {candidate.name!r}: {', '.join(failures)}, and it has no catalog architecture to build "
        f"instead. Fix: {_fix(candidate, repo_ids)}"
    )


def _fix(candidate: WeightsSources, repo_ids: tuple[str, ...]) -> str:
    if candidate.local_path and not repo_ids:
        return (
            f"save the model with its weights into {candidate.local_path} "
            "(model.save_pretrained(dir) writes config.json and model.safetensors)."
        )
    repo_id = repo_ids[0] if repo_ids else candidate.model_id
    return (
        f"on a machine that reaches the Hub run `hf download {repo_id}` and copy its cache here "
        "(or point HF_HUB_CACHE at it), or pass a local directory that holds config.json and the weights."
    )
