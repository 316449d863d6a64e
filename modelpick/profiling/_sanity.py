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
           "matmul_peak_gflops"]

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
