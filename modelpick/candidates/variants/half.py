"""Half precision on CUDA: the model cast to fp16 or bf16, outputs cast back to float32.

CPU-only: neither is offered, since half-precision matmuls on CPU are emulated or slow on most CPUs
and that is not how anyone deploys them; the reason says which variants to use there instead.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from modelpick.candidates.variants._base import ModuleRunner, Runner, Variant, parse_device, state_dict_mb

__all__ = ["Bf16Variant", "Fp16Variant"]


class _HalfVariant(Variant):
    """A CUDA-only variant that casts a copy of the model to ``dtype_name``."""

    dtype_name: ClassVar[str]

    def unavailable_reason(self, device: str) -> str | None:
        kind, index = parse_device(device, caller=f"{type(self).__name__}.unavailable_reason")
        if kind != "cuda":
            return f"{self.name} runs on CUDA only; on CPU use the eager, int8 or onnx variant"
        import torch  # whether this machine has the GPU asked for is torch's to say

        if not torch.cuda.is_available():
            return f"torch sees no CUDA device (torch {torch.__version__}); install a CUDA build of torch"
        if index is not None and index >= torch.cuda.device_count():
            return f"there is no {device}: torch sees {torch.cuda.device_count()} CUDA device(s)"
        return self._device_reason(torch, index or 0)

    def _device_reason(self, torch: Any, index: int) -> str | None:
        return None

    def build(self, model: Any, *, example_inputs: Mapping[str, Any], input_names: tuple[str, ...], device: str,
              num_threads: int, workdir: Path) -> Runner:
        import torch

        dtype = getattr(torch, self.dtype_name)
        # Module.to() casts in place; the copy leaves the caller's fp32 model as it was.
        cast = copy.deepcopy(model).to(dtype=dtype)
        details = {
            "torch": metadata.version("torch"),
            "dtype": self.dtype_name,
            "device": device,
            "gpu": torch.cuda.get_device_name(torch.device(device)),
            "output": "cast to float32",
        }
        return ModuleRunner(cast, input_names, state_dict_mb(cast), details)


class Fp16Variant(_HalfVariant):
    """PyTorch fp16 on CUDA.

    Example:
        >>> Fp16Variant().unavailable_reason("cpu")
        'fp16 runs on CUDA only; on CPU use the eager, int8 or onnx variant'
    """

    name: ClassVar[str] = "fp16"
    label: ClassVar[str] = "PyTorch fp16 (CUDA)"
    dtype_name: ClassVar[str] = "float16"


class Bf16Variant(_HalfVariant):
    """PyTorch bf16 on CUDA (GPUs of compute capability 8.0 and newer).

    Example:
        >>> Bf16Variant().unavailable_reason("cpu")
        'bf16 runs on CUDA only; on CPU use the eager, int8 or onnx variant'
    """

    name: ClassVar[str] = "bf16"
    label: ClassVar[str] = "PyTorch bf16 (CUDA)"
    dtype_name: ClassVar[str] = "bfloat16"

    def _device_reason(self, torch: Any, index: int) -> str | None:
        major, minor = torch.cuda.get_device_capability(index)
        if major < 8:
            name = torch.cuda.get_device_name(index)
            return f"{name} (compute capability {major}.{minor}) has no bf16 support; use the fp16 variant"
        return None
