"""Repeated timings -> :class:`~modelpick.results.LatencyStats`, and the adaptive loop that collects them.

Pure Python (no numpy, no torch): the loop calls whatever it is given, so every profiler and the
fidelity benchmark share it.

Vocabulary: an *input* is one distinct thing to call on (one text's token ids, one batch); a *round*
calls every input once. The *noise* of a set of timings is the median, over inputs, of the
interquartile range divided by the median of that input's repeats: each input is compared with itself
only, so inputs of very different lengths do not count as noise.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from modelpick._numeric import percentile
from modelpick.exceptions import InvalidParameterError
from modelpick.profiling._timers import Timer, perf_counter_timer
from modelpick.results import LatencyStats

__all__ = ["Measurement", "measure", "noise_of", "relative_iqr", "summarize_timings"]


def relative_iqr(values: Sequence[float]) -> float:
    """IQR/median of one input's repeats; ``inf`` with fewer than two repeats (no spread yet).

    Example:
        >>> relative_iqr([1.0, 1.0, 1.0])
        0.0
        >>> relative_iqr([1.0, 2.0, 3.0])
        0.5
    """
    if len(values) < 2:
        return math.inf
    median = percentile(values, 50)
    spread = percentile(values, 75) - percentile(values, 25)
    if median <= 0:
        # Only a clock coarser than the call gives a zero median; with any spread that is as
        # uncertain as a measurement gets, so call it 100%.
        return 0.0 if spread == 0 else 1.0
    return spread / median


def noise_of(per_input: Sequence[Sequence[float]]) -> float:
    """Median over inputs of each input's :func:`relative_iqr`.

    Example:
        >>> noise_of([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0], [1.0, 1.0, 1.5]])
        0.25
    """
    if not per_input:
        return math.inf
    return statistics.median(relative_iqr(values) for values in per_input)


def summarize_timings(per_input_s: Sequence[Sequence[float]], *, noise_threshold: float) -> LatencyStats:
    """Percentiles, mean and stdev (in ms) over every timed call of every input.

    ``noisy`` is true when the noise is not below ``noise_threshold``: the loop that collected the
    timings ran out of time before they settled.

    Example:
        >>> s = summarize_timings([[0.010, 0.010, 0.011], [0.020, 0.020, 0.020]], noise_threshold=0.05)
        >>> (s.n, round(s.p50_ms, 3), s.noisy)
        (6, 15.5, False)
    """
    flat_ms = [t * 1000.0 for values in per_input_s for t in values]
    if not flat_ms:
        raise ValueError("no timings to summarize")
    noise = noise_of(per_input_s)
    return LatencyStats(
        n=len(flat_ms),
        p50_ms=percentile(flat_ms, 50),
        p90_ms=percentile(flat_ms, 90),
        p95_ms=percentile(flat_ms, 95),
        p99_ms=percentile(flat_ms, 99),
        mean_ms=statistics.fmean(flat_ms),
        stdev_ms=statistics.stdev(flat_ms) if len(flat_ms) > 1 else 0.0,
        noisy=not noise < noise_threshold,
        # JSON has no infinity; a noise that never became measurable is reported as 100%.
        noise=noise if math.isfinite(noise) else 1.0,
    )


@dataclass(frozen=True)
class Measurement:
    """What :func:`measure` collected: every timed repeat of every input, and their summary."""

    per_input_s: tuple[tuple[float, ...], ...]  # timed repeats of input i, in seconds, in call order
    rounds: int
    warmup_calls: int  # calls made before timing started, never counted
    elapsed_s: float  # wall time of the timed rounds, including the loop's own overhead
    stopped_by: Literal["stable", "time cap"]
    stats: LatencyStats

    def median_s(self, indices: Sequence[int]) -> float:
        """Median time of the pooled repeats of the inputs at ``indices``."""
        return statistics.median(t for i in indices for t in self.per_input_s[i])

    @property
    def total_s(self) -> float:
        """Sum of every timed call."""
        return math.fsum(t for values in self.per_input_s for t in values)

    @property
    def calls(self) -> int:
        return sum(len(values) for values in self.per_input_s)


def measure(
    call_for_input: Callable[[int], Any],
    n_inputs: int,
    *,
    min_rounds: int = 3,
    noise_threshold: float = 0.05,
    max_time_s: float = 4.0,
    warmup: int = 1,
    timer: Timer = perf_counter_timer,
) -> Measurement:
    """Time ``call_for_input(i)`` for every input, round after round, until the timings settle.

    First ``warmup`` rounds run untimed (first calls pay for lazy initialisation, allocator growth and
    kernel selection per shape). Then timed rounds run until, after at least ``min_rounds``, the
    noise (:func:`noise_of`) is below ``noise_threshold`` ("stable"), or the next round would end after
    ``max_time_s`` of timed rounds ("time cap"; the stats are then flagged ``noisy``). ``min_rounds``
    always complete, whatever the cap, so every input has the same number of repeats and no input
    weighs more in the percentiles than another. Python's garbage collector is paused during the timed
    rounds, as ``timeit`` does, so a collection is not billed to whichever call triggered it.

    Args:
        call_for_input: Performs the call for input ``i`` (0 <= i < n_inputs), synchronously.
        n_inputs: Number of distinct inputs.
        min_rounds: Rounds before the noise test may stop the loop (>= 2).
        noise_threshold: Stop once the noise is below this.
        max_time_s: Time cap of the timed rounds, in seconds.
        warmup: Untimed rounds before timing.
        timer: Times one call (``perf_counter_timer``, or a ``CudaEventTimer`` on a GPU).

    Example:
        >>> m = measure(lambda i: sum(range(100 * (i + 1))), 3, min_rounds=3, max_time_s=0.2)
        >>> m.stats.n >= 3 * 3 and m.rounds >= 3
        True
        >>> m.stats.p50_ms <= m.stats.p90_ms <= m.stats.p99_ms
        True
    """
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or n_inputs < 1:
        raise InvalidParameterError(
            f"The 'n_inputs' parameter of measure must be an integer >= 1. Got {n_inputs!r} instead."
        )
    if isinstance(min_rounds, bool) or not isinstance(min_rounds, int) or min_rounds < 2:
        raise InvalidParameterError(
            f"The 'min_rounds' parameter of measure must be an integer >= 2 (a spread needs two repeats). "
            f"Got {min_rounds!r} instead."
        )
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise InvalidParameterError(
            f"The 'warmup' parameter of measure must be an integer >= 0. Got {warmup!r} instead."
        )
    for _ in range(warmup):
        for i in range(n_inputs):
            call_for_input(i)

    timings: list[list[float]] = [[] for _ in range(n_inputs)]
    rounds = 0
    gc_was_enabled = gc.isenabled()
    gc.disable()
    start = time.perf_counter()
    try:
        while True:
            round_start = time.perf_counter()
            for i in range(n_inputs):
                timings[i].append(timer(lambda: call_for_input(i)))  # noqa: B023 - called at once
            rounds += 1
            now = time.perf_counter()
            if rounds < min_rounds:
                continue
            if noise_of(timings) < noise_threshold:
                stopped_by: Literal["stable", "time cap"] = "stable"
                break
            if (now - start) + (now - round_start) > max_time_s:
                stopped_by = "time cap"
                break
    finally:
        elapsed = time.perf_counter() - start
        if gc_was_enabled:
            gc.enable()
    per_input = tuple(tuple(values) for values in timings)
    return Measurement(
        per_input_s=per_input,
        rounds=rounds,
        warmup_calls=warmup * n_inputs,
        elapsed_s=elapsed,
        stopped_by=stopped_by,
        stats=summarize_timings(per_input, noise_threshold=noise_threshold),
    )
