"""Shared wording for the human-readable renderers (text and markdown), so both say the same thing."""

from __future__ import annotations

from modelpick.results import CandidateResult, ProfileResult, Recommendation

__all__ = [
    "accuracy_columns",
    "constraint_line",
    "data_line",
    "machine_line",
    "memory_cell",
    "memory_figure",
    "notes",
    "verdict",
]


def accuracy_columns(result: CandidateResult) -> tuple[str, str, str]:
    """Accuracy, its 95% interval and how it was obtained, as three cells."""
    q = result.quality
    if q is None:
        return ("not estimated", "", "")
    if q.accuracy is None:
        return ("unknown", "", "")  # the note says why; no method produced a figure to attribute
    has_interval = q.accuracy_low is not None and q.accuracy_high is not None
    interval = f"{q.accuracy_low:.2f}-{q.accuracy_high:.2f}" if has_interval else ""
    return (f"{q.accuracy:.3f}", interval, "published" if q.provenance == "published" else q.method)


def memory_figure(profile: ProfileResult | None) -> str:
    """A profile's memory in MB as tables show it: ``"246"``, ``"<1"``, ``"250 (GPU)"`` or ``"-"``."""
    if profile is None or profile.memory_mb is None:
        return "-"
    figure = f"{profile.memory_mb:.0f}" if profile.memory_mb >= 1 else "<1"
    return f"{figure} (GPU)" if profile.memory_on_gpu else figure


def memory_cell(result: CandidateResult) -> str:
    return memory_figure(result.profile)


def constraint_line(rec: Recommendation) -> str:
    return rec.constraints.describe()


def data_line(rec: Recommendation) -> str:
    s = rec.sample
    if s is None:
        return "no sample"
    split = f", held out {s.n_test} of {s.n}" if s.n_test else ""
    q = s.token_length_quantiles
    return (
        f"{s.source}: {s.n} texts, {len(s.classes)} classes{split}; "
        f"length p50 {q.get('p50', 0):.0f} / p90 {q.get('p90', 0):.0f} pieces"
    )


def machine_line(rec: Recommendation) -> str:
    e = rec.environment
    threads = rec.config.get("num_threads")
    gpu = f", GPU {e.gpu_name}" if e.gpu_name else ""
    device = rec.config.get("device")
    return f"{e.cpu_model} ({e.usable_cpus} usable CPUs{gpu}), {threads} torch threads, device {device}"


def verdict(rec: Recommendation) -> str:
    if rec.ranked:
        top = rec.ranked[0]
        return f"Recommended: {top.name}. {top.reason}"
    closest = f" Closest: {rec.closest} ({'; '.join(_reasons(rec, rec.closest))})." if rec.closest else ""
    return f"No candidate meets the constraints.{closest}"


def _reasons(rec: Recommendation, name: str) -> tuple[str, ...]:
    for rejection in rec.rejected:
        if rejection.name == name:
            return rejection.reasons
    return ()


def notes(rec: Recommendation) -> list[str]:
    """How the numbers were obtained, in plain sentences."""
    pct = rec.constraints.latency_percentile
    lines = [
        f"Latency: one forward pass (or predict call) at batch size 1, timed in a fresh process per candidate "
        f"over the sample's token lengths after warm-up; {pct} is the constrained figure. Memory: the child's "
        "peak RSS above a baseline process that only imported the same libraries.",
        f"Quality basis: {rec.quality_basis}.",
    ]
    if any(r.quality is not None and r.quality.provenance == "published" for r in rec.results):
        lines.append(
            "'published' accuracy comes from the cited paper or model card, on its benchmark, not on your data."
        )
    if any(r.candidate.weights_source == "architecture-only" for r in rec.results):
        lines.append(
            "architecture-only: no weights were found locally, in the Hugging Face cache, on the Hub or in a "
            "known package, so the model was built from its config with random weights: latency and memory are "
            "exact, accuracy is unknown."
        )
    if any(r.profile is not None and r.profile.latency.noisy for r in rec.results):
        lines.append(
            "noisy: the repeat loop hit its time cap before timings were stable; treat those latencies with care."
        )
    return lines
