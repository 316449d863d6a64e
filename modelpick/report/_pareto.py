"""The Pareto information every renderer draws, computed once per recommendation.

As optuna's plotters share ``_get_pareto_front_info``, the text, Markdown and HTML renderers and the
plot read one :class:`ParetoInfo`: which candidates are plotted where, which are feasible, which are on
the front, the constraint lines, and why a candidate cannot be placed. The front itself was decided in
:mod:`modelpick.selection` over accuracy, latency and memory; nothing here re-decides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelpick.results import CandidateResult, Recommendation

__all__ = ["ParetoInfo", "ParetoPoint", "pareto_info"]


@dataclass(frozen=True)
class ParetoPoint:
    """One measured candidate as the plot places it."""

    name: str
    latency_ms: float  # at the constrained percentile and batch size
    memory_mb: float | None
    accuracy: float | None  # None: unknown (architecture-only weights, no estimate)
    accuracy_low: float | None
    accuracy_high: float | None
    accuracy_basis: str  # how the accuracy was obtained: a method name, "published" or "unknown"
    feasible: bool  # meets every constraint
    on_front: bool  # on the accuracy/latency/memory Pareto front
    rank: int | None

    @property
    def kind(self) -> str:
        """``"front"``, ``"feasible"``, ``"infeasible"`` or ``"unknown accuracy"``: how the point is drawn."""
        if self.accuracy is None:
            return "unknown accuracy"
        if not self.feasible:
            return "infeasible"
        return "front" if self.on_front else "feasible"


@dataclass(frozen=True)
class ParetoInfo:
    """Everything needed to draw the accuracy/latency/memory trade-off of one recommendation."""

    points: tuple[ParetoPoint, ...]  # fastest first
    unplaced: tuple[tuple[str, str], ...]  # (candidate, why it has no point): not measured, failed
    latency_percentile: str
    latency_batch_size: int
    max_latency_ms: float | None
    min_accuracy: float | None
    max_memory_mb: float | None

    @property
    def front(self) -> tuple[str, ...]:
        """Names on the front, fastest first."""
        return tuple(p.name for p in self.points if p.on_front)

    def on_front(self, name: str) -> bool:
        return any(p.name == name and p.on_front for p in self.points)

    @property
    def latency_label(self) -> str:
        return f"{self.latency_percentile} latency at batch {self.latency_batch_size} (ms)"

    def front_line(self) -> str:
        """The front in one sentence, as every renderer states it."""
        if not self.front:
            return "Pareto front: none (no candidate has both a measured cost and a known accuracy)."
        return (
            f"Pareto front (higher accuracy, lower {self.latency_percentile} latency, lower memory): "
            f"{', '.join(self.front)}; no other candidate is at least as good on all three and better on one."
        )


def _basis(result: CandidateResult) -> str:
    q = result.estimate
    if q is None or q.accuracy is None:
        return "unknown"
    return q.basis


def pareto_info(rec: Recommendation) -> ParetoInfo:
    """The plot data of ``rec``: one point per candidate with a measured cost."""
    c = rec.constraints
    pct = c.latency_percentile
    front = set(rec.pareto_front)
    rejected = {r.name for r in rec.rejected}
    points, unplaced = [], []
    for result in rec.results:
        profile = result.profile
        if result.status != "ok" or profile is None:
            why = result.reason or "cost not measured"
            unplaced.append((result.name, f"{result.status}: {why}" if result.status != "ok" else why))
            continue
        q = result.estimate
        known = q is not None and q.accuracy is not None
        points.append(
            ParetoPoint(
                name=result.name,
                latency_ms=profile.latency.percentile_ms(pct),
                memory_mb=profile.memory_mb,
                accuracy=q.accuracy if known and q is not None else None,
                accuracy_low=q.accuracy_low if known and q is not None else None,
                accuracy_high=q.accuracy_high if known and q is not None else None,
                accuracy_basis=_basis(result),
                feasible=result.name not in rejected,
                on_front=result.name in front,
                rank=rec.rank_of(result.name),
            )
        )
    points.sort(key=lambda p: (p.latency_ms, p.name))
    return ParetoInfo(
        points=tuple(points),
        unplaced=tuple(sorted(unplaced)),
        latency_percentile=pct,
        latency_batch_size=c.latency_batch_size,
        max_latency_ms=c.max_latency_ms,
        min_accuracy=c.min_accuracy,
        max_memory_mb=c.max_memory_mb,
    )
