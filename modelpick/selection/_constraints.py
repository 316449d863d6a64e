"""Hard constraints and the reasons a candidate fails them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelpick.results import CandidateResult

__all__ = ["Constraints", "constraint_violations"]


@dataclass(frozen=True)
class Constraints:
    """Limits a recommended candidate must meet.

    ``max_latency_ms`` refers to ``latency_percentile`` of batch-1 latency over the sample's lengths.
    """

    max_latency_ms: float | None = None
    max_memory_mb: float | None = None
    min_accuracy: float | None = None
    latency_percentile: str = "p90"

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Constraints:
        """Build from ``AdviseConfig.constraints`` (extra keys such as the batch size are ignored)."""
        return cls(
            max_latency_ms=data.get("max_latency_ms"),
            max_memory_mb=data.get("max_memory_mb"),
            min_accuracy=data.get("min_accuracy"),
            latency_percentile=data.get("latency_percentile", "p90"),
        )


def _unknown_accuracy_reason(result: CandidateResult) -> str:
    quality = result.quality
    if quality is None:
        return "accuracy not estimated"
    # Notes read "<cause>: <explanation>"; a rejection needs only the cause.
    cause = quality.note.split(":", 1)[0].strip()
    return f"accuracy unknown ({cause})" if cause else "accuracy unknown"


def constraint_violations(result: CandidateResult, constraints: Constraints) -> tuple[str, ...]:
    """One short reason per constraint ``result`` fails; empty when it meets them all.

    Example:
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
        memory = None if profile is None else profile.peak_rss_mb
        if memory is None and profile is not None and profile.peak_gpu_mb is not None:
            memory = profile.peak_gpu_mb
        if memory is None:
            reasons.append("memory not measured")
        elif memory > constraints.max_memory_mb:
            reasons.append(f"peak memory {memory:.0f} MB > {constraints.max_memory_mb:g} MB")
    if constraints.min_accuracy is not None:
        accuracy = result.accuracy
        if accuracy is None:
            reasons.append(f"{_unknown_accuracy_reason(result)}, so min_accuracy {constraints.min_accuracy:g} cannot be shown")
        elif accuracy < constraints.min_accuracy:
            reasons.append(f"accuracy {accuracy:.3f} < {constraints.min_accuracy:g}")
    return tuple(reasons)
