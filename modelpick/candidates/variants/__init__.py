"""Deployment variants: the runtimes a transformer candidate can be deployed in, each its own candidate row.

* ``eager``: PyTorch eager fp32, the model as loaded (:class:`EagerVariant`).
* ``int8``: PyTorch dynamic int8 of every ``nn.Linear``, CPU (:class:`DynamicInt8Variant`).
* ``onnx``: exported by ``torch.onnx.export`` and run by ONNX Runtime; extra ``modelpick[onnx]``
  (:class:`OnnxVariant`).
* ``fp16`` / ``bf16``: the model cast to half precision, CUDA only (:class:`Fp16Variant`, :class:`Bf16Variant`).

:meth:`Variant.prepare` turns a loaded model into a :class:`Runner` (inputs in, float32 last hidden
state out), which the profiler times and the estimator pools, the same way for every variant; see
:mod:`modelpick.candidates.variants._base` for when each hook is called. Adding a variant is one module
with a :class:`Variant` subclass and one line in :data:`VARIANTS`. Nothing here imports torch or
onnxruntime until a variant is asked something that needs them.
"""

from __future__ import annotations

from modelpick._validation import closest_name
from modelpick.candidates.variants._base import ModuleRunner, Runner, Variant
from modelpick.candidates.variants.eager import EagerVariant
from modelpick.candidates.variants.half import Bf16Variant, Fp16Variant
from modelpick.candidates.variants.int8 import DynamicInt8Variant
from modelpick.candidates.variants.onnx import OnnxRunner, OnnxVariant
from modelpick.exceptions import UnknownNameError

__all__ = [
    "VARIANTS",
    "Bf16Variant",
    "DynamicInt8Variant",
    "EagerVariant",
    "Fp16Variant",
    "ModuleRunner",
    "OnnxRunner",
    "OnnxVariant",
    "Runner",
    "Variant",
    "get_variant",
]

# Name -> class, in the order rows are listed: the reference first, then CPU, then CUDA forms.
VARIANTS: dict[str, type[Variant]] = {
    "eager": EagerVariant,
    "int8": DynamicInt8Variant,
    "onnx": OnnxVariant,
    "fp16": Fp16Variant,
    "bf16": Bf16Variant,
}


def get_variant(name: str) -> Variant:
    """A new instance of the variant registered as ``name``.

    Raises:
        UnknownNameError: ``name`` is not registered; the message lists the known names and the closest one.

    Example:
        >>> get_variant("int8").label
        'PyTorch dynamic int8 (Linear)'
        >>> get_variant("onxx")
        Traceback (most recent call last):
        ...
        modelpick.exceptions.UnknownNameError: Unknown variant 'onxx'. Did you mean 'onnx'? Known variants: 'eager',
        'int8', 'onnx', 'fp16', 'bf16'.
    """
    try:
        cls = VARIANTS[name]
    except (KeyError, TypeError):
        known = list(VARIANTS)  # read at call time: a variant registered later counts
        close = closest_name(name, known) if isinstance(name, str) else None
        hint = f" Did you mean {close!r}?" if close else ""
        raise UnknownNameError(
            f"Unknown variant {name!r}.{hint} Known variants: {', '.join(repr(n) for n in known)}."
        ) from None
    return cls()
