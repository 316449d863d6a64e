"""The machine's drift, seen by a sentinel: a fixed piece of work timed before every timing round.

On shared machines the clock drifts: the same model's p50 moves by a third between two runs minutes
apart, on a quiet machine. A sentinel timed right before each round of a candidate's calls sees the speed
the machine had for that round. Each round's calls are scaled by ``reference / sentinel``: the figures
become what they would be at the machine's *reference* speed (the run's sentinel the first time it was
measured on this machine, kept in the measurement cache), so two runs, or two candidates measured
at different moments, compare at one speed. The factor is one per *run*: each candidate timed in turns
gives its median sentinel, and the run's sentinel is the mean of the faster half of those (see
:func:`run_sentinel_s` and :func:`correction_factor`). The interleaving of
candidates, not this factor, keeps their comparison fair within a run, and one shared factor leaves that
comparison exactly as measured.

Why not one factor per candidate: each candidate's sentinel runs in that candidate's own process, and
on this project's 2-core VM the same sentinel's median differed by up to 3x between the processes of one
run (1.4 to 4.1 ms; where its matrices landed in memory, how its threads woke up), while the models'
own timings moved by less than 10% between runs. Scaled by its own process's sentinel, DistilBERT read
24 ms in one run and 67 ms in the next (54.6 and 51.8 ms as measured). Pooled over the run, the processes'
quirks average out and what is left is the machine's speed. Each process counts once (pooled round by
round, whichever candidate took the most rounds set the factor), and only the faster half counts: a
process's quirk slows its sentinel, by up to 25% and for the whole run (in three sets of five runs of
six candidates, one to three processes per run read 1.40-1.56 ms while the rest read 1.15-1.31, and
their models were no slower). Over those 15 runs each candidate's p50, as measured, spread by 8-15% (mean
over candidates per set of runs); brought to the reference by the median of the candidates' sentinels,
by 4-13%; by the mean of the faster half, 4-6%.

The sentinel is the shape of the work a transformer does most: an fp32 matrix product the size of a
BERT-base feed-forward layer on 32 tokens (32x768 @ 768x3072, about 0.15 GFLOP). In a 150 s trial on
this project's 2-core VM, alternating sentinels with MiniLM and a 6-layer BERT at 24 and 96 tokens,
its slow drift correlated with the models' at 0.92-0.98 (15-round medians); a 256x256 product (in cache,
compute-bound) only at 0.33-0.54, and a memory-bound matrix-vector product at about 0.1.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from modelpick.profiling._timers import Timer, perf_counter_timer
from modelpick.results import DriftCorrection

__all__ = ["DRIFT_DEADBAND", "ROUND_DEADBAND", "SENTINEL_CALLS", "Sentinel", "bracketed_sentinels", "correction_factor",
           "numpy_sentinel", "round_corrections", "round_factors", "run_sentinel_s", "torch_sentinel"]

SENTINEL_SHAPE = (32, 768, 3072)
SENTINEL_CALLS = 5  # timed per round, after one untimed call; their median is the round's sentinel time
# Drift the sentinel cannot tell from its own noise: in three steady runs of 6 candidates on this project's
# 2-core VM the run's sentinel stayed within +-1.3% (1.178 to 1.207 ms) while the models' p50s moved by
# 1-6%. Over the 15 runs above, this band gave the lowest spread between two runs: 5.0% on average for the
# worst of six candidates (5.8% with no band, 9.6% as measured); a band of 10% leaves most real drift in.
DRIFT_DEADBAND = 0.03
# A round whose sentinel is further than this from its candidate's median sentinel is brought back to it (the
# excess only). On a disturbed machine the speed swings by +-25% within seconds. In 12 candidates' rounds on
# this project's 2-core VM on such a day, the speed of a round (its calls over their medians) followed the
# sentinel timed before it at a correlation of 0.35-0.94 (0.8 typically), and correcting the excess over 5%
# halved the noise of the small models' calls (MiniLM-L6 0.41 -> 0.12, median of 12 rows 0.31 -> 0.17).
# Within 5%, the sentinel's own noise would be added instead; on a steady machine its rounds stay within
# +-3%, so nothing changes there. The round's sentinel is the geometric mean of one timed before and one
# after it (see :func:`bracketed_sentinels`).
ROUND_DEADBAND = 0.05


@dataclass
class Sentinel:
    """A fixed piece of work and its name (the reference is kept per name and thread count)."""

    name: str
    call: Callable[[], Any]

    def time_s(self, timer: Timer = perf_counter_timer, calls: int = SENTINEL_CALLS) -> float:
        """Median of ``calls`` timed calls, in seconds, after one untimed call.

        The untimed call pays for waking the process's threads and refilling its caches after it waited
        for its turn: that cost belongs to the process, not to the machine's speed.
        """
        self.call()
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


def run_sentinel_s(sentinel_s: Sequence[float]) -> float:
    """The run's sentinel from one per candidate (each the median of its rounds): the mean of the faster half.

    Example:
        >>> run_sentinel_s([0.0012, 0.0015, 0.0011, 0.0012])  # the slow process's quirk does not count
        0.00115
        >>> run_sentinel_s([0.002])
        0.002
    """
    faster = sorted(sentinel_s)[: max(1, math.ceil(len(sentinel_s) / 2))]
    return math.fsum(faster) / len(faster)


def correction_factor(sentinel_s: Sequence[float], reference_s: float, *, deadband: float = DRIFT_DEADBAND) -> float:
    """The factor that brings a run's calls to the reference speed: ``reference / the run's sentinel``, less the
    part of that drift within ``deadband``.

    ``sentinel_s``: one sentinel per candidate timed in turns in the run (each the median of its rounds),
    brought to one by :func:`run_sentinel_s`. One factor for all of them: a sentinel timed once per round
    is itself noisy, and scaling each round (or each candidate) by its own would add that noise, and each
    process's quirks, to the calls. A run whose sentinel is within ``deadband`` of the reference (either
    way, as a ratio) is left as measured; beyond it, only the excess is corrected (a soft threshold, so
    the factor has no jump at the band's edge).

    Example:
        >>> correction_factor([0.001, 0.001, 0.003], 0.001)  # one process's quirk
        1.0
        >>> correction_factor([0.00102], 0.001)  # 2% slower: within the sentinel's own noise
        1.0
        >>> round(correction_factor([0.002, 0.002], 0.001), 6)  # twice as slow: corrected beyond the band
        0.515
        >>> correction_factor([0.002, 0.002], 0.001, deadband=0.0)
        0.5
    """
    run = run_sentinel_s(sentinel_s)
    if run <= 0 or reference_s <= 0:
        return 1.0
    return math.exp(-_beyond(math.log(run / reference_s), deadband))


def round_factors(sentinel_s: Sequence[float], *, deadband: float = ROUND_DEADBAND) -> tuple[float, ...]:
    """Per round, the factor that brings its calls to the speed of the candidate's median round: ``median /
    sentinel`` of that round, less the part within ``deadband`` (see :data:`ROUND_DEADBAND`).

    Relative to the candidate's own median, so a process's quirk (its sentinel slow in every round) cancels;
    the run's :func:`correction_factor` then brings all of them to the reference.

    Example:
        >>> [round(f, 3) for f in round_factors([0.001, 0.00102, 0.0013, 0.00098, 0.001])]
        [1.0, 1.0, 0.808, 1.0, 1.0]
    """
    if not sentinel_s:
        return ()
    median = statistics.median(sentinel_s)
    if not median > 0:
        return tuple(1.0 for _ in sentinel_s)
    return tuple(math.exp(-_beyond(math.log(s / median), deadband)) if s > 0 else 1.0 for s in sentinel_s)


def bracketed_sentinels(before_s: Sequence[float], after_s: Sequence[float]) -> tuple[float, ...]:
    """Per round, the sentinel for the machine's speed during it: the geometric mean of the sentinel timed
    before the round and the one timed after it; the one before alone where there is none after (rounds
    timed before measurement procedure 8).

    A sentinel before the round sees the speed at its start only, and a round of a large model lasts
    a second or more, longer than the machine's swings. In 4 runs of 6 candidates on 120 Debian
    descriptions on this project's 2-core VM, on a day it drifted under load, a round's speed (its calls
    over their medians) followed the sentinel before it at a correlation of 0.64, the one after at 0.67,
    and their geometric mean at 0.77 (medians over the 24 rows). Brought back by the sentinel before alone,
    the calls got noisier (the 10-90% range of calls over their medians, median of the rows, 0.27 as
    measured -> 0.30; DistilBERT's and ALBERT's up to 0.51 in earlier runs); by the geometric mean, 0.21.

    Example:
        >>> [round(s, 6) for s in bracketed_sentinels([0.001, 0.002], [0.004, 0.002])]
        [0.002, 0.002]
        >>> bracketed_sentinels([0.001, 0.002], [])
        (0.001, 0.002)
    """
    if len(after_s) != len(before_s):
        return tuple(before_s)
    return tuple(math.sqrt(b * a) if b > 0 and a > 0 else b for b, a in zip(before_s, after_s, strict=True))


def round_corrections(drift: DriftCorrection, rounds: int) -> tuple[float, ...]:
    """What each of ``rounds`` rounds' calls are multiplied by: the run's ``drift.correction``, times the round's
    own factor (:func:`round_factors` of its :func:`bracketed_sentinels`) when ``drift.round_deadband`` is set
    and there is one sentinel per round.

    Example:
        >>> import dataclasses
        >>> drift = DriftCorrection("s", 1.0, "", 1.0, 1.0, 1.0, 0.0, 0.0, round_sentinel_ms=(1.0, 1.0, 1.5),
        ...                         factor=0.5, round_deadband=0.05)
        >>> [round(f, 3) for f in round_corrections(drift, 3)]
        [0.5, 0.5, 0.35]
        >>> round_corrections(dataclasses.replace(drift, round_deadband=None), 3)  # before procedure 7
        (0.5, 0.5, 0.5)
    """
    if drift.round_deadband is None or len(drift.round_sentinel_ms) != rounds:
        return (drift.correction,) * rounds
    sentinels = bracketed_sentinels(drift.round_sentinel_ms, drift.round_sentinel_after_ms)
    return tuple(drift.correction * f for f in round_factors(sentinels, deadband=drift.round_deadband))


def _beyond(log_ratio: float, deadband: float) -> float:
    """The part of a log speed ratio outside +-``deadband`` (a soft threshold: no jump at the band's edge)."""
    return math.copysign(max(0.0, abs(log_ratio) - math.log1p(deadband)), log_ratio)
