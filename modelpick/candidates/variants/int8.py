"""PyTorch dynamic int8: every ``nn.Linear`` quantized to qint8 weights, activations quantized per call.

Weights are quantized per output channel (``per_channel_dynamic_qconfig``), not per tensor as in
``quantize_dynamic``'s default: the same kernels and the same size to within the per-channel scales,
but closer to the fp32 model. On the pretrained all-MiniLM-L6-v2 (8 texts, torch 2.13, x86 engine) the
mean-pooled features' cosine similarity with fp32 is 0.96 on average and 0.90 at worst per channel,
against 0.91 and 0.78 per tensor.

This is ``torch.ao.quantization.quantize_dynamic``, the form "PyTorch dynamic int8" users deploy on CPU:
its Linear layers run on the fbgemm / x86 / qnnpack int8 kernels in eager mode, with no compiler and no
other library. torch 2.13 marks it deprecated (in favour of torchao's ``quantize_``) but still ships and
runs it. torchao was not chosen: it is another dependency, and on CPU its int8 tensor subclasses are
slower than these kernels unless the model is also ``torch.compile``-d, which would measure the compiler
rather than the deployment users have today. The two deprecation warnings torch emits while quantizing
are silenced (and only those, by message): they speak to the API's future, not to the user's run.
When torch drops the API, :meth:`DynamicInt8Variant.unavailable_reason` says so and the row is skipped.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from modelpick.candidates.variants._base import ModuleRunner, Runner, Variant, parse_device, state_dict_mb

__all__ = ["DynamicInt8Variant", "quantized_linear_count"]

# Engines with dynamic int8 Linear kernels; torch picks one for the CPU it runs on.
_INT8_ENGINES = ("x86", "fbgemm", "onednn", "qnnpack")


@contextmanager
def _deprecations_silenced() -> Iterator[None]:
    """Silence torch 2.13's two warnings about the quantization API itself, and nothing else.

    Both say the API will be removed (torch.ao.quantization; qint8 tensors, pytorch/pytorch#184982);
    neither says anything about this model or this run. Quantizing and unpacking the weights for their
    size raise them; the quantized forward does not, so calls run outside this filter.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"torch\.ao\.quantization is deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor, torch\.quantize_per_channel",
                                category=UserWarning)
        yield


def quantized_linear_count(module: Any) -> tuple[int, int]:
    """``(quantized, float)``: how many dynamic int8 Linear modules ``module`` holds, and how many plain
    ``nn.Linear`` are left.

    Example:
        >>> import torch
        >>> quantized_linear_count(torch.nn.Sequential(torch.nn.Linear(4, 4)))
        (0, 1)
    """
    import torch

    quantized_type = torch.ao.nn.quantized.dynamic.Linear
    quantized = sum(1 for m in module.modules() if isinstance(m, quantized_type))
    plain = sum(1 for m in module.modules() if type(m) is torch.nn.Linear)
    return quantized, plain


class DynamicInt8Variant(Variant):
    """PyTorch dynamic int8 (``nn.Linear`` weights in qint8 per output channel; activations quantized per
    call, per tensor).

    Embeddings, LayerNorm and attention's matmuls stay fp32: dynamic quantization covers Linear layers,
    which hold most of an encoder's weights and compute. Each call quantizes a Linear's input with one
    scale over the whole batch, padded positions included, so a text's output depends a little on the
    texts batched with it (unlike fp32, where it does not).

    Example:
        >>> DynamicInt8Variant().unavailable_reason("cuda:0")
        'dynamic int8 runs on CPU only (its kernels are fbgemm/qnnpack); on CUDA use the fp16 or bf16 variant'
    """

    name: ClassVar[str] = "int8"
    label: ClassVar[str] = "PyTorch dynamic int8 (Linear)"

    def unavailable_reason(self, device: str) -> str | None:
        kind, _ = parse_device(device, caller=f"{type(self).__name__}.unavailable_reason")
        if kind != "cpu":
            return ("dynamic int8 runs on CPU only (its kernels are fbgemm/qnnpack); "
                    "on CUDA use the fp16 or bf16 variant")
        import torch  # the answer depends on this build of torch

        if not callable(getattr(getattr(torch.ao, "quantization", None), "quantize_dynamic", None)):
            return (f"torch {torch.__version__} no longer has torch.ao.quantization.quantize_dynamic; "
                    "install torch<=2.13 for this variant")
        if not set(_INT8_ENGINES) & set(torch.backends.quantized.supported_engines):
            return f"this torch build has no int8 CPU kernels (engines: {torch.backends.quantized.supported_engines})"
        return None

    def build(self, model: Any, *, example_inputs: Mapping[str, Any], input_names: tuple[str, ...], device: str,
              num_threads: int, workdir: Path) -> Runner:
        import torch

        with _deprecations_silenced():
            # quantize_dynamic copies the model first (inplace=False); the copy is made here so the
            # caller's model stays untouched even if a torch version changes that default.
            quantization = torch.ao.quantization
            quantized = quantization.quantize_dynamic(
                copy.deepcopy(model), {torch.nn.Linear: quantization.per_channel_dynamic_qconfig}, dtype=torch.qint8,
                inplace=True,
            )
            weights_mb = state_dict_mb(quantized)
        count, left = quantized_linear_count(quantized)
        details = {
            "torch": metadata.version("torch"),
            "quantization": "torch.ao.quantization.quantize_dynamic: nn.Linear weights qint8 per output channel, "
                            "activations quint8 per tensor at run time",
            "quantized_linear_modules": str(count),
            "float_linear_modules": str(left),
            "engine": str(torch.backends.quantized.engine),
            "torch_threads": str(torch.get_num_threads()),
        }
        return ModuleRunner(quantized, input_names, weights_mb, details)
