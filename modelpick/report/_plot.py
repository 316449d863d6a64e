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

    figure = Figure(figsize=(11.0, 7.0 if unknown else 6.0), layout="constrained")
    if unknown:
        axes, strip = figure.subplots(2, 1, sharex=True, height_ratios=(6, 2))
    else:
        axes, strip = figure.subplots(), None

    # Every point, the unknown-accuracy strip's included, and the latency limit stay in view.
    latencies = [p.latency_ms for p in info.points] + ([info.max_latency_ms] if info.max_latency_ms else [])
    log_scale = bool(latencies) and max(latencies) / max(min(latencies), 1e-6) > 20
    if log_scale:
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
    if latencies:
        low, high = min(latencies), max(latencies)
        if log_scale:
            pad = (high / low) ** 0.06
            xlim = (low / pad, high * pad)
        else:
            margin = 0.06 * (high - low or 1)
            xlim = (max(0.0, low - margin), high + margin)
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
        if info.max_latency_ms is not None:
            strip.axvline(info.max_latency_ms, color="#b2182b", linestyle="--", linewidth=1.2)
        strip.set_yticks([])
        strip.set_ylabel("accuracy\nunknown", rotation=0, ha="right", va="center", fontsize=8)
        strip.grid(True, axis="x", alpha=0.3)
        strip.set_xlabel(info.latency_label)
    else:
        axes.set_xlabel(info.latency_label)
    _label_points(figure, [(axes, p.name, p.latency_ms, p.accuracy or 0.0, area[p.name], 9) for p in placed]
                  + [(strip, p.name, p.latency_ms, 0.0, area[p.name], 8) for p in unknown])
    return figure


def _label_points(figure: Any, items: list[tuple[Any, str, float, float, float, int]]) -> None:
    """Name each point where its label overlaps no label placed before it, trying positions around the
    marker (right, left, above, below, then further out); when none is free, the first is used.

    Candidates often sit close together (two TF-IDF baselines at the same latency, several architectures
    between 30 and 80 ms), so fixed offsets would print names over each other.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    FigureCanvasAgg(figure)  # a renderer to measure text with; savefig picks its own backend later
    figure.draw_without_rendering()  # settle the layout, so the measured boxes are the final ones
    renderer = figure.canvas.get_renderer()
    pixels_per_point = figure.dpi / 72
    taken: list[Any] = []  # the markers, then each label placed: a label may cover neither
    for axes, _, x, y, marker_area, _ in items:
        cx, cy = axes.transData.transform((x, y))
        half = marker_area ** 0.5 / 2 * pixels_per_point
        taken.append(Bbox.from_extents(cx - half, cy - half, cx + half, cy + half))
    for ax in figure.axes:  # tick labels are text a name must not cover either
        taken += [t.get_window_extent(renderer) for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
    for axes, name, x, y, marker_area, size in items:
        radius = marker_area ** 0.5 / 2 + 2  # the marker's radius in points, plus a gap
        spots = [(radius, 0, "left"), (-radius, 0, "right"), (0, radius + 2, "center"), (0, -radius - 12, "center"),
                 (radius, radius + 8, "left"), (radius, -radius - 16, "left"), (-radius, radius + 8, "right"),
                 (-radius, -radius - 16, "right"), (0, radius + 16, "center"), (0, -radius - 26, "center")]
        # Further out, row by row, for crowds (four base-size encoders within 30% of each other's latency).
        spots += [(dx, sign * (radius + 13 * k), align) for k in range(2, 6) for sign in (1, -1)
                  for dx, align in ((0, "center"), (radius, "left"), (-radius, "right"))]
        chosen = None
        # First a free spot inside the plot, then a free spot anywhere on the figure (a crowded strip).
        for within in (axes.bbox, figure.bbox):
            for dx, dy, align in spots:
                label = axes.annotate(_short(name), (x, y), xytext=(dx, dy), textcoords="offset points", ha=align,
                                      va="bottom" if dy > 0 else ("top" if dy < 0 else "center"), fontsize=size,
                                      parse_math=False, zorder=4, color="#222222", annotation_clip=False)
                box = label.get_window_extent(renderer).expanded(1.04, 1.1)
                inside = within.contains(box.x0, box.y0) and within.contains(box.x1, box.y1)
                if inside and not any(box.overlaps(other) for other in taken):
                    chosen = (label, box)
                    break
                label.remove()
            if chosen is not None:
                break
        if chosen is None:
            dx, dy, align = spots[0]
            label = axes.annotate(_short(name), (x, y), xytext=(dx, dy), textcoords="offset points", ha=align,
                                  va="center", fontsize=size, parse_math=False, zorder=4, color="#222222")
            chosen = (label, label.get_window_extent(renderer))
        taken.append(chosen[1])


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
