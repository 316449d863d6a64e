"""How a deployment variant's accuracy differs from its eager row's, on the same held-out examples."""

from __future__ import annotations

from modelpick.estimation._intervals import paired_accuracy_delta
from modelpick.results import AccuracyDelta, QualityEstimate

__all__ = ["accuracy_delta"]


def accuracy_delta(
    estimate: QualityEstimate | None,
    reference: QualityEstimate | None,
    *,
    versus: str,
    n_resamples: int = 1000,
    random_state: int = 0,
) -> AccuracyDelta | None:
    """``estimate``'s accuracy minus ``reference``'s with a 95% paired bootstrap interval over the held-out
    examples both were scored on (:func:`~modelpick.estimation._intervals.paired_accuracy_delta`).

    ``None`` when either has no per-example correctness (published or unknown accuracy, a report written
    before it was kept) or they were scored on different numbers of examples: there is nothing to pair.

    Example:
        >>> from modelpick.results import QualityEstimate
        >>> eager = QualityEstimate("m", "linear-probe", "measured", 1.0, test_correct=(True,) * 4)
        >>> int8 = QualityEstimate("m [int8]", "linear-probe", "measured", 0.75,
        ...                        test_correct=(True, True, False, True))
        >>> delta = accuracy_delta(int8, eager, versus="m")
        >>> delta.delta, delta.n, delta.low <= delta.delta <= delta.high
        (-0.25, 4, True)
    """
    if estimate is None or reference is None:
        return None
    mine, theirs = estimate.test_correct, reference.test_correct
    if not mine or len(mine) != len(theirs):
        return None
    delta, low, high = paired_accuracy_delta(mine, theirs, n_resamples=n_resamples, random_state=random_state)
    return AccuracyDelta(versus=versus, delta=delta, low=low, high=high, n=len(mine))
