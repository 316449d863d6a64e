"""Plain-text tables for the ``profile``, ``tune`` and ``candidates`` commands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modelpick.report._format import memory_figure
from modelpick.results import ProfileSet, TuningSummary

__all__ = ["candidates_table", "profiles_table", "tuning_table"]


def profiles_table(profile_set: ProfileSet) -> str:
    """One line per measured candidate (latency, throughput, memory), then one per failure with its reason."""
    lines = []
    for p in profile_set.profiles:
        memory = f"{memory_figure(p)} MB" if p.memory_mb is not None else "-"
        lines.append(
            f"{p.candidate:45s} p50 {p.latency.p50_ms:8.2f} ms  p90 {p.latency.p90_ms:8.2f} ms  "
            f"{p.throughput_per_s:8.0f}/s @{p.throughput_batch_size}  {memory}"
        )
    lines.extend(f"{name:45s} FAILED: {reason}" for name, reason in profile_set.failed.items())
    return "".join(line + "\n" for line in lines)


def candidates_table(rows: Sequence[dict[str, Any]]) -> str:
    """One line per candidate: name, kind, family, published parameters and published figures."""
    lines = []
    for row in rows:
        params = row.get("published_parameters")
        params_text = f"{params / 1e6:6.1f}M" if params else "      -"
        figures = "; ".join(f"{f['metric']} {f['value']:.3f} ({f['split']})" for f in row.get("published", []))
        lines.append(f"{row['name']:40s} {row['kind']:11s} {row['family']:30s} {params_text}  {figures}")
    return "".join(line + "\n" for line in lines)


def tuning_table(summaries: Sequence[TuningSummary]) -> str:
    """One line per study: trials finished of planned, complete/pruned/failed, best validation accuracy."""
    lines = []
    for s in summaries:
        best = "-" if s.best_validation_accuracy is None else f"{s.best_validation_accuracy:.3f}"
        finished = s.trials_complete + s.trials_pruned + s.trials_failed
        lines.append(
            f"{s.study_name or s.candidate:60s} {finished:3d}/{s.trials_planned:<3d} trials  "
            f"{s.trials_complete} complete, {s.trials_pruned} pruned, {s.trials_failed} failed  best validation {best}"
        )
        lines.extend(f"    {failure}" for failure in s.failures)
    return "".join(line + "\n" for line in lines)
