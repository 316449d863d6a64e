"""Pure numerical helpers for measured quality estimates: bootstrap intervals and the CV fold count.

Only numpy is used here, so these functions are cheap to test and have no hidden state: the same inputs
and seed always give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modelpick._imports import require
from modelpick.exceptions import EstimationError

__all__ = ["bootstrap_accuracy_interval", "choose_cv_folds", "paired_accuracy_delta", "wilson_interval"]

# Resampling indices are drawn in blocks so memory stays bounded for large test sets
# (a block holds at most this many indices).
_MAX_BLOCK_ELEMENTS = 2_000_000


def bootstrap_accuracy_interval(
    correct: Sequence[bool] | Any,
    *,
    n_resamples: int = 1000,
    random_state: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of accuracy from a per-example correctness vector.

    Test examples are resampled with replacement ``n_resamples`` times; the interval is the
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` percentiles of the resampled accuracies.

    Args:
        correct: One boolean per test example: was the prediction right.
        n_resamples: Number of bootstrap resamples.
        random_state: Seed of the resampling; the same seed gives the same interval.
        confidence: Coverage of the interval, in (0, 1).

    Returns:
        ``(low, high)`` as fractions in 0..1.

    Raises:
        EstimationError: ``correct`` is empty, or a parameter is out of range.

    Example:
        >>> bootstrap_accuracy_interval([True] * 10)
        (1.0, 1.0)
        >>> low, high = bootstrap_accuracy_interval([True, False] * 20, random_state=0)
        >>> low < 0.5 < high
        True
    """
    np = require("numpy", purpose="compute bootstrap intervals")
    values = np.asarray(correct, dtype=bool).ravel()
    n = values.size
    if n == 0:
        raise EstimationError(
            "Cannot compute an accuracy interval from an empty test set; hold out at least one example."
        )
    return _percentile_bootstrap(np, values, n_resamples, random_state, confidence)


def paired_accuracy_delta(
    correct: Sequence[bool] | Any,
    reference_correct: Sequence[bool] | Any,
    *,
    n_resamples: int = 1000,
    random_state: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """Accuracy of ``correct`` minus that of ``reference_correct``, with a paired percentile bootstrap interval.

    Both vectors score the same test examples in the same order (two forms of one model on one held-out
    split), so examples are resampled *together*: each resample draws example indices with replacement
    and takes the mean of ``correct[i] - reference_correct[i]`` over them. The examples both get right (or
    both wrong) cancel, so the interval reflects only where the two disagree: much narrower than one
    built from two independent intervals.

    Returns:
        ``(delta, low, high)`` as fractions in -1..1: ``delta`` is the difference on the examples as they
        are; ``low``/``high`` the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` percentiles.

    Raises:
        EstimationError: the vectors are empty or of different lengths, or a parameter is out of range.

    Example:
        >>> paired_accuracy_delta([True, True, False, True], [True, True, True, True], random_state=0)[0]
        -0.25
        >>> paired_accuracy_delta([True, False] * 5, [True, False] * 5)
        (0.0, 0.0, 0.0)
    """
    np = require("numpy", purpose="compute bootstrap intervals")
    values = np.asarray(correct, dtype=bool).ravel()
    reference = np.asarray(reference_correct, dtype=bool).ravel()
    if values.size == 0 or values.size != reference.size:
        raise EstimationError(
            "A paired accuracy difference needs two correctness vectors over the same held-out examples; got "
            f"{values.size} and {reference.size} examples."
        )
    differences = values.astype(float) - reference.astype(float)
    # The resampled mean of the differences is the resampled accuracy difference, so the one bootstrap serves.
    low, high = _percentile_bootstrap(np, differences, n_resamples, random_state, confidence)
    return float(differences.mean()), low, high


def _percentile_bootstrap(np: Any, values: Any, n_resamples: int, random_state: int,
                          confidence: float) -> tuple[float, float]:
    """Percentile interval of the mean of ``values`` (a float vector) over ``n_resamples`` resamples."""
    if n_resamples < 1:
        raise EstimationError(f"The number of bootstrap resamples must be >= 1. Got {n_resamples!r} instead.")
    if not 0 < confidence < 1:
        raise EstimationError(f"The interval confidence must be in (0, 1). Got {confidence!r} instead.")
    n = values.size
    rng = np.random.default_rng(random_state)
    block = max(1, min(n_resamples, _MAX_BLOCK_ELEMENTS // n))
    means = np.empty(n_resamples, dtype=float)
    for start in range(0, n_resamples, block):
        stop = min(start + block, n_resamples)
        indices = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = values[indices].mean(axis=1)
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return float(low), float(high)


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``successes / n``.

    Used where the bootstrap cannot speak: when every test prediction is right (or every one wrong),
    each resample has the same accuracy and the percentile interval collapses to a point, which would
    claim certainty that 18 test examples cannot give.

    Example:
        >>> low, high = wilson_interval(18, 18)
        >>> round(low, 3), high
        (0.824, 1.0)
    """
    if n < 1:
        raise EstimationError(
            "Cannot compute an accuracy interval from an empty test set; hold out at least one example."
        )
    if not 0 <= successes <= n:
        raise EstimationError(f"successes must be between 0 and n={n}. Got {successes!r} instead.")
    if not 0 < confidence < 1:
        raise EstimationError(f"The interval confidence must be in (0, 1). Got {confidence!r} instead.")
    from statistics import NormalDist

    z = NormalDist().inv_cdf((1.0 + confidence) / 2.0)
    p = successes / n
    denominator = 1.0 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / denominator
    # Clamp float noise so a perfect score keeps its upper bound at exactly 1.
    return max(0.0, center - half) if successes else 0.0, min(1.0, center + half) if successes < n else 1.0


def choose_cv_folds(labels: Sequence[Any], *, max_folds: int = 5) -> int | None:
    """The number of stratified folds for cross-validation on ``labels``.

    ``min(max_folds, smallest class count)``, so every class appears in every fold. ``None`` when that
    is below 2: a class with a single training example cannot be stratified, and cross-validating
    with classes missing from folds would report a number that means something else.

    Example:
        >>> choose_cv_folds(["a"] * 10 + ["b"] * 3)
        3
        >>> choose_cv_folds(["a"] * 10 + ["b"] * 30)
        5
        >>> choose_cv_folds(["a"] * 10 + ["b"]) is None
        True
    """
    if max_folds < 2:
        raise EstimationError(f"Cross-validation needs at least 2 folds. Got max_folds={max_folds!r} instead.")
    np = require("numpy", purpose="count classes for cross-validation")
    if len(labels) == 0:
        return None
    _, counts = np.unique(np.asarray(labels, dtype=object).astype(str), return_counts=True)
    if counts.size < 2:
        return None
    folds = min(int(max_folds), int(counts.min()))
    return folds if folds >= 2 else None
