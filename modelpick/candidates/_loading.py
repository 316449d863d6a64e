"""Load a resolved transformer candidate: real weights through ``from_pretrained``, or the bare
architecture built from its config (random weights) when no weights are available.

Loading runs no code the user has not allowed: safetensors are loaded with ``use_safetensors=True``;
a directory whose only weights are a pickled ``pytorch_model.bin`` is loaded only with the consent its
resolution carries (``allow_pickle``); a model that needs its own Python files only with
``trust_remote_code`` (see :mod:`modelpick.candidates._safety`).
"""

from __future__ import annotations

import inspect
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelpick._errors import reraised_as
from modelpick._imports import require
from modelpick.candidates._base import WeightsResolution
from modelpick.candidates._safety import (
    custom_code_refusal,
    has_safetensors,
    pickle_weight_files,
    refuse_unsafe,
    safetensors_files,
)
from modelpick.candidates._weights import display_path
from modelpick.exceptions import CandidateError, UnsafeModelError

__all__ = [
    "LoadedTransformer",
    "load_transformer",
    "max_input_length",
    "remote_code_refused",
    "safe_loading_kwargs",
    "weights_size_mb",
]
# Tokenizers without a configured limit report a huge sentinel as model_max_length.
_NO_LIMIT = 1_000_000
# The inputs a tokenizer emits that an encoder may take; forward() says which it actually does.
_MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "spiece.model", "vocab.json", "sentencepiece.bpe.model",
                    "spm.model", "tokenizer_config.json")


@dataclass(frozen=True)
class LoadedTransformer:
    """A model ready for inference (eval mode), its tokenizer if it has one, and its size."""

    model: Any
    tokenizer: Any | None
    parameters: int
    weights_on_disk_mb: float | None
    config: Any
    max_length: int  # longest input the model takes (positions, and the tokenizer's limit)
    accepted_inputs: frozenset[str]  # which of input_ids / attention_mask / token_type_ids forward() takes


def max_input_length(model: Any, config: Any, tokenizer: Any | None) -> int:
    """The longest input the model takes: its position table, and the tokenizer's limit if it has one."""
    limits = []
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        padding_idx = getattr(getattr(model, "embeddings", None), "padding_idx", None)
        if isinstance(padding_idx, int):
            # RoBERTa-style embeddings number positions from padding_idx + 1: those slots are unreachable.
            positions -= padding_idx + 1
        limits.append(positions)
    if tokenizer is not None:
        limit = getattr(tokenizer, "model_max_length", None)
        if isinstance(limit, int) and 0 < limit < _NO_LIMIT:
            limits.append(limit)
    return min(limits) if limits else 512


def weights_size_mb(path: str | os.PathLike[str]) -> float | None:
    """Size in MiB of the weight files ``from_pretrained`` loads from directory ``path``: its safetensors
    when it has any, else its ``pytorch_model*.bin`` (symlinks followed, as in the HF cache).

    Example:
        >>> import tempfile
        >>> directory = Path(tempfile.mkdtemp())
        >>> _ = (directory / "model.safetensors").write_bytes(b"x" * 2**20)
        >>> _ = (directory / "pytorch_model.bin").write_bytes(b"x" * 2**21)  # not loaded: not counted
        >>> weights_size_mb(directory)
        1.0
    """
    files = safetensors_files(path) or pickle_weight_files(path)
    if not files:
        return None
    return sum(p.stat().st_size for p in files) / 2**20


def safe_loading_kwargs(
    path: str | os.PathLike[str], *, allow_pickle: bool, trust_remote_code: bool, model_type: str | None = None
) -> dict[str, Any]:
    """The ``from_pretrained`` keywords that load directory ``path`` without running code not allowed.

    Args:
        path: The model directory.
        allow_pickle: Load a pickled ``pytorch_model.bin`` when the directory has no safetensors.
        trust_remote_code: Let the model's own Python files (``auto_map``) run.
        model_type: The type built when config.json names none (a catalog entry's).

    Raises:
        UnsafeModelError: loading would run code that is not allowed; one line naming the option.

    Example:
        >>> from modelpick.testing.tiny_models import save_tiny_model
        >>> import tempfile
        >>> safe_loading_kwargs(save_tiny_model("bert", tempfile.mkdtemp()), allow_pickle=False,
        ...                     trust_remote_code=False)
        {'use_safetensors': True}
    """
    directory = Path(path)
    refuse_unsafe(directory, allow_pickle=allow_pickle, trust_remote_code=trust_remote_code,
                  model_type=model_type, shown=display_path(directory))
    # True, not None, where safetensors exist: with None transformers falls back to a pickle beside them.
    return {"use_safetensors": has_safetensors(directory)}


@contextmanager
def remote_code_refused(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn transformers' refusal of custom code the checks above did not foresee (a tokenizer's own
    class, say) into the one-line :class:`UnsafeModelError` that names ``--trust-remote-code``."""
    try:
        yield
    except ValueError as exc:
        if "trust_remote_code" not in str(exc):
            raise
        shown = display_path(Path(path))
        raise UnsafeModelError(custom_code_refusal(shown, "the code its auto_map names")) from exc


def _has_tokenizer(path: Path) -> bool:
    return any((path / name).exists() for name in _TOKENIZER_FILES)


def _config_from_dir(
    transformers: Any, path: Path, resolution: WeightsResolution, *, trust_remote_code: bool
) -> tuple[Any, bool]:
    """The checkpoint's config, and whether its ``model_type`` came from the catalog.

    Some older Hub checkpoints (huawei-noah/TinyBERT_General_4L_312D) have no ``model_type`` in
    config.json; transformers 5 no longer guesses it from the repository name, so the catalog's
    architecture supplies it.
    """
    config_file = path / "config.json"
    known_type = (resolution.config or {}).get("model_type")
    if known_type and config_file.is_file():
        values = json.loads(config_file.read_text(encoding="utf-8"))
        if isinstance(values, dict) and not values.get("model_type"):
            values = {k: v for k, v in values.items() if k != "model_type"}
            return transformers.AutoConfig.for_model(known_type, **values), True
    return transformers.AutoConfig.from_pretrained(path, trust_remote_code=trust_remote_code), False


def _from_dir(
    transformers: Any, path: Path, resolution: WeightsResolution, safe: dict[str, Any], trust_remote_code: bool
) -> tuple[Any, Any, Any | None]:
    """Model, config and tokenizer (``None`` when the directory has none) from directory ``path``."""
    config, guessed = _config_from_dir(transformers, path, resolution, trust_remote_code=trust_remote_code)
    model = transformers.AutoModel.from_pretrained(path, config=config, trust_remote_code=trust_remote_code, **safe)
    if not _has_tokenizer(path):
        return model, config, None
    # Without model_type in config.json, AutoTokenizer needs the config to pick a tokenizer class.
    tokenizer_kwargs: dict[str, Any] = {"config": config} if guessed else {}
    tokenizer = transformers.AutoTokenizer.from_pretrained(
        path, trust_remote_code=trust_remote_code, **tokenizer_kwargs
    )
    return model, config, tokenizer


def load_transformer(
    resolution: WeightsResolution, *, trust_remote_code: bool = False, device: str = "cpu"
) -> LoadedTransformer:
    """Build the model ``resolution`` points at, in eval mode on ``device``.

    Raises:
        CandidateError: the checkpoint or config cannot be loaded; the message says which and why.
        UnsafeModelError: loading would run code not allowed: weights only in a pickle and no
            ``resolution.allow_pickle``, or the model's own code and no ``trust_remote_code``.

    Example:
        >>> from modelpick.testing.tiny_models import tiny_config
        >>> loaded = load_transformer(WeightsResolution("architecture-only", None, "random weights",
        ...                                             config=tiny_config("bert")))
        >>> type(loaded.model).__name__, loaded.tokenizer is None, loaded.model.training
        ('BertModel', True, False)
    """
    transformers = require("transformers", purpose="load transformer candidates")
    # transformers' progress bars and load reports would interleave with ours on stderr.
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    where = resolution.path or f"config {resolution.config.get('model_type') if resolution.config else None!r}"
    # transformers raises OSError, ValueError, KeyError, ... for bad checkpoints: one error type for callers.
    with reraised_as(CandidateError, f"Could not load the model from {where}"):
        if resolution.path is not None:
            path = Path(resolution.path)
            safe = safe_loading_kwargs(
                path, allow_pickle=resolution.allow_pickle, trust_remote_code=trust_remote_code,
                model_type=(resolution.config or {}).get("model_type"),
            )
            with remote_code_refused(path):
                model, config, tokenizer = _from_dir(transformers, path, resolution, safe, trust_remote_code)
            on_disk = weights_size_mb(path)
        else:
            if not resolution.config:
                raise CandidateError(
                    "An architecture-only candidate needs an architecture config; none was given."
                )
            arch = dict(resolution.config)
            config = transformers.AutoConfig.for_model(**arch)
            model = transformers.AutoModel.from_config(config, trust_remote_code=trust_remote_code)
            tokenizer = None
            on_disk = None
    model.eval()
    if device != "cpu":
        model.to(device)
    parameters = sum(p.numel() for p in model.parameters())
    named = inspect.signature(model.forward).parameters
    accepted = frozenset(name for name in _MODEL_INPUTS if name in named)
    return LoadedTransformer(
        model, tokenizer, parameters, on_disk, config, max_input_length(model, config, tokenizer), accepted
    )
