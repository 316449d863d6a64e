"""Pareto front over accuracy (max), latency (min) and memory (min)."""

from __future__ import annotations

from collections.abc import Sequence

from modelpick.results import CandidateResult

__all__ = ["pareto_mask", "pareto_front"]


def pareto_mask(points: Sequence[Sequence[float]]) -> list[bool]:
    """Which points no other point dominates; every objective is minimised.

    A point dominates another when it is no worse in every objective and better in at least one.
    Equal points do not dominate each other, so duplicates all stay on the front.

    Example:
        >>> pareto_mask([(1, 1), (2, 0), (2, 2), (1, 1)])
        [True, True, False, True]
    """
    mask = []
    for i, p in enumerate(points):
        dominated = any(
            all(q_k <= p_k for q_k, p_k in zip(q, p, strict=True))
            and any(q_k < p_k for q_k, p_k in zip(q, p, strict=True))
            for j, q in enumerate(points)
            if j != i
        )
        mask.append(not dominated)
    return mask


def pareto_front(results: Sequence[CandidateResult], *, latency_percentile: str = "p90") -> tuple[str, ...]:
    """Names of the measured candidates on the accuracy/latency/memory front.

    Only candidates with a profile and a known accuracy take part: an unknown accuracy can neither
    dominate nor be dominated honestly. A missing memory figure counts as unknown too.
    """
    names, points = [], []
    for r in results:
        profile, accuracy = r.profile, r.accuracy
        if r.status != "ok" or profile is None or accuracy is None or profile.memory_mb is None:
            continue
        names.append(r.name)
        points.append((-accuracy, profile.latency.percentile_ms(latency_percentile), profile.memory_mb))
    return tuple(name for name, keep in zip(names, pareto_mask(points), strict=True) if keep)
