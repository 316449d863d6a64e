"""What in a model directory would run code when it is loaded, and the one-line refusals that say so.

Two things can: a pickled checkpoint (``pytorch_model.bin``; unpickling may call any function the file
names) and the model's own Python files, which ``config.json`` names in ``auto_map`` and
``from_pretrained`` imports with ``trust_remote_code=True``. modelpick loads safetensors, which is data
only, and refuses both unless the user allows them (``allow_pickle``, ``trust_remote_code``). The checks
run in the parent before anything is measured, and again in the child that loads the model.

Reading a directory here never imports transformers, except to ask which ``model_type`` values it
builds with its own code, and only for a config that names custom code.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from modelpick.exceptions import UnsafeModelError

__all__ = [
    "custom_code_module",
    "custom_code_refusal",
    "has_safetensors",
    "pickle_only",
    "pickle_refusal",
    "pickle_weight_files",
    "refuse_pickle",
    "refuse_unsafe",
    "safetensors_files",
]

_SAFETENSORS_RE = re.compile(r"^.*\.safetensors$")
_PICKLE_RE = re.compile(r"^pytorch_model(?:-\d+-of-\d+)?\.bin$")


def _root_files(path: str | os.PathLike[str], pattern: re.Pattern[str]) -> list[Path]:
    directory = Path(path)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if pattern.match(p.name) and p.is_file())


def safetensors_files(path: str | os.PathLike[str]) -> list[Path]:
    """The ``*.safetensors`` files at the top level of directory ``path`` (none when it is no directory)."""
    return _root_files(path, _SAFETENSORS_RE)


def has_safetensors(path: str | os.PathLike[str]) -> bool:
    """Whether directory ``path`` has safetensors weights at its top level.

    Example:
        >>> import tempfile
        >>> directory = Path(tempfile.mkdtemp())
        >>> _ = (directory / "model.safetensors").write_bytes(b"x")
        >>> has_safetensors(directory), has_safetensors(directory / "missing")
        (True, False)
    """
    return bool(safetensors_files(path))


def pickle_weight_files(path: str | os.PathLike[str]) -> list[Path]:
    """The pickled PyTorch checkpoints (``pytorch_model*.bin``) at the top level of directory ``path``."""
    return _root_files(path, _PICKLE_RE)


def pickle_only(path: str | os.PathLike[str]) -> bool:
    """Whether the only weights in directory ``path`` are pickled checkpoints (no safetensors).

    Example:
        >>> import tempfile
        >>> directory = Path(tempfile.mkdtemp())
        >>> _ = (directory / "pytorch_model.bin").write_bytes(b"x")
        >>> pickle_only(directory)
        True
        >>> _ = (directory / "model.safetensors").write_bytes(b"x")
        >>> pickle_only(directory)
        False
    """
    return bool(pickle_weight_files(path)) and not has_safetensors(path)


def pickle_refusal(shown: str) -> str:
    """The one-line refusal of a pickle-only model directory, named in messages as ``shown``.

    Example:
        >>> pickle_refusal("~/models/old")  # doctest: +NORMALIZE_WHITESPACE
        '~/models/old has only pytorch_model.bin, a pickle that can run code when loaded; convert it to
        safetensors or pass --allow-pickle (allow_pickle=True) if you trust it.'
    """
    return (
        f"{shown} has only pytorch_model.bin, a pickle that can run code when loaded; convert it to "
        "safetensors or pass --allow-pickle (allow_pickle=True) if you trust it."
    )


def _config_values(path: Path) -> dict[str, Any]:
    try:
        values = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # loading will say what is wrong with it
    return values if isinstance(values, dict) else {}


def _builtin_model_types() -> frozenset[str]:
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    return frozenset(CONFIG_MAPPING_NAMES)


def custom_code_module(path: str | os.PathLike[str], *, model_type: str | None = None) -> str | None:
    """The Python file of its own that loading directory ``path`` would import, or ``None``.

    ``config.json`` names custom classes in ``auto_map``. transformers imports them only when it has no
    class of its own for the ``model_type`` (with ``trust_remote_code=False`` a built-in type is built
    by transformers' code and ``auto_map`` is ignored), so only that case counts.

    Args:
        path: The model directory.
        model_type: The type the caller will build when config.json has none (a catalog entry's).

    Example:
        >>> import tempfile
        >>> directory = Path(tempfile.mkdtemp())
        >>> _ = (directory / "config.json").write_text(
        ...     '{"model_type": "mine", "auto_map": {"AutoModel": "modeling_mine.MyModel"}}')
        >>> custom_code_module(directory)
        'modeling_mine.py'
    """
    values = _config_values(Path(path))
    auto_map = values.get("auto_map")
    if not isinstance(auto_map, dict) or not auto_map:
        return None
    declared = values.get("model_type") or model_type
    if isinstance(declared, str) and declared in _builtin_model_types():
        return None
    # "AutoModel": "modeling_x.XModel", or "org/repo--modeling_x.XModel" for code kept in another repository.
    references = [ref for value in auto_map.values() for ref in (value if isinstance(value, list) else [value])]
    named = next((ref for ref in references if isinstance(ref, str) and "." in ref), None)
    if named is None:
        return "the code its auto_map names"
    return named.rsplit("--", 1)[-1].rsplit(".", 1)[0] + ".py"


def custom_code_refusal(shown: str, module: str) -> str:
    """The one-line refusal of a model directory shown as ``shown`` that needs its own code ``module``.

    Example:
        >>> custom_code_refusal("./evil", "modeling_evil.py")  # doctest: +NORMALIZE_WHITESPACE
        './evil needs its own Python code to load (modeling_evil.py, named by auto_map in config.json);
        modelpick runs no model code unless you pass --trust-remote-code (trust_remote_code=True), so read
        that code first and pass it only if you trust it.'
    """
    return (
        f"{shown} needs its own Python code to load ({module}, named by auto_map in config.json); modelpick "
        "runs no model code unless you pass --trust-remote-code (trust_remote_code=True), so read that code "
        "first and pass it only if you trust it."
    )


def refuse_unsafe(
    path: str | os.PathLike[str], *, allow_pickle: bool, trust_remote_code: bool, shown: str,
    model_type: str | None = None,
) -> None:
    """Refuse model directory ``path`` when loading it would run code the user has not allowed: its own
    Python files (``auto_map``) without ``trust_remote_code``, or only a pickle without ``allow_pickle``.

    The one check behind every refusal: before measuring (the user's local directory), at weight
    resolution, and in each loader.

    Args:
        shown: How the message names the directory, e.g. ``"The local model directory ~/models/x"``.
        model_type: The type built when config.json names none (a catalog entry's).

    Raises:
        UnsafeModelError: one line naming the option that would allow it.

    Example:
        >>> import tempfile
        >>> directory = Path(tempfile.mkdtemp())
        >>> _ = (directory / "pytorch_model.bin").write_bytes(b"x")
        >>> refuse_unsafe(directory, allow_pickle=True, trust_remote_code=False, shown="old")
        >>> refuse_unsafe(directory, allow_pickle=False, trust_remote_code=False, shown="old")
        Traceback (most recent call last):
        ...
        modelpick.exceptions.UnsafeModelError: old has only pytorch_model.bin, a pickle that can run code when
        loaded; convert it to safetensors or pass --allow-pickle (allow_pickle=True) if you trust it.
    """
    if not trust_remote_code:
        module = custom_code_module(path, model_type=model_type)
        if module is not None:
            raise UnsafeModelError(custom_code_refusal(shown, module))
    refuse_pickle(path, allow_pickle=allow_pickle, shown=shown)


def refuse_pickle(path: str | os.PathLike[str], *, allow_pickle: bool, shown: str) -> None:
    """The pickle half of :func:`refuse_unsafe`, for weight resolution (which reads no config).

    Raises:
        UnsafeModelError: the directory's only weights are a pickle and ``allow_pickle`` is off.
    """
    if not allow_pickle and pickle_only(path):
        raise UnsafeModelError(pickle_refusal(shown))
