"""The Pareto-front plot: accuracy against the constrained latency, memory as marker size.

Drawn by matplotlib from :class:`~modelpick.report._pareto.ParetoInfo` alone, without pyplot (no global
figure state, no display backend), and written as SVG with text kept as text, so that a report stays one
self-contained file that a browser searches and scales.
"""

from __future__ import annotations

import io
from typing import Any

from modelpick._imports import require
from modelpick.report._pareto import ParetoInfo, ParetoPoint

__all__ = ["pareto_figure", "pareto_svg"]

# Colour and shape both carry the kind, so the plot reads in grey scale and for colour-blind readers.
_STYLE = {
    "front": {"color": "#1b7837", "marker": "D", "label": "on the Pareto front"},
    "feasible": {"color": "#2166ac", "marker": "o", "label": "meets the constraints"},
    "infeasible": {"color": "#b2182b", "marker": "s", "label": "breaks a constraint"},
}
_UNKNOWN_COLOR = "#777777"
_MIN_AREA, _MAX_AREA = 36.0, 700.0  # marker area in pt^2 for the smallest and the largest memory


def _short(name: str) -> str:
    """The last part of a hub id or path: labels must fit; the table beside the plot has full names."""
    tail = name.rstrip("/").rsplit("/", 1)[-1]
    return tail if len(tail) <= 28 else tail[:27] + "…"


def _areas(points: tuple[ParetoPoint, ...]) -> list[float]:
    known = [p.memory_mb for p in points if p.memory_mb is not None]
    largest = max(known, default=0.0) or 1.0
    return [
        _MIN_AREA if p.memory_mb is None else _MIN_AREA + (_MAX_AREA - _MIN_AREA) * p.memory_mb / largest
        for p in points
    ]


def pareto_figure(info: ParetoInfo) -> Any:
    """A matplotlib ``Figure`` of ``info`` (built without pyplot, so Jupyter shows it inline once
    ``%matplotlib inline`` has registered its display formatter).

    Points with an unknown accuracy are drawn in a strip under the plot at their measured latency, so
    their cost is visible without an invented accuracy.
    """
    require("matplotlib", purpose="draw the Pareto plot")
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    placed = tuple(p for p in info.points if p.accuracy is not None)
    unknown = tuple(p for p in info.points if p.accuracy is None)
    area = dict(zip((p.name for p in info.points), _areas(info.points), strict=True))

    figure = Figure(figsize=(11.0, 6.6 if unknown else 6.0), layout="constrained")
    if unknown:
        axes, strip = figure.subplots(2, 1, sharex=True, height_ratios=(6, 1))
    else:
        axes, strip = figure.subplots(), None

    spread = [p.latency_ms for p in info.points] + ([info.max_latency_ms] if info.max_latency_ms else [])
    if spread and max(spread) / max(min(spread), 1e-6) > 20:
        axes.set_xscale("log")  # baselines in microseconds and transformers in tens of ms share one axis

    for kind, style in _STYLE.items():
        group = [p for p in placed if p.kind == kind]
        if not group:
            continue
        xs, ys = [p.latency_ms for p in group], [p.accuracy or 0.0 for p in group]
        lows = [y - p.accuracy_low if p.accuracy_low is not None else 0.0 for p, y in zip(group, ys, strict=True)]
        highs = [p.accuracy_high - y if p.accuracy_high is not None else 0.0 for p, y in zip(group, ys, strict=True)]
        axes.errorbar(xs, ys, yerr=[lows, highs], fmt="none", ecolor=style["color"], elinewidth=1, capsize=3,
                      alpha=0.8, zorder=2)
        axes.scatter(xs, ys, s=[area[p.name] for p in group], marker=style["marker"], color=style["color"],
                     alpha=0.85 if kind != "infeasible" else 0.45, edgecolors="black", linewidths=0.6, zorder=3)
    # The front is decided over accuracy, latency and memory, so a point this 2-D view would call dominated
    # can be on it for its memory; no front line is drawn. A ring marks front points that break a constraint.
    ringed = [p for p in placed if p.on_front and p.kind != "front"]
    if ringed:
        axes.scatter([p.latency_ms for p in ringed], [p.accuracy for p in ringed],
                     s=[area[p.name] * 2.2 for p in ringed], marker="o", facecolors="none",
                     edgecolors=_STYLE["front"]["color"], linewidths=1.5, zorder=3)
    for p in placed:
        # Past the marker's edge: the marker's radius in points grows with its area.
        offset = area[p.name] ** 0.5 / 2 + 3
        axes.annotate(_short(p.name), (p.latency_ms, p.accuracy), xytext=(offset, offset / 2),
                      textcoords="offset points", fontsize=9, parse_math=False, zorder=4)

    handles: list[Any] = [
        Line2D([], [], linestyle="none", marker=s["marker"], color=s["color"], markeredgecolor="black",
               markersize=8, label=s["label"])
        for kind, s in _STYLE.items() if any(p.kind == kind for p in placed)
    ]
    if ringed:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=11, markerfacecolor="none",
                              markeredgecolor=_STYLE["front"]["color"], markeredgewidth=1.5,
                              label="on the front, breaks a constraint"))
    # Shade where a constraint fails, then restore the limits the data chose.
    xlim, ylim = axes.get_xlim(), axes.get_ylim()
    if info.max_latency_ms is not None:
        label = f"max {info.latency_percentile} latency {info.max_latency_ms:g} ms"
        axes.axvline(info.max_latency_ms, color="#b2182b", linestyle="--", linewidth=1.2, zorder=1)
        axes.axvspan(info.max_latency_ms, max(xlim[1], info.max_latency_ms) * 10, color="#b2182b", alpha=0.05,
                     zorder=0)
        handles.append(Line2D([], [], color="#b2182b", linestyle="--", label=label))
    if info.min_accuracy is not None:
        axes.axhline(info.min_accuracy, color="#542788", linestyle="--", linewidth=1.2, zorder=1)
        axes.axhspan(min(ylim[0], info.min_accuracy) - 1, info.min_accuracy, color="#542788", alpha=0.05, zorder=0)
        handles.append(Line2D([], [], color="#542788", linestyle="--", label=f"min accuracy {info.min_accuracy:g}"))
    # Every point, the unknown-accuracy strip's included, and the latency limit stay in view.
    latencies = [p.latency_ms for p in info.points]
    if info.max_latency_ms is not None:
        latencies.append(info.max_latency_ms)
    if latencies:
        low, high = min(latencies), max(latencies)
        pad = (high / low) ** 0.06 if axes.get_xscale() == "log" else None
        xlim = (low / pad, high * pad) if pad else (low - 0.06 * (high - low or 1), high + 0.06 * (high - low or 1))
        if axes.get_xscale() != "log":
            xlim = (max(0.0, xlim[0]), xlim[1])
    if info.min_accuracy is not None:
        ylim = (min(ylim[0], info.min_accuracy - 0.01), max(ylim[1], info.min_accuracy + 0.01))
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    memories = [p.memory_mb for p in info.points if p.memory_mb is not None]
    if memories:
        memory_note = f"marker area: peak memory (largest {max(memories):.0f} MB)"
        if info.max_memory_mb is not None:
            memory_note += f"; limit {info.max_memory_mb:g} MB"
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=12, color="#dddddd",
                              markeredgecolor="black", label=memory_note))
    if not placed:
        axes.text(0.5, 0.5, "no candidate has a known accuracy", transform=axes.transAxes, ha="center",
                  va="center", color=_UNKNOWN_COLOR, parse_math=False)
    axes.set_ylabel("accuracy on your data (95% interval)")
    axes.grid(True, which="major", alpha=0.3)
    if handles:
        # Under the plot: a legend must never hide a point, nor take width from the plot.
        figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=9, frameon=False)

    if strip is not None:
        strip.scatter([p.latency_ms for p in unknown], [0.0] * len(unknown), s=[area[p.name] for p in unknown],
                      marker="X", color=_UNKNOWN_COLOR, edgecolors="black", linewidths=0.5)
        for i, p in enumerate(unknown):
            offset = area[p.name] ** 0.5 / 2 + 2
            strip.annotate(_short(p.name), (p.latency_ms, 0.0), xytext=(offset, offset if i % 2 == 0 else -offset - 8),
                           textcoords="offset points", fontsize=8, parse_math=False, color="#333333")
        if info.max_latency_ms is not None:
            strip.axvline(info.max_latency_ms, color="#b2182b", linestyle="--", linewidth=1.2)
        strip.set_yticks([])
        strip.set_ylabel("accuracy\nunknown", rotation=0, ha="right", va="center", fontsize=8)
        strip.grid(True, axis="x", alpha=0.3)
        strip.set_xlabel(info.latency_label)
    else:
        axes.set_xlabel(info.latency_label)
    return figure


def pareto_svg(info: ParetoInfo) -> str:
    """The plot as an SVG document (text kept as text, no timestamp, stable ids: the same input gives
    the same bytes)."""
    require("matplotlib", purpose="draw the Pareto plot")
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "modelpick", "font.size": 10}):
        figure = pareto_figure(info)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    # The XML declaration and DOCTYPE are for standalone files; inside HTML they are noise.
    return svg[svg.index("<svg"):]
