"""The reasons a candidate fails the hard constraints."""

from __future__ import annotations

from modelpick.constraints import Constraints
from modelpick.results import CandidateResult

__all__ = ["constraint_violations"]


def _unknown_accuracy_reason(result: CandidateResult) -> str:
    quality = result.estimate
    if quality is None:
        return "accuracy not estimated"
    # Notes read "<cause>: <explanation>"; a rejection needs only the cause.
    cause = quality.note.split(":", 1)[0].strip()
    return f"accuracy unknown ({cause})" if cause else "accuracy unknown"


def constraint_violations(result: CandidateResult, constraints: Constraints) -> tuple[str, ...]:
    """One short reason per constraint ``result`` fails; empty when it meets them all.

    Example:
        >>> from modelpick.constraints import Constraints
        >>> from modelpick.results import CandidateInfo, CandidateResult
        >>> failed = CandidateResult(CandidateInfo("m", "baseline", "x", "builtin"), "failed", "boom")
        >>> constraint_violations(failed, Constraints(max_latency_ms=20))
        ('failed: boom',)
    """
    if result.status != "ok":
        return (f"{result.status}: {result.reason}",)
    reasons = []
    profile = result.profile
    pct = constraints.latency_percentile
    if constraints.max_latency_ms is not None:
        if profile is None:
            reasons.append("latency not measured")
        else:
            latency = profile.latency.percentile_ms(pct)
            if latency > constraints.max_latency_ms:
                reasons.append(f"{pct} {latency:.1f} ms > {constraints.max_latency_ms:g} ms")
    if constraints.max_memory_mb is not None:
        memory = None if profile is None else profile.memory_mb
        if memory is None:
            reasons.append("memory not measured")
        elif memory > constraints.max_memory_mb:
            reasons.append(f"peak memory {memory:.0f} MB > {constraints.max_memory_mb:g} MB")
    if constraints.min_accuracy is not None:
        accuracy = result.accuracy
        if accuracy is None:
            unknown = _unknown_accuracy_reason(result)
            reasons.append(f"{unknown}, so min_accuracy {constraints.min_accuracy:g} cannot be shown")
        elif accuracy < constraints.min_accuracy:
            reasons.append(f"accuracy {accuracy:.3f} < {constraints.min_accuracy:g}")
    return tuple(reasons)
