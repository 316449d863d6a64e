"""What a deployment variant is, and the contract each variant fulfils.

A transformer candidate can be deployed in several runtimes; each is a *variant* and becomes its own
candidate row, timed and scored on the form actually deployed. Variants (registry
:data:`modelpick.candidates.variants.VARIANTS`):

* ``eager``: the PyTorch model as loaded, fp32.
* ``int8``: PyTorch dynamic quantization of every ``nn.Linear`` to qint8 (CPU).
* ``onnx``: exported with ``torch.onnx.export`` and run by ONNX Runtime (extra ``modelpick[onnx]``).
* ``fp16`` / ``bf16``: the model cast to half precision on CUDA.

Every variant turns a loaded model (:func:`~modelpick.candidates.load_transformer`) into a
:class:`Runner`: a callable from the model inputs to the last hidden state, always float32 of shape
``(batch, sequence, hidden)``, so the profiler times every variant through the same call and the
estimator pools features from every variant in the same way.

The hooks of :class:`Variant` are called in this order:

1. :meth:`Variant.unavailable_reason`, wherever the rows of a run are decided (it is cheap: it imports
   torch only when the answer depends on it, and never onnxruntime for a CPU answer). A variant that
   cannot run on the device becomes a skipped row with that one-line reason; nothing is loaded for it.
2. :meth:`Variant.prepare`, once per candidate and variant, in the measuring process, after the model is
   loaded (eval mode, on the device) and torch's threads are set, before any warm-up. It checks its
   arguments and the device again, then calls the variant's :meth:`Variant.build`. Quantizing,
   exporting or casting happen here and are never part of a timed call.
3. The runner, once per forward pass: timed by the profiler, pooled by the estimator.
4. :attr:`Runner.weights_mb` and :meth:`Runner.describe`, once after measuring, for the result.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from modelpick._errors import reraised_as
from modelpick._validation import invalid_parameter
from modelpick.exceptions import CandidateError

__all__ = [
    "MODEL_INPUTS",
    "ModuleRunner",
    "Runner",
    "Variant",
    "last_hidden_state",
    "parse_device",
    "select_inputs",
    "state_dict_mb",
]

# The inputs an encoder may take, in the order a forward() names them: what load_transformer's
# accepted_inputs holds, and all a runner (the ONNX graph's signature included) is fed.
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_DEVICE = re.compile(r"^(cpu|cuda)(?::(\d+))?$")


def parse_device(device: str, *, caller: str = "Variant") -> tuple[str, int | None]:
    """``("cpu", None)`` or ``("cuda", index)`` for a device string; ``"cuda"`` alone is device 0.

    Raises:
        InvalidParameterError: anything but ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Example:
        >>> parse_device("cuda:1"), parse_device("cpu")
        (('cuda', 1), ('cpu', None))
    """
    match = _DEVICE.match(device) if isinstance(device, str) else None
    if match is None or (match.group(1) == "cpu" and match.group(2) is not None):
        raise invalid_parameter("device", caller, "'cpu', 'cuda' or 'cuda:N'", device)
    if match.group(1) == "cpu":
        return "cpu", None
    return "cuda", int(match.group(2) or 0)


def select_inputs(inputs: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The inputs a runner was prepared with, by name; others (a tokenizer's extras) are left out.

    Raises:
        InvalidParameterError: one of ``names`` is missing.

    Example:
        >>> select_inputs({"input_ids": 1, "attention_mask": 2, "token_type_ids": 3}, ("input_ids", "attention_mask"))
        {'input_ids': 1, 'attention_mask': 2}
    """
    try:
        return {name: inputs[name] for name in names}
    except KeyError:
        missing = [name for name in names if name not in inputs]
        raise invalid_parameter(
            "inputs", "Runner", f"a mapping with {', '.join(names)} (it was prepared with those)",
            f"a mapping without {', '.join(missing)}",
        ) from None


def last_hidden_state(output: Any) -> Any:
    """The last hidden state of a Hugging Face encoder's output (a ``ModelOutput`` or a tuple).

    Example:
        >>> last_hidden_state(("hidden", "pooled"))
        'hidden'
    """
    return output.last_hidden_state if hasattr(output, "last_hidden_state") else output[0]


def state_dict_mb(module: Any) -> float:
    """Size in MiB of every tensor in ``module.state_dict()``: what saving the module writes, less the
    container, computed without pickling anything.

    A quantized ``Linear`` keeps its weight packed for its kernel; its state dict unpacks it as a qint8
    tensor: one byte per element, plus its scales and zero points (one each per tensor, or per output
    channel), which is what is counted. A tensor that appears under several names (tied weights) counts
    once.

    Example:
        >>> import torch
        >>> round(state_dict_mb(torch.nn.Linear(1024, 256)) * 2**20)  # (1024 * 256 + 256) * 4 bytes
        1049600
    """
    import torch

    seen: set[tuple[int, torch.dtype, tuple[int, ...]]] = set()
    total = 0

    def add(value: Any) -> None:
        nonlocal total
        if isinstance(value, torch.Tensor):
            # Quantized tensors are fresh unpacked copies, never shared; their pointer is not a tie.
            key = (id(value) if value.is_quantized else value.data_ptr(), value.dtype, tuple(value.shape))
            if key not in seen:
                seen.add(key)
                total += value.numel() * value.element_size() + _quantization_parameter_bytes(torch, value)
        elif isinstance(value, (tuple, list)):  # a quantized Linear's (weight, bias) packed params
            for item in value:
                add(item)

    for value in module.state_dict().values():
        add(value)
    return total / 2**20


def _quantization_parameter_bytes(torch: Any, tensor: Any) -> int:
    """The bytes of a quantized tensor's scales and zero points, which live inside it, not in the state dict."""
    if not tensor.is_quantized:
        return 0
    if tensor.qscheme() in (torch.per_tensor_affine, torch.per_tensor_symmetric):
        return 16  # one float64 scale, one int64 zero point
    scales, zero_points = tensor.q_per_channel_scales(), tensor.q_per_channel_zero_points()
    return scales.numel() * scales.element_size() + zero_points.numel() * zero_points.element_size()


@runtime_checkable
class Runner(Protocol):
    """A prepared variant: model inputs in, last hidden state out.

    ``runner(inputs)`` takes a mapping of the input tensors it was prepared with (``input_ids`` and,
    as the model takes them, ``attention_mask`` and ``token_type_ids``), of any batch size and sequence
    length the model allows, on the device it was prepared for; other keys are ignored. It returns the
    last hidden state as a float32 torch tensor of shape ``(batch, sequence, hidden)``, on the device or
    on the CPU (ONNX Runtime hands its outputs back in host memory). No autograd graph is kept.
    """

    @property
    def weights_mb(self) -> float | None:
        """Size in MiB of the weights as this variant deploys them, or ``None`` where unknown."""

    def __call__(self, inputs: Mapping[str, Any]) -> Any:
        """The last hidden state of ``inputs``: float32, ``(batch, sequence, hidden)``."""

    def describe(self) -> dict[str, str]:
        """What is worth recording about the runtime: library versions, export and quantization details."""


@dataclass(frozen=True)
class ModuleRunner:
    """A :class:`Runner` over a PyTorch module: calls it under ``torch.inference_mode`` and returns the last
    hidden state cast to float32 (a no-op for an fp32 model).

    Attributes:
        module: The module called, in eval mode, on the device the runner was prepared for.
        input_names: The inputs it is fed, in forward()'s order.
        weights_mb: See :attr:`Runner.weights_mb`.
        details: What :meth:`describe` returns.
    """

    module: Any
    input_names: tuple[str, ...]
    weights_mb: float | None
    details: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, inputs: Mapping[str, Any]) -> Any:
        import torch

        feed = select_inputs(inputs, self.input_names)
        with torch.inference_mode():
            hidden = last_hidden_state(self.module(**feed))
        return hidden.float()

    def describe(self) -> dict[str, str]:
        return dict(self.details)


class Variant(ABC):
    """One way to deploy a transformer encoder (registry ``VARIANTS``).

    Class attributes:
        name: Registry key, e.g. ``"int8"``; the suffix of the candidate row it makes.
        label: Short human text for reports, e.g. ``"PyTorch dynamic int8 (Linear)"``.
        modules: Modules a process running this variant imports beyond torch and transformers (ONNX
            Runtime and the exporter). A profiler's baseline-memory child imports them too, so a row's
            memory is its model's, not its libraries'.
        folds_constants: Whether the runtime computes work that reads weights only (no input) once, when
            it is prepared, instead of on every call (ONNX Runtime's constant folding). Its FLOP rate then
            counts only the input-dependent FLOPs (:class:`~modelpick.profiling._sanity.ForwardFlops`).

    A subclass implements :meth:`unavailable_reason` and :meth:`build`; :meth:`prepare` is the one
    entry point callers use, and keeps the rules every variant shares: arguments checked, the device
    asked again, the caller's model left unchanged (its weights, dtype, device and mode), torch's global
    thread count left as it was, and another library's error turned into a one-line
    :class:`~modelpick.exceptions.CandidateError`.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    modules: ClassVar[tuple[str, ...]] = ()
    folds_constants: ClassVar[bool] = False

    @abstractmethod
    def unavailable_reason(self, device: str) -> str | None:
        """``None`` when this variant can run on ``device`` (``"cpu"`` or ``"cuda:N"``), else one line
        saying why not and what fixes it (``"fp16 runs on CUDA only; ..."``).

        Called before anything is loaded, so it must be cheap: it imports torch only when the answer
        depends on it, and onnxruntime only for a CUDA answer.

        Raises:
            InvalidParameterError: ``device`` is not a device string.
        """

    @abstractmethod
    def build(self, model: Any, *, example_inputs: Mapping[str, Any], input_names: tuple[str, ...], device: str,
              num_threads: int, workdir: Path) -> Runner:
        """Build the runnable form of ``model`` (quantize, export, cast). Called by :meth:`prepare` only,
        with arguments already checked.

        Args:
            model: The loaded encoder, in eval mode, on ``device``. Leave it unchanged: work on a copy
                where the variant needs another form of it.
            example_inputs: One batch of real model inputs, only those in ``input_names``.
            input_names: The inputs the runner takes, in forward()'s order.
            device: ``"cpu"`` or ``"cuda:N"``; :meth:`unavailable_reason` said it can run there.
            num_threads: Threads for a runtime with its own pool (ONNX Runtime's intra-op threads).
                Never change torch's global setting: the caller owns it.
            workdir: An existing directory for files the variant writes (an exported graph); the caller
                keeps it as long as the runner lives.
        """

    def prepare(self, model: Any, *, example_inputs: Mapping[str, Any], device: str, num_threads: int,
                workdir: str | os.PathLike[str]) -> Runner:
        """The runnable form of ``model`` for this variant, checked to take ``example_inputs``.

        Args:
            model: A loaded encoder (``load_transformer(...).model``): eval mode, on ``device``. It is not
                changed; variants that need another form of it (quantized, cast) work on a copy.
            example_inputs: One batch of model inputs: 2-D integer tensors of one shape, ``input_ids`` and
                whichever of ``attention_mask`` / ``token_type_ids`` the model takes. Their names are the
                ones the runner takes; their shape does not bind it (any batch size and length work).
            device: ``"cpu"`` or ``"cuda:N"``, where the model is and the runner runs.
            num_threads: Threads for a runtime with its own thread pool (ONNX Runtime); torch's global
                thread count is the caller's and is left as it was.
            workdir: A directory for files the variant writes; created if missing; keep it while the
                runner is in use.

        Raises:
            InvalidParameterError: an argument is unusable (the message names it).
            CandidateError: the variant cannot run on ``device`` (the reason of
                :meth:`unavailable_reason`), or building it failed (one line saying why).
            MissingDependencyError: a library the variant needs is not installed.

        Example:
            >>> import tempfile
            >>> from modelpick.candidates import WeightsResolution, load_transformer
            >>> from modelpick.candidates.variants import get_variant
            >>> from modelpick.testing.tiny_models import tiny_config
            >>> loaded = load_transformer(WeightsResolution("architecture-only", None, "random weights",
            ...                                             config=tiny_config("bert")))
            >>> import torch
            >>> inputs = {"input_ids": torch.tensor([[2, 5, 9, 3]]),
            ...           "attention_mask": torch.ones(1, 4, dtype=torch.long)}
            >>> runner = get_variant("eager").prepare(loaded.model, example_inputs=inputs, device="cpu",
            ...                                       num_threads=1, workdir=tempfile.mkdtemp())
            >>> tuple(runner(inputs).shape), runner(inputs).dtype
            ((1, 4, 32), torch.float32)
        """
        caller = f"{type(self).__name__}.prepare"
        parse_device(device, caller=caller)
        if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1:
            raise invalid_parameter("num_threads", caller, "an integer >= 1", num_threads)
        if not isinstance(workdir, (str, os.PathLike)):
            raise invalid_parameter("workdir", caller, "a directory path", workdir)
        names = _check_example_inputs(example_inputs, caller)
        _check_model(model, device, caller)
        reason = self.unavailable_reason(device)
        if reason is not None:
            raise CandidateError(f"The {self.name} variant ({self.label}) cannot run on {device}: {reason}")
        directory = Path(workdir)
        directory.mkdir(parents=True, exist_ok=True)
        import torch

        threads = torch.get_num_threads()
        try:
            # Quantizers and exporters raise whatever they raise; a run needs one line saying why.
            with reraised_as(CandidateError, f"Preparing the {self.name} variant ({self.label}) failed"):
                return self.build(model, example_inputs={n: example_inputs[n] for n in names}, input_names=names,
                                  device=device, num_threads=num_threads, workdir=directory)
        finally:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)  # the caller's setting, whatever a library did to it

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _check_example_inputs(example_inputs: Any, caller: str) -> tuple[str, ...]:
    expected = "a mapping of 2-D integer tensors of one shape with 'input_ids' (and the model's other inputs)"
    if not isinstance(example_inputs, Mapping) or "input_ids" not in example_inputs:
        raise invalid_parameter("example_inputs", caller, expected, example_inputs)
    unknown = sorted(set(example_inputs) - set(MODEL_INPUTS))
    if unknown:
        raise invalid_parameter("example_inputs", caller, f"a mapping with keys among {', '.join(MODEL_INPUTS)}",
                                f"a mapping with {', '.join(unknown)}")
    shapes = {tuple(getattr(v, "shape", ())) for v in example_inputs.values()}
    is_integer = all(getattr(getattr(v, "dtype", None), "is_floating_point", True) is False
                     for v in example_inputs.values())
    if len(shapes) != 1 or len(next(iter(shapes))) != 2 or 0 in next(iter(shapes)) or not is_integer:
        raise invalid_parameter("example_inputs", caller, expected,
                                {k: f"{getattr(v, 'dtype', type(v).__name__)} {tuple(getattr(v, 'shape', ()))}"
                                 for k, v in example_inputs.items()})
    return tuple(name for name in MODEL_INPUTS if name in example_inputs)


def _check_model(model: Any, device: str, caller: str) -> None:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise invalid_parameter("model", caller, "a torch.nn.Module (load_transformer(...).model)", model)
    if model.training:
        # Dropout would make every output, and so every comparison and estimate, random.
        raise invalid_parameter("model", caller, "a model in eval mode (call model.eval())", "a model in training mode")
    kind, index = parse_device(device, caller=caller)
    for parameter in model.parameters():
        where = parameter.device
        if where.type != kind or (kind == "cuda" and where.index not in (None, index)):
            raise invalid_parameter("model", caller, f"a model on {device} (the device given)",
                                    f"a model on {where}")
        break
