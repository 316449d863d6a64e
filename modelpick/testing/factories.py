"""Hand-made result objects for testing decision and presentation code without measuring anything."""

from __future__ import annotations

from typing import Any

from modelpick.results import (
    CandidateInfo,
    CandidateResult,
    HardwareInfo,
    LatencyStats,
    LengthsSummary,
    ProfileResult,
    Provenance,
    QualityEstimate,
    Recommendation,
    SampleSummary,
    Status,
    TransferabilityScore,
)

__all__ = ["make_latency", "make_recommendation", "make_result"]


def make_latency(p50_ms: float, p90_ms: float | None = None, *, noisy: bool = False) -> LatencyStats:
    """Latency stats whose percentiles grow from ``p50_ms`` (p90 defaults to 1.2 x p50)."""
    p90 = p90_ms if p90_ms is not None else p50_ms * 1.2
    return LatencyStats(
        n=100, p50_ms=p50_ms, p90_ms=p90, p95_ms=p90 * 1.05, p99_ms=p90 * 1.1,
        mean_ms=(p50_ms + p90) / 2, stdev_ms=(p90 - p50_ms) / 2, noisy=noisy, noise=0.01,
    )


def make_result(
    name: str,
    *,
    accuracy: float | None = 0.8,
    p90_ms: float = 10.0,
    memory_mb: float | None = 100.0,
    status: Status = "ok",
    reason: str = "",
    kind: str = "transformer",
    provenance: Provenance = "measured",
    weights_source: str | None = "local",
    logme: float | None = None,
) -> CandidateResult:
    """A candidate result with the given headline numbers (``accuracy=None`` means unknown); ``logme``
    adds that pre-screen score to a measured estimate."""
    info = CandidateInfo(name=name, kind=kind, family="test", source="catalog", weights_source=weights_source)
    if status != "ok":
        return CandidateResult(info, status, reason)
    profile = ProfileResult(
        candidate=name, device="cpu", num_threads=2, latency=make_latency(p90_ms / 1.2, p90_ms),
        throughput_batch_size=16, throughput_per_s=1000.0 / p90_ms, tokenize=None, peak_rss_mb=memory_mb,
        peak_gpu_mb=None, parameters=1_000_000, weights_on_disk_mb=4.0,
        lengths=LengthsSummary(source="test", n=10, p50=12, p90=30, max=40),
    )
    if accuracy is None:
        quality = QualityEstimate(name, "none", "unknown", None, note="architecture-only weights (random)")
    else:
        quality = QualityEstimate(
            name, "linear-probe" if provenance == "measured" else "published", provenance,
            accuracy, accuracy - 0.03, min(1.0, accuracy + 0.03), macro_f1=accuracy - 0.01,
            n_train=300, n_test=100, citation="a paper" if provenance == "published" else None,
            prescreen=() if logme is None else (TransferabilityScore("logme", logme),),
        )
    return CandidateResult(info, "ok", "", profile, quality)


def make_recommendation(results: tuple[CandidateResult, ...], **constraints: Any) -> Recommendation:
    """Run the real decision code over ``results`` and wrap it as a recommendation."""
    from modelpick.constraints import Constraints
    from modelpick.selection import decide

    c = Constraints(**constraints)
    decision = decide(results, c)
    return Recommendation(
        task="text-classification",
        results=results,
        ranked=decision.ranked,
        pareto_front=decision.pareto_front,
        rejected=decision.rejected,
        closest=decision.closest,
        constraints=c,
        config={"num_threads": 2, "device": "cpu"},
        environment=HardwareInfo(platform="Linux", python="3.11", cpu_model="Test CPU", logical_cpus=2,
                                 usable_cpus=2, total_memory_mb=1024.0),
        sample=SampleSummary(source="test.csv", text_column="text", label_column="label", n=400,
                             classes=("a", "b"), class_counts={"a": 200, "b": 200},
                             token_length_quantiles={"p50": 12.0, "p90": 30.0, "p99": 40.0, "max": 50.0},
                             token_length_method="regex", n_train=300, n_test=100),
        quality_basis="measured on your sample",
        created_at="2026-11-21T00:00:00+00:00",
        modelpick_version="0.1.0",
    )
