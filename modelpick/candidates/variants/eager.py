"""The model as loaded: PyTorch eager mode, fp32. The reference every other variant is compared with."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from modelpick.candidates.variants._base import ModuleRunner, Runner, Variant, parse_device, state_dict_mb

__all__ = ["EagerVariant"]


class EagerVariant(Variant):
    """PyTorch eager fp32: the loaded model itself, called as it is.

    Example:
        >>> EagerVariant().unavailable_reason("cpu") is None
        True
    """

    name: ClassVar[str] = "eager"
    label: ClassVar[str] = "PyTorch eager fp32"

    def unavailable_reason(self, device: str) -> str | None:
        parse_device(device, caller=f"{type(self).__name__}.unavailable_reason")
        return None  # torch is a core dependency, and the model was loaded onto the device already

    def build(self, model: Any, *, example_inputs: Mapping[str, Any], input_names: tuple[str, ...], device: str,
              num_threads: int, workdir: Path) -> Runner:
        import torch

        details = {"torch": metadata.version("torch"), "dtype": "float32", "device": device}
        if device == "cpu":
            details["torch_threads"] = str(torch.get_num_threads())
        return ModuleRunner(model, input_names, state_dict_mb(model), details)
