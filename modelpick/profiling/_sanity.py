"""The sanity gate: a timing that implies more FLOP/s than the machine can do is a bug, not a result.

FLOPs of one forward pass are counted by ``torch.utils.flop_counter.FlopCounterMode`` (matrix
multiplications and attention kernels it knows; anything it does not count only lowers the implied
rate, so the gate never fires on uncounted work). The machine's peak is measured, not looked up:
the fastest of several fp32 ``torch.mm`` calls at a few sizes, in the same process, at the same thread
count.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from modelpick.exceptions import ProfilingError
from modelpick.profiling._timers import Timer, perf_counter_timer

__all__ = ["CPU_PROBE_SIZES", "CUDA_PROBE_SIZES", "SANITY_MARGIN", "check_sanity", "count_forward_flops",
           "matmul_peak_gflops", "onnxruntime_matmul_peak_gflops"]

# A forward pass cannot beat a large square matmul; the margin absorbs clock jitter and the
# matmul sizes a model happens to run faster than the 1024x1024 probe.
SANITY_MARGIN = 1.25


def count_forward_flops(model: Any, inputs: Mapping[str, Any]) -> int:
    """FLOPs of ``model(**inputs)`` as ``FlopCounterMode`` counts them (a multiply-add is 2 FLOPs)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    # Counted outside inference mode (even when the caller is in it): FlopCounterMode's module tracker
    # registers autograd hooks, which fail in inference mode on some architectures (DeBERTa-v3's
    # relative-position embeddings). no_grad keeps it from building a graph.
    with torch.inference_mode(False), torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(**inputs)
    return int(counter.get_total_flops())


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
