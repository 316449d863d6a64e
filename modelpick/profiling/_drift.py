"""The machine's drift, seen by a sentinel: a fixed piece of work timed before every timing round.

On shared machines the clock drifts: the same model's p50 moves by a third between two runs minutes
apart, on a quiet machine. A sentinel timed right before each round of a candidate's calls sees the speed
the machine had for that round. Each round's calls are scaled by ``reference / sentinel``: the figures
become what they would be at the machine's *reference* speed (the sentinel's median the first time it
was measured on this machine, kept in the measurement cache), so two runs, or two candidates measured
at different moments, compare at one speed. The factor is one per measurement (see
:func:`correction_factor`): the interleaving of candidates, not this factor, keeps their comparison fair
within a run.

The sentinel is the shape of the work a transformer does most: an fp32 matrix product the size of a
BERT-base feed-forward layer on 32 tokens (32x768 @ 768x3072, about 0.15 GFLOP). In a 150 s trial on
this project's 2-core VM, alternating sentinels with MiniLM and a 6-layer BERT at 24 and 96 tokens,
its slow drift correlated with the models' at 0.92-0.98 (15-round medians); a 256x256 product (in cache,
compute-bound) only at 0.33-0.54, and a memory-bound matrix-vector product at about 0.1.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from modelpick.profiling._timers import Timer, perf_counter_timer

__all__ = ["SENTINEL_CALLS", "Sentinel", "correction_factor", "numpy_sentinel", "torch_sentinel"]

SENTINEL_SHAPE = (32, 768, 3072)
SENTINEL_CALLS = 3  # per round; their median is the round's sentinel time


@dataclass
class Sentinel:
    """A fixed piece of work and its name (the reference is kept per name and thread count)."""

    name: str
    call: Callable[[], Any]

    def time_s(self, timer: Timer = perf_counter_timer, calls: int = SENTINEL_CALLS) -> float:
        """Median of ``calls`` timed calls, in seconds."""
        return statistics.median(timer(self.call) for _ in range(calls))


def torch_sentinel(device: str = "cpu") -> Sentinel:
    """The sentinel for torch models, on ``device``, at torch's current thread count."""
    import torch

    m, k, n = SENTINEL_SHAPE
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(m, k, generator=generator).to(device)
    b = torch.randn(k, n, generator=generator).to(device)

    def call() -> Any:
        return torch.mm(a, b)

    call()  # the first call allocates and picks a kernel
    kind = "cuda" if str(device).startswith("cuda") else "cpu"
    return Sentinel(f"torch fp32 matmul {m}x{k}@{k}x{n} ({kind})", call)


def numpy_sentinel() -> Sentinel:
    """The sentinel for models that run on numpy's BLAS (the scikit-learn baselines)."""
    import numpy as np

    m, k, n = SENTINEL_SHAPE
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)

    def call() -> Any:
        return a @ b

    call()
    return Sentinel(f"numpy fp32 matmul {m}x{k}@{k}x{n}", call)


def correction_factor(sentinel_s: Sequence[float], reference_s: float) -> float:
    """The factor that brings a measurement's calls to the reference speed: ``reference / median sentinel``.

    One factor for all of a measurement's rounds: a sentinel timed once per round is itself noisy (three
    calls of about a millisecond), and scaling each round by it would add that noise to every call. The
    median over the rounds follows the machine's speed over the measurement; candidates measured in turns
    share that stretch of time, so their factors agree and the comparison between them is the calls'.

    Example:
        >>> correction_factor([0.001, 0.00125, 0.0009], 0.001)
        1.0
        >>> correction_factor([0.002, 0.002], 0.001)
        0.5
    """
    ordered = sorted(sentinel_s)
    median = (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2
    return reference_s / median if median > 0 else 1.0
