"""The sanity gate: a timing that implies more FLOP/s than the machine can do is a bug, not a result.

FLOPs of one forward pass are counted with ``torch.utils.flop_counter``'s formulas (matrix
multiplications and attention kernels; anything they do not count only lowers the implied rate, so the
gate never fires on uncounted work), split into what depends on the input and what reads weights only:
a runtime that folds constants executes the first alone. The machine's peak is measured, not looked up:
the fastest of several fp32 ``torch.mm`` calls at a few sizes, in the same process, at the same thread
count.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelpick.exceptions import ProfilingError
from modelpick.profiling._timers import Timer, perf_counter_timer

__all__ = ["CPU_PROBE_SIZES", "CUDA_PROBE_SIZES", "SANITY_MARGIN", "ForwardFlops", "check_sanity",
           "count_forward_flops", "matmul_peak_gflops", "onnxruntime_matmul_peak_gflops"]

# A forward pass cannot beat a large square matmul; the margin absorbs clock jitter and the
# matmul sizes a model happens to run faster than the 1024x1024 probe.
SANITY_MARGIN = 1.25


@dataclass(frozen=True)
class ForwardFlops:
    """FLOPs of one forward pass, as ``torch.utils.flop_counter`` formulas count them (a multiply-add is 2).

    Attributes:
        total: Every counted FLOP: what PyTorch eager (or dynamic int8) executes on each call.
        input_dependent: Only the FLOPs of operations that read, directly or through earlier results, one of
            the model inputs. The rest reads weights alone (DeBERTa-v3 projects its 512 relative-position
            embeddings through every layer's query and key weights, 7.2 GFLOP at hidden size 768, on every
            call, whatever the text); a runtime that folds constants (ONNX Runtime) computes it once when
            the session starts, so its calls execute only these.
    """

    total: int
    input_dependent: int

    @property
    def weights_only(self) -> int:
        """FLOPs that depend on the weights alone (foldable into constants)."""
        return self.total - self.input_dependent


# Set on a tensor for the duration of one count: it is a model input or was computed from one.
_FROM_INPUT = "_modelpick_from_input"


def count_forward_flops(model: Any, inputs: Mapping[str, Any]) -> ForwardFlops:
    """FLOPs of ``model(**inputs)``: all of them, and those that depend on ``inputs`` (see :class:`ForwardFlops`).

    Matrix multiplications and attention kernels are counted with the formulas of
    ``torch.utils.flop_counter``; an operation they have no formula for is decomposed into ones they have
    where torch can, as ``FlopCounterMode`` does. A result is input-dependent when any tensor it was computed
    from is; tensors made from nothing (``arange``, ``zeros``) are not, so work derived from the input's
    *shape* alone counts as foldable, which only lowers an ONNX row's implied rate (the gate stays safe).
    """
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_leaves
    from torch.utils.flop_counter import flop_registry

    def from_input(tensors: Any) -> bool:
        return any(isinstance(t, torch.Tensor) and getattr(t, _FROM_INPUT, False) for t in tree_leaves(tensors))

    class Tally(TorchDispatchMode):
        total = 0
        input_dependent = 0

        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            kwargs = kwargs or {}
            formula = flop_registry.get(func.overloadpacket)
            if formula is None:
                with self:
                    decomposed = func.decompose(*args, **kwargs)
                if decomposed is not NotImplemented:
                    return decomposed
            out = func(*args, **kwargs)
            dependent = from_input((args, kwargs))
            if formula is not None:
                flops = int(formula(*args, **kwargs, out_val=out))
                self.total += flops
                self.input_dependent += flops if dependent else 0
            if dependent:
                for tensor in tree_leaves(out):
                    if isinstance(tensor, torch.Tensor):
                        setattr(tensor, _FROM_INPUT, True)
            return out

    given = [value for value in inputs.values() if isinstance(value, torch.Tensor)]
    tally = Tally()
    try:
        for tensor in given:
            setattr(tensor, _FROM_INPUT, True)
        # Counted outside inference mode (even when the caller is in it), as FlopCounterMode needs on some
        # architectures (DeBERTa-v3's relative-position embeddings); no_grad keeps it from building a graph.
        with torch.inference_mode(False), torch.no_grad(), tally:
            model(**inputs)
    finally:
        for tensor in given:
            if hasattr(tensor, _FROM_INPUT):
                delattr(tensor, _FROM_INPUT)
    return ForwardFlops(total=tally.total, input_dependent=tally.input_dependent)


# Square sizes probed: the best of them is the peak. One size is not enough: on CPUs a 1024 matrix
# can fall out of cache and run slower than the model's own (smaller) matmuls; GPUs need large ones.
CPU_PROBE_SIZES = (256, 512, 1024)
CUDA_PROBE_SIZES = (1024, 2048, 4096)


def matmul_peak_gflops(
    *,
    sizes: Sequence[int] | None = None,
    repeats: int = 16,
    device: str = "cpu",
    timer: Timer = perf_counter_timer,
) -> float:
    """Best fp32 ``torch.mm`` rate over square ``sizes``, in GFLOP/s, at the current thread count.

    Each size runs once untimed, then ``repeats`` timed calls; the fastest call of any size counts,
    since anything else on the machine only ever slows a call down.

    Example:
        >>> matmul_peak_gflops(sizes=(32, 64), repeats=2) > 0
        True
    """
    import torch

    if sizes is None:
        sizes = CUDA_PROBE_SIZES if str(device).startswith("cuda") else CPU_PROBE_SIZES
    generator = torch.Generator().manual_seed(0)
    best_rate = 0.0
    with torch.inference_mode():
        for size in sizes:
            a = torch.randn(size, size, generator=generator, dtype=torch.float32).to(device)
            b = torch.randn(size, size, generator=generator, dtype=torch.float32).to(device)
            call: Callable[[], Any] = functools.partial(torch.mm, a, b)
            call()  # the first call allocates and picks a kernel
            best = min(timer(call) for _ in range(repeats))
            best_rate = max(best_rate, 2.0 * size**3 / max(best, 1e-12) / 1e9)
    return best_rate


def onnxruntime_matmul_peak_gflops(
    *,
    num_threads: int,
    sizes: Sequence[int] = CPU_PROBE_SIZES,
    repeats: int = 16,
    timer: Timer = perf_counter_timer,
) -> float:
    """Best fp32 ``MatMul`` rate of ONNX Runtime on the CPU over square ``sizes``, in GFLOP/s, on
    ``num_threads`` intra-op threads: the peak an ONNX Runtime row is held to.

    ONNX Runtime multiplies with its own kernels (MLAS), not torch's BLAS, and they can be much faster: on
    an AMD EPYC with AVX-512 (torch 2.13 with MKL, onnxruntime 1.31, one thread) ``torch.mm`` peaks near 120
    GFLOP/s and MLAS near 260, so an exported MiniLM is rightly timed above torch's peak. Each size is a
    one-node graph run once untimed, then ``repeats`` times; the fastest call counts.

    Raises:
        MissingDependencyError: onnx or onnxruntime is not installed.

    Example:
        >>> onnxruntime_matmul_peak_gflops(num_threads=1, sizes=(32,), repeats=2) > 0  # doctest: +SKIP
        True
    """
    from modelpick._imports import require

    np = require("numpy", purpose="probe ONNX Runtime's matmul peak")
    ort = require("onnxruntime", purpose="probe ONNX Runtime's matmul peak")
    helper = require("onnx.helper", purpose="build the matmul probe graph")
    onnx = require("onnx", purpose="build the matmul probe graph")
    generator = np.random.default_rng(0)
    best_rate = 0.0
    for size in sizes:
        def value(name: str, size: int = size) -> Any:
            return helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, [size, size])

        graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "matmul-peak",
                                  [value("a"), value("b")], [value("c")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8  # what every onnxruntime this supports reads
        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = ort.InferenceSession(model.SerializeToString(), sess_options=options,
                                       providers=["CPUExecutionProvider"])
        feed = {name: generator.standard_normal((size, size), dtype=np.float32) for name in ("a", "b")}
        call: Callable[[], Any] = functools.partial(session.run, None, feed)
        call()
        best = min(timer(call) for _ in range(repeats))
        best_rate = max(best_rate, 2.0 * size**3 / max(best, 1e-12) / 1e9)
    return best_rate


def check_sanity(implied_gflops: float, peak_gflops: float, *, margin: float = SANITY_MARGIN) -> None:
    """Raise when ``implied_gflops`` exceeds ``margin`` x the measured ``peak_gflops``.

    Raises:
        ProfilingError: "sanity gate: implied X GFLOP/s exceeds the measured matmul peak Y GFLOP/s; ..."

    Example:
        >>> check_sanity(50.0, 100.0)
        >>> check_sanity(500.0, 100.0)
        Traceback (most recent call last):
        ...
        modelpick.exceptions.ProfilingError: sanity gate: implied 500 GFLOP/s exceeds the measured matmul peak
        100 GFLOP/s; the timing is wrong
    """
    if implied_gflops > margin * peak_gflops:
        raise ProfilingError(
            f"sanity gate: implied {implied_gflops:.3g} GFLOP/s exceeds the measured matmul peak "
            f"{peak_gflops:.3g} GFLOP/s; the timing is wrong"
        )
