"""Is a local model directory the user named readable and whole? Checked before anything is measured.

A corrupt ``config.json``, a truncated ``*.safetensors`` file or a directory this user may not read
would otherwise surface minutes later, inside a child process, as one failed candidate among many. The
user named that directory, so it is their input to fix: the run stops at once with one line that names
the file and what is wrong with it.

The checks read only what is cheap: the config's JSON, each safetensors file's header (eight bytes of
length, then a JSON table of tensors and byte offsets) against the file's size. Tensor data is not read.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any

from modelpick._errors import permission_denied
from modelpick.candidates._safety import safetensors_files
from modelpick.exceptions import ModelFileError

__all__ = ["check_model_dir"]

# A safetensors header is a JSON table of names, dtypes, shapes and offsets: megabytes at most.
_MAX_HEADER_BYTES = 100 * 2**20


def _unreadable(path: Path, what: str) -> ModelFileError:
    return ModelFileError(permission_denied(
        f"Cannot read the model {what} {str(path)!r}", "Make it readable (chmod -R a+rX) or run as its owner."
    ))


def _check_config(directory: Path) -> dict[str, Any]:
    config = directory / "config.json"
    try:
        text = config.read_text(encoding="utf-8")
    except PermissionError:
        raise _unreadable(config, "file") from None
    except UnicodeDecodeError:
        raise ModelFileError(f"{str(config)!r} is not UTF-8 text, so it is not a model config. "
                             "Write it again with model.save_pretrained(dir).") from None
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"{str(config)!r} is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno}). "
            "Fix it, or write it again with model.save_pretrained(dir)."
        ) from None
    if not isinstance(values, dict):
        raise ModelFileError(
            f"{str(config)!r} holds a JSON {type(values).__name__}, not an object of model settings. "
            "Write it again with model.save_pretrained(dir)."
        )
    return values


def _safetensors_problem(path: Path) -> str | None:
    """Why ``path`` is not a whole safetensors file, or ``None``."""
    size = path.stat().st_size
    if size < 8:
        return f"it has {size} bytes, fewer than the 8 that hold the header's length"
    with path.open("rb") as stream:
        (header_length,) = struct.unpack("<Q", stream.read(8))
        if header_length > min(size - 8, _MAX_HEADER_BYTES):
            return f"its header claims {header_length:,} bytes but the file has {size:,} (truncated or not safetensors)"
        raw = stream.read(header_length)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "its header is not JSON (not a safetensors file)"
    if not isinstance(header, dict):
        return "its header is not a table of tensors"
    data_bytes = size - 8 - header_length
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
            return f"tensor {name!r} has no valid data_offsets"
        if not 0 <= offsets[0] <= offsets[1] <= data_bytes:
            return f"tensor {name!r} ends at byte {offsets[1]:,} of {data_bytes:,} (the file is truncated)"
    return None


def check_model_dir(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The settings in ``config.json`` of the local model directory ``directory``, once it is certain the
    directory can be read and holds no corrupt file.

    Checks that the directory can be listed, that ``config.json`` is a JSON object, and that every
    ``*.safetensors`` file at its top level has a whole header whose tensors fit in the file.

    Raises:
        ModelFileError: the first problem found, naming the file and the fix.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "config.json").write_text('{"model_type": "bert",')
        >>> check_model_dir(folder)
        Traceback (most recent call last):
        ...
        modelpick.exceptions.ModelFileError: '.../config.json' is not valid JSON (Expecting property name enclosed in
        double quotes, line 1 column 23). Fix it, or write it again with model.save_pretrained(dir).
    """
    path = Path(directory)
    try:
        next(path.iterdir(), None)
    except PermissionError:
        raise _unreadable(path, "directory") from None
    config = _check_config(path)
    for entry in safetensors_files(path):
        try:
            problem = _safetensors_problem(entry)
        except PermissionError:
            raise _unreadable(entry, "file") from None
        if problem is not None:
            raise ModelFileError(
                f"{str(entry)!r} is not a usable safetensors file: {problem}. "
                "Copy or save the model again (model.save_pretrained(dir))."
            )
    return config
