"""Latency as a function of sequence length: the grid it is measured at, and re-weighting it to any data.

A transformer's forward pass costs what its input's length costs, whatever the token ids. So latency is
measured at a few lengths (a *grid*) and read at any sample's lengths by interpolation: the same
measurement serves the data it was taken on, a saved profile read elsewhere, and the measurement cache.

The grid is a ladder of powers of two bracketing the sample's lengths (capped at what the model takes).
*Held-out* lengths, geometric midpoints between grid points, are measured too but never interpolated
from: they show how wrong the interpolation is where no grid point was measured.

Reading a curve at a sample's lengths mixes distributions, not just medians: at each grid point the
timed calls are sorted, and a text of length L between grid points a and b gets the quantiles
interpolated between a's and b's. Pooled over the sample's texts, those give the percentiles a
constraint reads, so a p90 holds both the spread of lengths and the spread of repeated calls.

A deployment that serves ``B`` texts per call pads each batch to its longest text, so its latency is the
curve read at *batch widths*: the lengths of the longest of ``B`` texts drawn from the sample
(:func:`batch_widths`).

Pure Python, like ``_stats``: the parent process reads curves without importing numpy or torch.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LENGTH_LADDER",
    "MixtureStats",
    "batch_widths",
    "held_out_lengths",
    "interpolate",
    "length_grid",
    "mixture_stats",
    "p50_interval",
    "ratio_interval",
    "weighted_percentile",
]

# Powers of two: a grid reused by every sample whose lengths fall in the same brackets (the cache's key).
LENGTH_LADDER = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
_MAX_HELD_OUT = 3


def length_grid(lengths: Sequence[int], *, max_length: int) -> tuple[int, ...]:
    """The ladder lengths that bracket ``lengths`` (which are already truncated to ``max_length``).

    The lowest point is the ladder's largest length at or below the shortest text, the highest the
    smallest at or above the longest (``max_length`` where the ladder goes past it). At least two points.

    Example:
        >>> length_grid([9, 20, 95], max_length=512)
        (8, 16, 32, 64, 128)
        >>> length_grid([300, 700], max_length=512)
        (256, 512)
        >>> length_grid([16, 16], max_length=512)
        (16, 32)
    """
    if not lengths:
        raise ValueError("a length grid needs at least one length")
    cap = max(2, int(max_length))
    shortest, longest = min(min(lengths), cap), min(max(lengths), cap)
    low = max((n for n in LENGTH_LADDER if n <= shortest), default=min(LENGTH_LADDER[0], cap))
    high = min((n for n in LENGTH_LADDER if n >= longest and n <= cap), default=cap)
    grid = sorted({n for n in LENGTH_LADDER if low <= n <= high} | {low, high})
    if len(grid) < 2:
        above = [n for n in LENGTH_LADDER if n > grid[0] and n <= cap]
        grid.append(above[0] if above else cap)
        if len(set(grid)) < 2:  # a model that takes only a few tokens: measure the one shape twice over
            grid = [max(1, grid[0] // 2), grid[0]]
    return tuple(grid)


def held_out_lengths(grid: Sequence[int]) -> tuple[int, ...]:
    """Up to three geometric midpoints between grid points, spread over the grid, for the error check.

    Example:
        >>> held_out_lengths((8, 16, 32, 64, 128))
        (11, 45, 91)
        >>> held_out_lengths((16, 32))
        (23,)
    """
    gaps = [(a, b) for a, b in zip(grid, grid[1:], strict=False) if b - a >= 2]
    if not gaps:
        return ()
    k = min(_MAX_HELD_OUT, len(gaps))
    picked = sorted({round(i * (len(gaps) - 1) / (k - 1)) if k > 1 else len(gaps) // 2 for i in range(k)})
    return tuple(round(math.sqrt(gaps[i][0] * gaps[i][1])) for i in picked)


_WIDTH_LEVELS = 1024


def batch_widths(lengths: Sequence[int], batch_size: int) -> tuple[int, ...]:
    """The padded widths of batches of ``batch_size`` texts drawn at random from texts of ``lengths``.

    A batch is padded to its longest text, so it costs what that length costs. The longest of ``B``
    independent draws is at most ``x`` with probability ``F(x) ** B`` (``F``: the lengths' distribution);
    the widths are that distribution's quantiles at evenly spaced levels, as many as ``lengths`` (at least
    1024, so a small sample's widths keep their proportions). ``batch_size`` 1 gives ``lengths`` back.

    Example:
        >>> batch_widths([10, 20], 1)
        (10, 20)
        >>> widths = batch_widths([10, 10, 10, 100], 4)
        >>> round(widths.count(10) / len(widths), 2), round(0.75 ** 4, 2)
        (0.32, 0.32)
    """
    if batch_size == 1:
        return tuple(lengths)
    if not lengths:
        return ()
    ordered = sorted(int(n) for n in lengths)
    n = len(ordered)
    levels = max(n, _WIDTH_LEVELS)
    # The width at level v is the length at level v ** (1 / B) of the texts' own distribution.
    return tuple(ordered[min(n - 1, int(((j + 0.5) / levels) ** (1.0 / batch_size) * n))] for j in range(levels))


def interpolate(points: Sequence[tuple[int, float]], length: float) -> float:
    """Linear interpolation in length between measured ``(length, value)`` points.

    Below the shortest point the shortest's value holds (a shorter input is not slower); above the
    longest, the last segment is extended, never below the last value.

    Example:
        >>> interpolate([(8, 1.0), (16, 2.0), (32, 6.0)], 24)
        4.0
        >>> interpolate([(8, 1.0), (16, 2.0)], 4)
        1.0
        >>> interpolate([(8, 1.0), (16, 2.0)], 32)
        4.0
    """
    ordered = sorted(points)
    xs = [x for x, _ in ordered]
    if length <= xs[0]:
        return ordered[0][1]
    if len(ordered) == 1:
        return ordered[0][1]
    i = bisect.bisect_left(xs, length)
    if i >= len(xs):
        (x0, y0), (x1, y1) = ordered[-2], ordered[-1]
        return max(y1, y1 + (y1 - y0) * (length - x1) / (x1 - x0))
    (x0, y0), (x1, y1) = ordered[i - 1], ordered[i]
    return y0 + (y1 - y0) * (length - x0) / (x1 - x0)


def weighted_percentile(values: Sequence[float], weights: Sequence[int], q: float) -> float:
    """The ``q``-th percentile of ``values`` each repeated ``weights`` times (as ``percentile`` would give).

    Example:
        >>> weighted_percentile([1.0, 2.0], [3, 1], 50)
        1.0
        >>> from modelpick._numeric import percentile
        >>> percentile([1.0, 1.0, 1.0, 2.0], 90) == weighted_percentile([2.0, 1.0], [1, 3], 90)
        True
    """
    pairs = sorted((v, w) for v, w in zip(values, weights, strict=True) if w > 0)
    total = sum(w for _, w in pairs)
    if total == 0:
        raise ValueError("percentile of no values")
    position = (total - 1) * q / 100.0
    low = math.floor(position)

    def at(rank: int) -> float:
        seen = 0
        for value, weight in pairs:
            seen += weight
            if rank < seen:
                return value
        return pairs[-1][0]

    low_value = at(low)
    high_value = at(min(low + 1, total - 1))
    return low_value + (high_value - low_value) * (position - low)


@dataclass(frozen=True)
class MixtureStats:
    """Percentiles (ms) of single calls over a set of texts' lengths, read from a curve."""

    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    stdev_ms: float


def _levels(timings_ms: Mapping[int, Sequence[float]]) -> int:
    return min(len(v) for v in timings_ms.values())


def _quantile_rows(timings_ms: Mapping[int, Sequence[float]]) -> tuple[Any, Any]:
    """The grid lengths, ascending, and per length its timings at ``K`` evenly spaced quantile levels (K = fewest
    calls at a length): a ``(lengths, K)`` array."""
    import numpy as np

    k = _levels(timings_ms)
    levels = [100.0 * (j + 0.5) / k for j in range(k)]
    grid = sorted(timings_ms)
    # numpy's default percentile is modelpick._numeric.percentile's definition (linear between order statistics).
    if len({len(timings_ms[x]) for x in grid}) == 1:  # as many calls at every length: one call for all of them
        return np.array(grid, dtype=float), np.percentile(np.array([timings_ms[x] for x in grid], dtype=float),
                                                          levels, axis=1).T
    return np.array(grid, dtype=float), np.array([np.percentile(np.asarray(timings_ms[x], dtype=float), levels)
                                                  for x in grid])


def _interpolated(xs: Any, quantiles: Any, lengths: Any) -> Any:
    """:func:`interpolate` of every quantile level at every length at once: ``quantiles`` is ``(..., grid, K)``
    (any leading axes: bootstrap resamples), the result ``(..., len(lengths), K)``."""
    import numpy as np

    if len(xs) == 1:
        return np.repeat(quantiles[..., :1, :], len(lengths), axis=-2)
    i = np.clip(np.searchsorted(xs, lengths, side="left"), 1, len(xs) - 1)
    x0, x1 = xs[i - 1][:, None], xs[i][:, None]
    y0, y1 = quantiles[..., i - 1, :], quantiles[..., i, :]
    at = lengths[:, None]
    values = y0 + (y1 - y0) * (at - x0) / (x1 - x0)
    beyond = lengths > xs[-1]
    values[..., beyond, :] = np.maximum(y1[..., beyond, :], values[..., beyond, :])  # never below its end
    values[..., lengths <= xs[0], :] = quantiles[..., :1, :]  # a shorter input is not slower
    return values


def _weighted_percentiles(values: Any, weights: Any, qs: Sequence[float]) -> Any:
    """:func:`weighted_percentile` at each of ``qs`` of each row of ``values`` (a 2-D numpy array: one row per
    bootstrap resample, or a single row), all rows sharing ``weights``: a ``(rows, len(qs))`` array."""
    import numpy as np

    order = np.argsort(values, axis=1, kind="stable")
    ordered, seen = np.take_along_axis(values, order, axis=1), np.cumsum(weights[order], axis=1)
    total = int(weights.sum())
    rows = np.arange(len(values))
    found = []
    for q in qs:
        position = (total - 1) * q / 100.0
        low = math.floor(position)
        # searchsorted(seen, v, side="right") per row: how many cumulative weights are <= v.
        low_value = ordered[rows, (seen <= low).sum(axis=1)]
        high_value = ordered[rows, (seen <= min(low + 1, total - 1)).sum(axis=1)]
        found.append(low_value + (high_value - low_value) * (position - low))
    return np.stack(found, axis=1)


def mixture_stats(timings_ms: Mapping[int, Sequence[float]], lengths: Sequence[int]) -> MixtureStats:
    """Single-call percentiles over ``lengths`` (one per text), from timed calls at grid lengths.

    ``timings_ms[L]`` are the calls timed at length ``L``. Each text's length gets the quantiles
    interpolated between the grid points around it (see the module docstring); the pooled values of all
    texts give the percentiles. Computed with numpy: a warm run reads 30 curves of up to 120 rounds, and
    their bootstrap intervals call this 200 times each (in pure Python that took a minute).

    Example:
        >>> curve = {8: [1.0, 1.0, 1.2], 16: [2.0, 2.0, 2.4]}
        >>> s = mixture_stats(curve, [8, 8, 12, 16])
        >>> (round(s.p50_ms, 3), round(s.p90_ms, 3))
        (1.317, 2.0)
    """
    import numpy as np

    if not timings_ms or not lengths:
        raise ValueError("a mixture needs timings and lengths")
    xs, quantiles = _quantile_rows(timings_ms)
    counts = Counter(int(n) for n in lengths)
    at = np.array(list(counts), dtype=float)
    values = _interpolated(xs, quantiles, at).ravel()
    weights = np.repeat(np.array(list(counts.values()), dtype=np.int64), quantiles.shape[1])
    total = int(weights.sum())
    mean = float(np.dot(values, weights) / total)
    variance = float(np.dot(weights, (values - mean) ** 2) / max(total - 1, 1))
    p50, p90, p95, p99 = (float(v) for v in _weighted_percentiles(values[None, :], weights, (50, 90, 95, 99))[0])
    return MixtureStats(p50_ms=p50, p90_ms=p90, p95_ms=p95, p99_ms=p99, mean_ms=mean, stdev_ms=math.sqrt(variance))


def _resampled_p50s(
    rounds_ms: Mapping[int, Sequence[float]], lengths: Sequence[int], *, resamples: int, seed: int
) -> list[float]:
    """p50 over ``lengths`` recomputed on rounds drawn with replacement (one call per length per round).

    Each resample is :func:`mixture_stats`'s p50 of the drawn rounds, computed for all resamples at once: a
    warm read of the default catalog bootstraps 30 curves and 29 ratios, 200 resamples each, and one
    resample at a time that took seconds of the 3 s a warm run is allowed.
    """
    import numpy as np

    k = _levels(rounds_ms)
    rng = random.Random(seed)
    # Whole rounds: a round's calls ran under one load.
    picks = np.array([[rng.randrange(k) for _ in range(k)] for _ in range(resamples)], dtype=np.int64)
    grid = sorted(rounds_ms)
    calls = np.array([list(rounds_ms[x])[:k] for x in grid], dtype=float)  # (grid, k), calls in round order
    levels = [100.0 * (j + 0.5) / k for j in range(k)]
    quantiles = np.percentile(calls[:, picks], levels, axis=2).transpose(2, 1, 0)  # (resamples, grid, K)
    counts = Counter(int(n) for n in lengths)
    values = _interpolated(np.array(grid, dtype=float), quantiles, np.array(list(counts), dtype=float))
    values = values.reshape(resamples, -1)
    weights = np.repeat(np.array(list(counts.values()), dtype=np.int64), k)
    return [float(v) for v in _weighted_percentiles(values, weights, (50,))[:, 0]]


def p50_interval(
    rounds_ms: Mapping[int, Sequence[float]], lengths: Sequence[int], *, resamples: int = 200, seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """A bootstrap interval of the p50 over ``lengths``, resampling whole timing rounds.

    ``rounds_ms[L][r]`` is the call at length ``L`` in round ``r`` (calls in call order, not sorted).

    Example:
        >>> low, high = p50_interval({8: [1.0, 1.1, 0.9, 1.0], 16: [2.0, 2.1, 1.9, 2.0]}, [8, 16])
        >>> 1.3 < low <= high < 1.7
        True
    """
    p50s = sorted(_resampled_p50s(rounds_ms, lengths, resamples=resamples, seed=seed))
    tail = 100.0 * (1.0 - confidence) / 2.0
    from modelpick._numeric import percentile

    return percentile(p50s, tail), percentile(p50s, 100.0 - tail)


def ratio_interval(
    slower: tuple[Mapping[int, Sequence[float]], Sequence[int]],
    faster: tuple[Mapping[int, Sequence[float]], Sequence[int]],
    *, resamples: int = 200, seed: int = 0, confidence: float = 0.95,
) -> tuple[float, float, float]:
    """How many times slower one candidate's p50 is than another's: ``(ratio, low, high)``.

    Each side is ``(rounds_ms, lengths)`` as :func:`p50_interval` takes them; both are resampled
    independently and the interval is the bootstrap's percentile interval of the ratio.

    Example:
        >>> a = ({8: [2.0, 2.1, 1.9, 2.0]}, [8])
        >>> b = ({8: [1.0, 1.05, 0.95, 1.0]}, [8])
        >>> ratio, low, high = ratio_interval(a, b)
        >>> (ratio, low <= ratio <= high)
        (2.0, True)
    """
    from modelpick._numeric import percentile

    ratio = mixture_stats(*slower).p50_ms / mixture_stats(*faster).p50_ms
    top = _resampled_p50s(*slower, resamples=resamples, seed=seed)
    bottom = _resampled_p50s(*faster, resamples=resamples, seed=seed + 1)
    ratios = sorted(t / b for t, b in zip(top, bottom, strict=True))
    tail = 100.0 * (1.0 - confidence) / 2.0
    return ratio, percentile(ratios, tail), percentile(ratios, 100.0 - tail)
