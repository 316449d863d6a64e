"""Which candidates are worth a quick fine-tune, and when to stop tuning one (DESIGN.md section 6).

Fine-tuning is the expensive step, so it is spent only where it can change the answer:

* a candidate whose measured latency or memory already breaks a hard constraint is never tuned: no
  accuracy can make it feasible;
* of the rest, the top-K by pre-screen score (LogME, else the probe's accuracy) are tuned;
* a candidate whose best case (the upper bound of its accuracy interval) cannot reach the accuracy
  floor, or the lower bound of the best feasible candidate, stops being tuned.

Optuna cannot prune across the studies of a multi-objective choice (optuna issue #3450), so these rules
live here, as pure functions the orchestrator applies between trials.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from modelpick.constraints import Constraints
from modelpick.results import CandidateResult
from modelpick.selection._constraints import constraint_violations

__all__ = ["PRESCREEN_ORDER", "TuningPlan", "leader", "plan_tuning", "stop_reason"]

# The pre-screen score that orders candidates for tuning, by preference. LogME is the better-studied
# ranking score (You et al., 2021); the probe's accuracy stands in where no score was computed.
PRESCREEN_ORDER = ("logme", "h-score")


@dataclass(frozen=True)
class TuningPlan:
    """The candidates to tune, best pre-screen first, and why each other one is not tuned."""

    selected: tuple[str, ...]
    skipped: dict[str, str]  # candidate -> reason it is never tuned
    ranked_by: str  # the score that ordered the candidates: "logme", "h-score" or "probe accuracy"


def _tunable(result: CandidateResult) -> str | None:
    """Why ``result`` cannot be fine-tuned at all, or ``None``."""
    if result.status != "ok":
        return f"{result.status}: {result.reason}"
    if result.candidate.kind != "transformer":
        return "not a transformer: there is nothing to fine-tune"
    quality = result.quality
    if quality is None or quality.provenance != "measured":
        # Only a probe on pretrained weights means the weights are real and the sample is labelled.
        why = quality.note if quality is not None and quality.note else "random weights, or no labelled sample"
        return f"no measured accuracy to start from ({why})"
    return None


def _score_name(results: Sequence[CandidateResult]) -> str:
    for method in PRESCREEN_ORDER:
        if all(r.quality is not None and r.quality.prescreen_score(method) is not None for r in results):
            return method
    return "probe accuracy"


def _score(result: CandidateResult, name: str) -> float:
    quality = result.quality
    assert quality is not None  # _tunable checked it
    value = quality.accuracy if name == "probe accuracy" else quality.prescreen_score(name)
    return float(value) if value is not None else float("-inf")


def plan_tuning(results: Sequence[CandidateResult], constraints: Constraints, *, top_k: int) -> TuningPlan:
    """Choose which candidates to fine-tune: cost-feasible transformers, top ``top_k`` by pre-screen.

    Example:
        >>> from modelpick.testing.factories import make_result
        >>> results = [make_result("fast", p90_ms=5, accuracy=0.8), make_result("slow", p90_ms=50, accuracy=0.9)]
        >>> plan = plan_tuning(results, Constraints(max_latency_ms=20), top_k=3)
        >>> plan.selected, plan.skipped["slow"]
        (('fast',), 'p90 50.0 ms > 20 ms: no accuracy can make it feasible, so it is never tuned')
    """
    # Only cost decides here: accuracy is what tuning may still change.
    cost_only = dataclasses.replace(constraints, min_accuracy=None)
    skipped: dict[str, str] = {}
    eligible: list[CandidateResult] = []
    for result in results:
        why_not = _tunable(result)
        if why_not is not None:
            skipped[result.name] = why_not
            continue
        violations = constraint_violations(result, cost_only)
        if violations:
            skipped[result.name] = f"{'; '.join(violations)}: no accuracy can make it feasible, so it is never tuned"
            continue
        eligible.append(result)
    ranked_by = _score_name(eligible)
    ordered = sorted(eligible, key=lambda r: (-_score(r, ranked_by), r.name))
    for result in ordered[top_k:]:
        skipped[result.name] = f"outside the top {top_k} by {ranked_by} ({_score(result, ranked_by):.3g})"
    return TuningPlan(tuple(r.name for r in ordered[:top_k]), skipped, ranked_by)


def leader(results: Sequence[CandidateResult], constraints: Constraints) -> tuple[str, float] | None:
    """The feasible candidate of highest accuracy and the lower bound of its interval, or ``None``.

    The bound is what a tuned candidate must be able to beat to change the answer.
    """
    best: CandidateResult | None = None
    # By name, so equal accuracies resolve to the first name, as in plan_tuning and the halving.
    for result in sorted(results, key=lambda r: r.name):
        if constraint_violations(result, constraints) or result.accuracy is None:
            continue
        if best is None or result.accuracy > (best.accuracy or 0.0):
            best = result
    if best is None:
        return None
    estimate = best.estimate
    assert estimate is not None and estimate.accuracy is not None
    low = estimate.accuracy_low if estimate.accuracy_low is not None else estimate.accuracy
    return best.name, float(low)


def stop_reason(
    candidate: str,
    best_case: float | None,
    *,
    min_accuracy: float | None,
    leader: tuple[str, float] | None,
) -> str | None:
    """Why tuning ``candidate`` should stop, or ``None`` to go on.

    Args:
        candidate: The candidate being tuned.
        best_case: The upper bound of its accuracy interval so far (``None``: nothing finished yet).
        min_accuracy: The accuracy floor, if any.
        leader: ``(name, lower bound)`` of the best feasible candidate, if any (see :func:`leader`).

    Example:
        >>> stop_reason("a", 0.70, min_accuracy=0.8, leader=None)
        'its best case 0.700 cannot reach min_accuracy 0.8'
        >>> stop_reason("a", 0.70, min_accuracy=None, leader=("b", 0.75))
        'its best case 0.700 cannot reach the lower bound 0.750 of b, the best feasible candidate'
        >>> stop_reason("a", 0.90, min_accuracy=0.8, leader=("b", 0.75)) is None
        True
    """
    if best_case is None:
        return None
    if min_accuracy is not None and best_case < min_accuracy:
        return f"its best case {best_case:.3f} cannot reach min_accuracy {min_accuracy:g}"
    if leader is not None and leader[0] != candidate and best_case < leader[1]:
        return (
            f"its best case {best_case:.3f} cannot reach the lower bound {leader[1]:.3f} of {leader[0]}, "
            "the best feasible candidate"
        )
    return None
