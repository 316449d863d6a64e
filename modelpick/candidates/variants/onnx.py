"""ONNX Runtime: the encoder exported with ``torch.onnx.export`` and run by an ``InferenceSession``.

Needs the extra ``pip install 'modelpick[onnx]'`` (onnxruntime, and onnxscript + onnx for the exporter).

The exporter is torch's default since 2.9, ``dynamo=True``: ``torch.export`` captures the graph, onnxscript
translates and optimizes it. The older TorchScript exporter (``dynamo=False``) is not used: with
transformers 5 it traces the attention-mask code into constants and exports BERT, DistilBERT, ELECTRA
and RoBERTa graphs whose outputs differ from the model's by more than 1 (DeBERTa's loses an input), with
only tracer warnings to show for it. Batch and sequence axes are dynamic, so one exported graph serves
every input shape. The export is then *verified*: the session's output on two shapes (one with a padded
row) must match the model's own, so a graph that computes something else is a failed row, never a
number.

The graph returns the last hidden state only, so a pooler head the model carries is left out of the
file (what a deployment that pools the hidden states ships).
"""

from __future__ import annotations

import importlib.util
import logging
import math
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from modelpick._errors import one_line
from modelpick._imports import require
from modelpick.candidates.variants._base import Runner, Variant, last_hidden_state, parse_device, select_inputs
from modelpick.exceptions import CandidateError, UnsupportedVariantError

__all__ = ["OnnxRunner", "OnnxVariant"]

_EXTRA = "pip install 'modelpick[onnx]'"
# What the extra installs, in the order a missing one is reported: the runtime first, as users know it.
_MODULES = ("onnxruntime", "onnxscript", "onnx")
_OUTPUT = "last_hidden_state"
_FILE = "model.onnx"
# Largest difference from the model's own output, relative to the output's scale (at least 1), that the
# export may show. fp32 graph rewrites (fused attention, LayerNorm) move outputs by ~1e-6 relative; a
# graph that computes something else (a mask traced as a constant) by 1e-1 and more.
VERIFY_TOLERANCE = 1e-3
# Loggers that report on the exporter's own workings (ops of packages not installed, constant folding
# skipped); the user can act on none of it, and the result is verified anyway.
_EXPORTER_LOGGERS = ("torch.onnx", "torch.export", "torch._export", "onnxscript", "onnx_ir")


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package that fails, or a module set to None in sys.modules
        return False


@contextmanager
def _exporter_quiet() -> Iterator[None]:
    """Warnings and log lines of the exporter silenced for the export, and restored after.

    torch 2.13's exporter warns about pytree internals, axis names it merges and ops of torchvision (not
    installed); onnxscript logs the constant folds it skips. None of it is about the user's model; what
    is, whether the graph computes the same thing, is checked right after by running it.
    """
    loggers = [logging.getLogger(name) for name in _EXPORTER_LOGGERS]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@dataclass(frozen=True)
class OnnxRunner:
    """A :class:`~modelpick.candidates.variants.Runner` over an ONNX Runtime session.

    Inputs are handed to the session as int64 host arrays (a CPU tensor's memory, without a copy); the
    output comes back as a float32 CPU tensor, also where the session runs on CUDA (ONNX Runtime returns
    host arrays unless I/O binding is used; the copies are part of what a call costs).

    Attributes:
        session: The ``onnxruntime.InferenceSession``.
        input_names: The graph's inputs.
        weights_mb: Size of the graph's initializers (its weights) in MiB.
        details: What :meth:`describe` returns.
    """

    session: Any
    input_names: tuple[str, ...]
    weights_mb: float | None
    details: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, inputs: Mapping[str, Any]) -> Any:
        import numpy as np
        import torch

        feed = {name: np.asarray(tensor.detach().cpu().numpy(), dtype=np.int64)
                for name, tensor in select_inputs(inputs, self.input_names).items()}
        (hidden,) = self.session.run([_OUTPUT], feed)
        return torch.from_numpy(hidden).float()

    def describe(self) -> dict[str, str]:
        return dict(self.details)


class OnnxVariant(Variant):
    """ONNX Runtime fp32, on CPUExecutionProvider (or CUDAExecutionProvider on a CUDA device).

    The session uses ``num_threads`` intra-op threads and one inter-op thread (a forward pass has no
    independent branches to overlap), sequential execution, and every graph optimization.

    Example:
        >>> OnnxVariant().label
        'ONNX Runtime fp32'
    """

    name: ClassVar[str] = "onnx"
    label: ClassVar[str] = "ONNX Runtime fp32"
    # The runtime, and the exporter that builds its graph in the same process.
    modules: ClassVar[tuple[str, ...]] = (*_MODULES, "torch.onnx")
    # Every graph optimization includes constant folding: a node whose inputs are all initializers runs once,
    # when the session is created (DeBERTa-v3's relative-position projections, 7.2 GFLOP per call in eager).
    folds_constants: ClassVar[bool] = True

    def unavailable_reason(self, device: str) -> str | None:
        kind, _ = parse_device(device, caller=f"{type(self).__name__}.unavailable_reason")
        for module in _MODULES:
            if not _importable(module):
                return f"{module} is not installed; {_EXTRA}"
        if kind == "cuda":
            try:
                import onnxruntime
            except ImportError as exc:
                return f"onnxruntime cannot be imported ({exc}); {_EXTRA}"
            if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
                return (f"onnxruntime {onnxruntime.__version__} has no CUDAExecutionProvider; "
                        "pip install onnxruntime-gpu in place of onnxruntime")
        return None

    def build(self, model: Any, *, example_inputs: Mapping[str, Any], input_names: tuple[str, ...], device: str,
              num_threads: int, workdir: Path) -> Runner:
        import torch

        ort = require("onnxruntime", purpose="run the onnx variant")
        require("onnxscript", purpose="export the onnx variant (torch.onnx's exporter)")
        onnx = require("onnx", purpose="read the exported onnx graph")
        path = workdir / _FILE
        batch, length = next(iter(example_inputs.values())).shape
        # torch.export takes a size of 1 for a constant, so the traced example has >= 2 rows and >= 3
        # tokens (a sequence of 1 exports a graph fixed to 1 token); its padded row keeps the masking
        # path in the graph whatever the given batch looked like.
        traced = _resized(example_inputs, max(2, batch), max(3, length))
        wrapper = _hidden_state_module(torch, model)
        try:
            with _exporter_quiet():
                torch.onnx.export(
                    wrapper, (), str(path), kwargs=traced, input_names=list(input_names), output_names=[_OUTPUT],
                    dynamic_shapes={name: {0: "batch", 1: "sequence"} for name in input_names},
                    dynamo=True, external_data=True, verbose=False,
                )
        except Exception as exc:
            if _environmental(exc):
                raise  # a full disk, no memory: not the model's doing, tried again next run
            raise UnsupportedVariantError(
                f"torch.onnx.export cannot export {type(model).__name__}: {one_line(_root_cause(exc))}; use the "
                "eager variant"
            ) from exc
        session = _session(ort, path, device, num_threads)
        graph_inputs = tuple(i.name for i in session.get_inputs())
        runner = OnnxRunner(session, graph_inputs, None)
        second = _resized(traced, max(2, batch) + 1, max(3, length) - 1)
        worst = max(_relative_difference(torch, model, runner, inputs) for inputs in (traced, second))
        if not worst <= VERIFY_TOLERANCE:  # NaN fails too
            raise UnsupportedVariantError(
                f"The ONNX export of {type(model).__name__} does not compute what the model does: its outputs "
                f"differ by up to {worst:.3g} of their scale (tolerance {VERIFY_TOLERANCE:g}); use the eager variant"
            )
        weights_mb, opset, files_mb = _graph_facts(onnx, path)
        details = {
            "exporter": "torch.onnx.export(dynamo=True): torch.export + onnxscript",
            "opset": str(opset),
            "dynamic_axes": "batch, sequence",
            "torch": metadata.version("torch"),
            "onnx": metadata.version("onnx"),
            "onnxscript": metadata.version("onnxscript"),
            "onnxruntime": str(ort.__version__),
            "execution_providers": ", ".join(session.get_providers()),
            "intra_op_num_threads": str(num_threads),
            "inter_op_num_threads": "1",
            "intra_op_allow_spinning": "0",
            "graph_inputs": ", ".join(graph_inputs),
            "onnx_files_mb": f"{files_mb:.3f}",
            "verified_max_relative_difference": f"{worst:.2e}",
        }
        return OnnxRunner(session, graph_inputs, weights_mb, details)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the errors it was raised from or while handling, outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _environmental(exc: BaseException) -> bool:
    """Whether ``exc``, or an error it came from, is the machine's trouble (disk, memory), not the model's."""
    return any(isinstance(error, (OSError, MemoryError)) for error in _chain(exc))


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost error: the exporter wraps what went wrong ("GuardOnDataDependentSymNode: ...") in its own
    "Failed to export the model with torch.export", which says nothing about the model."""
    return _chain(exc)[-1]


def _hidden_state_module(torch: Any, model: Any) -> Any:
    """``model`` behind a forward() with named inputs that returns the last hidden state alone."""

    class LastHiddenState(torch.nn.Module):
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any = None, token_type_ids: Any = None) -> Any:
            given = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            return last_hidden_state(self.encoder(**{k: v for k, v in given.items() if v is not None}))

    wrapper = LastHiddenState(model)
    wrapper.training = False  # not .eval(): that would reach into the caller's model (already in eval mode)
    return wrapper


def _resized(inputs: Mapping[str, Any], batch: int, length: int) -> dict[str, Any]:
    """``inputs`` tiled or cut to ``(batch, length)``, with the first row's last token padded where the
    model takes an attention mask."""
    resized = {}
    for name, tensor in inputs.items():
        rows, columns = tensor.shape
        tiled = tensor.repeat(math.ceil(batch / rows), math.ceil(length / columns))
        resized[name] = tiled[:batch, :length].clone()
    if "attention_mask" in resized:
        resized["attention_mask"][0, -1] = 0
    return resized


def _session(ort: Any, path: Path, device: str, num_threads: int) -> Any:
    kind, index = parse_device(device)
    options = ort.SessionOptions()
    options.intra_op_num_threads = num_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: its warnings (node placement) land in describe()
    # ONNX Runtime's idle threads busy-wait for the next call; in a profiling child kept alive while other
    # candidates take their turns, that spinning would steal their cores (it cut torch's matmul rate to a
    # third in a trial here), so they sleep instead.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    providers: list[Any] = ["CPUExecutionProvider"]
    if kind == "cuda":
        providers.insert(0, ("CUDAExecutionProvider", {"device_id": index}))
    session = ort.InferenceSession(str(path), sess_options=options, providers=providers)
    if kind == "cuda" and "CUDAExecutionProvider" not in session.get_providers():
        # onnxruntime falls back to the CPU silently when the CUDA libraries do not load.
        raise CandidateError(
            "onnxruntime could not start CUDAExecutionProvider (its CUDA/cuDNN libraries did not load); "
            "check that onnxruntime-gpu matches the installed CUDA"
        )
    return session


def _relative_difference(torch: Any, model: Any, runner: OnnxRunner, inputs: Mapping[str, Any]) -> float:
    """Largest difference between the session's and the model's last hidden state, over the larger of
    1 and the model's largest output."""
    with torch.inference_mode():
        expected = last_hidden_state(model(**inputs)).float().cpu()
    got = runner(inputs)
    if tuple(got.shape) != tuple(expected.shape):
        return math.inf
    scale = max(1.0, float(expected.abs().max()))
    return float((got - expected).abs().max()) / scale


def _graph_facts(onnx: Any, path: Path) -> tuple[float, int, float]:
    """``(weights_mb, opset, files_mb)``: the initializers' size, the default-domain opset, and the size of
    the graph file with its external data."""
    proto = onnx.load(str(path), load_external_data=False)
    total = 0
    locations: set[str] = set()
    for tensor in proto.graph.initializer:
        itemsize = onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type).itemsize
        total += math.prod(tensor.dims) * itemsize
        locations.update(entry.value for entry in tensor.external_data if entry.key == "location")
    opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 0)
    files = [path, *(path.parent / location for location in sorted(locations))]
    files_mb = sum(f.stat().st_size for f in files if f.is_file()) / 2**20
    return total / 2**20, opset, files_mb
