"""The Pareto information is computed once and every renderer draws the same data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from modelpick.report import pareto_figure, pareto_info, render
from modelpick.report._plot import pareto_svg
from modelpick.testing.factories import make_recommendation, make_result


@pytest.fixture
def rec():
    return make_recommendation(
        (
            make_result("fast", accuracy=0.88, p90_ms=8, memory_mb=100),
            make_result("accurate", accuracy=0.95, p90_ms=30, memory_mb=400),  # breaks the latency limit
            make_result("dominated", accuracy=0.85, p90_ms=12, memory_mb=150),  # worse than "fast" in all three
            make_result("lean", accuracy=0.80, p90_ms=15, memory_mb=20),  # on the front by memory, below the floor
            make_result("random-arch", accuracy=None, p90_ms=4, weights_source="architecture-only"),
            make_result("crashy", status="failed", reason="timed out after 30 s"),
        ),
        max_latency_ms=20.0, min_accuracy=0.82, max_memory_mb=500,
    )


def test_points_carry_what_the_plot_draws(rec):
    info = pareto_info(rec)
    by_name = {p.name: p for p in info.points}
    assert [p.name for p in info.points] == ["random-arch", "fast", "dominated", "lean", "accurate"]  # fastest first
    assert by_name["fast"].kind == "front" and by_name["fast"].rank == 1
    assert by_name["dominated"].kind == "feasible" and not by_name["dominated"].on_front
    assert by_name["accurate"].kind == "infeasible" and by_name["accurate"].on_front
    assert by_name["lean"].kind == "infeasible" and by_name["lean"].on_front
    assert by_name["random-arch"].kind == "unknown accuracy" and by_name["random-arch"].accuracy is None
    assert by_name["fast"].latency_ms == 8 and by_name["fast"].memory_mb == 100
    assert (by_name["fast"].accuracy_low, by_name["fast"].accuracy_high) == pytest.approx((0.85, 0.91))
    assert by_name["fast"].accuracy_basis == "linear-probe"
    assert info.unplaced == (("crashy", "failed: timed out after 30 s"),)
    assert (info.max_latency_ms, info.min_accuracy, info.max_memory_mb) == (20.0, 0.82, 500)
    assert info.latency_label == "p90 latency at batch 1 (ms)"


def test_the_front_is_the_decision_s_not_recomputed(rec):
    info = pareto_info(rec)
    assert set(info.front) == set(rec.pareto_front)
    assert info.front == ("fast", "lean", "accurate")  # in latency order


def test_every_renderer_marks_the_same_front(rec):
    info = pareto_info(rec)
    text = render(rec, "text")
    markdown = render(rec, "markdown")
    html = render(rec, "html")
    for document in (text, markdown, html):
        assert "Pareto front (higher accuracy, lower p90 latency, lower memory): fast, lean, accurate" in document
    starred = {line.split("│")[2].strip() for line in text.splitlines() if line.count("│") > 10 and "*" in line}
    assert starred == set(info.front)
    flagged = {row.split("|")[2].strip(" `") for row in markdown.splitlines()
               if row.startswith("|") and row.rstrip().endswith("| yes |")}
    assert flagged == set(info.front)


def test_the_plot_draws_each_kind_the_limits_and_every_label(rec):
    svg = pareto_svg(pareto_info(rec))
    ET.fromstring(svg)  # well-formed SVG
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for label in ("fast", "accurate", "dominated", "lean", "random-arch", "on the Pareto front",
                  "meets the constraints", "breaks a constraint", "max p90 latency 20 ms", "min accuracy 0.82"):
        assert any(label in t for t in texts), label
    assert any("limit 500 MB" in t for t in texts)
    assert "accuracy on your data (95% interval)" in texts
    assert "p90 latency at batch 1 (ms)" in texts


def test_the_plot_is_deterministic_and_needs_no_network(rec):
    info = pareto_info(rec)
    svg = pareto_svg(info)
    assert svg == pareto_svg(info)
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert not re.search(r'(?:href|src)="https?://', svg)


def test_names_with_markup_quotes_and_dollars_are_text_in_the_plot():
    name = 'my "quoted" $x$ <b>model'
    rec = make_recommendation((make_result(name, accuracy=0.9, p90_ms=5), make_result("other", p90_ms=9)))
    svg = pareto_svg(pareto_info(rec))
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert name in texts  # shown literally: no mathtext for $x$, no element for <b>
    assert "<b>" not in svg


def test_pareto_figure_is_a_matplotlib_figure_for_notebooks(rec):
    from matplotlib.figure import Figure

    figure = pareto_figure(rec)
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 2  # the plot and the strip of unknown accuracies


def test_nothing_measured_gives_an_empty_plot_with_a_message():
    rec = make_recommendation((make_result("crashy", status="failed", reason="boom"),))
    info = pareto_info(rec)
    assert info.points == ()
    assert "Nothing to plot" in render(rec, "html")
    assert info.front_line().startswith("Pareto front: none")
