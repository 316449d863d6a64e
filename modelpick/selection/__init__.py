"""Decision: pure functions from measured candidates to a ranked choice.

Nothing here measures, imports a heavy library or prints: given the same results and constraints it
always returns the same :class:`Decision`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from modelpick.constraints import Constraints
from modelpick.results import CandidateResult, RankedCandidate, Rejection
from modelpick.selection._comparison import COMPARED_METRICS, COST_MARGIN, compare_results, profile_value
from modelpick.selection._constraints import constraint_violations
from modelpick.selection._gate import GateCheck, GateVerdict, gate_model, tighten
from modelpick.selection._pareto import pareto_front, pareto_mask
from modelpick.selection._ranking import rank

__all__ = [
    "COMPARED_METRICS",
    "COST_MARGIN",
    "Decision",
    "GateCheck",
    "GateVerdict",
    "compare_results",
    "constraint_violations",
    "decide",
    "gate_model",
    "pareto_front",
    "pareto_mask",
    "profile_value",
    "rank",
    "tighten",
]


@dataclass(frozen=True)
class Decision:
    """Ranked feasible candidates, the Pareto front, and every rejection with its reasons."""

    ranked: tuple[RankedCandidate, ...]
    pareto_front: tuple[str, ...]
    rejected: tuple[Rejection, ...]
    closest: str | None  # when nothing is feasible: the measured candidate that misses by least


def _shortfall(result: CandidateResult, constraints: Constraints) -> float:
    """How far ``result`` is from meeting the constraints, as a sum of relative excesses.

    Infinite when a limited figure is unknown: a candidate whose memory or accuracy was never measured
    cannot be shown to be close (counting it as no excess would name it closest while it may miss by any
    amount).
    """
    if result.status != "ok" or result.profile is None:
        return float("inf")
    total = 0.0
    latency = result.profile.latency.percentile_ms(constraints.latency_percentile)
    if constraints.max_latency_ms is not None and latency > constraints.max_latency_ms:
        total += latency / constraints.max_latency_ms - 1
    memory = result.profile.memory_mb
    if constraints.max_memory_mb is not None:
        if memory is None:
            return float("inf")
        if memory > constraints.max_memory_mb:
            total += memory / constraints.max_memory_mb - 1
    if constraints.min_accuracy is not None:
        if result.accuracy is None:
            return float("inf")
        if result.accuracy < constraints.min_accuracy:
            total += (constraints.min_accuracy - result.accuracy) / constraints.min_accuracy
    return total


def decide(results: Sequence[CandidateResult], constraints: Constraints) -> Decision:
    """Filter by the hard constraints, find the Pareto front, rank what is left.

    Example:
        >>> decide([], Constraints(max_latency_ms=20)).ranked
        ()
    """
    feasible, rejected = [], []
    for result in results:
        reasons = constraint_violations(result, constraints)
        if reasons:
            rejected.append(Rejection(result.name, reasons))
        else:
            feasible.append(result)
    front = pareto_front(results, latency_percentile=constraints.latency_percentile)
    ranked = rank(feasible, pareto=front, latency_percentile=constraints.latency_percentile)
    closest = None
    if not ranked:
        misses = [(_shortfall(r, constraints), r.name) for r in results]
        misses = [m for m in misses if m[0] != float("inf")]
        closest = min(misses)[1] if misses else None
    return Decision(ranked=ranked, pareto_front=front, rejected=tuple(rejected), closest=closest)
