"""The HTML report: one self-contained page with the recommendation, its Pareto plot and every figure's
provenance, in the order a reader decides: what to deploy, under which limits, the trade-off, the
ranking, what was rejected and why, the tuning, and the machine it was measured on."""

from __future__ import annotations

from typing import Any, ClassVar

from modelpick.report import _format as fmt
from modelpick.report import _html as h
from modelpick.report._base import Renderer
from modelpick.report._pareto import ParetoInfo, pareto_info
from modelpick.report._plot import pareto_svg
from modelpick.results import CandidateResult, ProfileResult, QualityEstimate, Recommendation

__all__ = ["HtmlRenderer"]


class HtmlRenderer(Renderer):
    """A single HTML file: inline styles and an inline SVG plot; it loads nothing from anywhere."""

    name: ClassVar[str] = "html"
    media_type: ClassVar[str] = "text/html"

    def render(self, recommendation: Recommendation) -> str:
        rec = recommendation
        info = pareto_info(rec)
        best = rec.ranked[0].name if rec.ranked else None
        title = f"modelpick: {rec.task}" + (f", {best} recommended" if best else ", no candidate meets the constraints")
        body = [
            h.Markup("<header>") + h.tag("h1", f"modelpick · {rec.task}")
            + h.tag("p", f"{fmt.data_line(rec)}. Created {rec.created_at} by modelpick {rec.modelpick_version}.",
                    class_="meta") + h.Markup("</header>"),
            recommendation_section(rec),
            constraints_section(rec),
            plot_section(info),
            ranking_section(rec, info),
            rejected_section(rec),
            prescreen_section(rec),
            tuning_section(rec),
            variants_section(rec),
            method_section(rec),
            environment_section(rec),
        ]
        return h.page(title, (b for b in body if b))


# -- provenance of each kind of figure -------------------------------------------------------------------


def cost_source(rec: Recommendation, profile: ProfileResult) -> str:
    """Where a cost figure came from: this run's measurement or a saved profiles file."""
    where = f"{profile.num_threads} torch threads, {profile.device}, on {rec.environment.cpu_model}"
    if "profiling" not in rec.settings:
        return f"recorded earlier by 'modelpick profile' ({where}) and read from the saved profiles file"
    return where


def latency_detail(rec: Recommendation, profile: ProfileResult, percentile: str) -> str:
    return (
        f"{percentile} of {profile.latency.n} timed calls at batch size {profile.batch_size} over the sample's "
        f"token lengths (p50 {profile.lengths.p50:.0f}, p90 {profile.lengths.p90:.0f}), after warm-up, in a fresh "
        f"process; {cost_source(rec, profile)}"
    )


def accuracy_provenance(q: QualityEstimate) -> tuple[str, str]:
    """Where an accuracy comes from, as (kind, detail): measured on the held-out split, estimated by a
    method, or published with its citation."""
    if q.provenance == "published":
        return "published", q.citation or q.note or q.method
    if q.provenance == "measured":
        held_out = f" on {q.n_test} held-out texts of your sample" if q.n_test else " on your sample"
        return "measured", f"accuracy of a {q.method}{held_out}; 95% bootstrap interval"
    return "estimated", f"{q.method}: {q.note}" if q.note else q.method


def accuracy_cell(q: QualityEstimate | None) -> h.Markup:
    if q is None or q.accuracy is None:
        return h.escape("unknown" if q is not None else "not estimated")
    interval = (
        f" [{q.accuracy_low:.3f}–{q.accuracy_high:.3f}]" if q.accuracy_low is not None and q.accuracy_high is not None
        else ""
    )
    return h.Markup(h.escape(f"{q.accuracy:.3f}{interval}") + h.provenance_mark(*accuracy_provenance(q)))


def cost_cells(rec: Recommendation, result: CandidateResult) -> list[h.Markup]:
    """p50, the constrained percentile, throughput, memory, parameters and size on disk, each marked."""
    p, pct = result.profile, rec.constraints.latency_percentile
    if p is None:
        return [h.escape("-")] * 6
    noisy = " ~" if p.latency.noisy else ""
    memory_detail = (
        "peak GPU memory allocated by the model" if p.memory_on_gpu
        else "peak RSS of the measuring process above a baseline process that only imported the same libraries"
    )
    return [
        h.number(f"{p.latency.p50_ms:.2f}", "measured", latency_detail(rec, p, "p50")),
        h.number(f"{p.latency.percentile_ms(pct):.2f}{noisy}", "measured", latency_detail(rec, p, pct)),
        h.number(f"{p.throughput_per_s:,.0f} @{p.throughput_batch_size}", "measured",
                 f"examples per second at batch size {p.throughput_batch_size}; {cost_source(rec, p)}"),
        h.number(fmt.memory_figure(p), "measured", f"{memory_detail}; {cost_source(rec, p)}"),
        h.number(fmt.parameter_figure(p.parameters), "measured", "parameters counted on the loaded model"),
        h.number("-" if p.weights_on_disk_mb is None else f"{p.weights_on_disk_mb:,.1f}", "measured",
                 "size of the weight files on disk"),
    ]


# -- sections, in reading order ---------------------------------------------------------------------------


def recommendation_section(rec: Recommendation) -> h.Markup:
    warnings = [h.tag("p", f"Warning: {warning}", class_="warning") for warning in rec.warnings]
    if rec.ranked:
        top = rec.ranked[0]
        verdict = h.Markup("Recommended: ") + h.model_name(top.name)
        return h.section("recommendation", "Recommendation", h.tag("p", verdict, class_="verdict ok"),
                         h.tag("p", top.reason), *warnings)
    text = "No candidate meets the constraints."
    detail = fmt.verdict(rec).removeprefix(text).strip()
    return h.section("recommendation", "Recommendation", h.tag("p", text, class_="verdict none"),
                     h.tag("p", detail) if detail else "", *warnings)


def constraints_section(rec: Recommendation) -> h.Markup:
    c, s = rec.constraints, rec.sample
    pct = c.latency_percentile
    if s is not None:
        q = s.token_length_quantiles
        lengths = (f"the token lengths of your sample, p50 {q.get('p50', 0):.0f} and p90 {q.get('p90', 0):.0f} "
                   f"pieces, counted by {s.token_length_method};")
    else:
        lengths = "the token lengths of the built-in sample"
    latency_meaning = (
        f"the {pct} of single forward passes (or predict calls) at batch size {c.latency_batch_size}, over {lengths} "
        f"timed after warm-up in a fresh process per candidate with {rec.config.get('num_threads')} torch threads "
        f"on {rec.config.get('device')}"
    )
    held_out = f"scored on the {s.n_test} held-out texts" if s is not None and s.n_test else "scored on your sample"
    rows: list[tuple[object, object]] = [
        ("Latency", (f"{pct} ≤ {c.max_latency_ms:g} ms" if c.max_latency_ms is not None else "no limit")
         + f": {latency_meaning}"),
        ("Memory", (f"≤ {c.max_memory_mb:g} MB" if c.max_memory_mb is not None else "no limit")
         + ": peak memory of the measuring process above a baseline process that imported the same libraries "
           "(GPU memory allocated, on a GPU)"),
        ("Accuracy", (f"≥ {c.min_accuracy:g}" if c.min_accuracy is not None else "no floor")
         + f": {rec.quality_basis}; {held_out}, with a 95% bootstrap interval. "
           "A candidate of unknown accuracy cannot meet a floor."),
        ("Data", fmt.data_line(rec)),
    ]
    if s is not None:
        columns = f"text column {s.text_column!r}" + (f", label column {s.label_column!r}" if s.label_column else "")
        counts = ", ".join(f"{label} ({count})" for label, count in s.class_counts.items())
        rows.append(("Classes", f"{counts}; {columns}"))
    return h.section("constraints", "Constraints and what they refer to", h.key_values(rows))


def plot_section(info: ParetoInfo) -> h.Markup:
    caption = (
        f"Accuracy against {info.latency_label}; marker area is peak memory; bars are 95% intervals; dashed lines "
        f"are the limits and the shaded side breaks them. {info.front_line()}"
    )
    parts: list[object] = [h.figure_svg(pareto_svg(info), caption)] if info.points else [
        h.tag("p", "Nothing to plot: no candidate has a measured cost.", class_="note")
    ]
    if info.unplaced:
        parts.append(h.tag("p", "Not plotted: " + "; ".join(f"{n} ({why})" for n, why in info.unplaced) + ".",
                           class_="note"))
    return h.section("pareto", "Trade-off: accuracy, latency and memory", *parts)


def _row(rec: Recommendation, result: CandidateResult, info: ParetoInfo) -> list[object]:
    estimate = result.estimate
    accuracy = accuracy_cell(estimate) if result.status == "ok" else h.escape(result.status)
    if estimate is not None and estimate.accuracy is not None:
        # How it was obtained, under the figure: a column of its own made the table too wide to read.
        accuracy = h.Markup(accuracy + h.Markup("<br>") + h.tag("span", estimate.basis, class_="note"))
    return [
        str(rec.rank_of(result.name) or "-"),
        h.model_name(result.name),
        accuracy,
        *cost_cells(rec, result),
        result.candidate.weights_source or "-",
        "yes" if info.on_front(result.name) else "",
    ]


def _headers(rec: Recommendation) -> list[str]:
    pct = rec.constraints.latency_percentile
    return ["#", "candidate", "accuracy [95% CI], basis", "p50 ms", f"{pct} ms", "examples/s @batch", "memory MB",
            "parameters", "disk MB", "weights", "front"]


_NUMERIC = (0, 2, 3, 4, 5, 6, 7, 8)


def ranking_section(rec: Recommendation, info: ParetoInfo) -> h.Markup:
    ranked = [rec.result(r.name) for r in rec.ranked]
    if not ranked:
        return h.section("ranking", "Ranked candidates", h.tag("p", "No candidate meets the constraints.",
                                                                class_="note"))
    table = h.table(_headers(rec), (_row(rec, r, info) for r in ranked), numeric=_NUMERIC, class_="wide")
    why = h.bullets((h.Markup(h.model_name(r.name) + h.escape(f": {r.reason}")) for r in rec.ranked),
                    ordered=True)
    return h.section("ranking", "Ranked candidates", h.PROVENANCE_LEGEND, table, h.tag("h3", "Why this order"), why,
                     citations(rec))


def citations(rec: Recommendation) -> h.Markup:
    cited = sorted({(r.name, r.estimate.citation) for r in rec.results
                    if r.estimate is not None and r.estimate.provenance == "published" and r.estimate.citation})
    if not cited:
        return h.Markup("")
    return h.Markup(h.tag("h3", "Published figures") + h.bullets(f"{name}: {citation}" for name, citation in cited))


def rejected_section(rec: Recommendation) -> h.Markup:
    if not rec.rejected:
        return h.Markup("")
    pct = rec.constraints.latency_percentile
    rows = []
    for rejection in rec.rejected:
        result = rec.result(rejection.name)
        cells = cost_cells(rec, result)
        rows.append([
            h.model_name(rejection.name),
            "; ".join(rejection.reasons),
            accuracy_cell(result.estimate) if result.status == "ok" else h.escape("-"),
            cells[1], cells[3],
        ])
    table = h.table(["candidate", "why rejected", "accuracy [95% CI]", f"{pct} ms", "memory MB"], rows,
                    numeric=(2, 3, 4), class_="wide")
    return h.section("rejected", "Rejected candidates", table)


def prescreen_section(rec: Recommendation) -> h.Markup:
    headers = fmt.prescreen_headers(rec)
    if not headers:
        return h.Markup("")
    rows = (
        [h.model_name(name),
         *(h.number(c, "estimated", f"{header} on the probe's frozen training features") for header, c in
           zip(headers, cells, strict=True))]
        for name, cells in fmt.prescreen_rows(rec)
    )
    table = h.table(["candidate", *headers], rows, numeric=tuple(range(1, len(headers) + 1)))
    return h.section("prescreen", fmt.PRESCREEN_TITLE, table)


def tuning_section(rec: Recommendation) -> h.Markup:
    rows = fmt.tuning_rows(rec)
    if not rows and rec.tuning is None:
        return h.Markup("")
    marked = [
        [h.model_name(row[0]),
         h.number(row[1], "measured", "linear probe on the held-out split"),
         h.number(row[2], "measured", "best trial's model, scored once on the held-out split"),
         *row[3:6],
         h.number(row[6], "measured", "validation accuracy of the best trials (20% of the training split)"),
         h.number(row[7], "measured", "wall-clock seconds of this candidate's study in this run"),
         row[8]]
        for row in rows
    ]
    table = h.table(fmt.TUNING_HEADERS, marked, numeric=(1, 2, 4, 6, 7), class_="wide")
    return h.section("tuning", fmt.TUNING_TITLE, table, h.bullets(fmt.tuning_lines(rec)))


def variants_section(rec: Recommendation) -> h.Markup:
    """Each transformer row's runtime and, for a variant, its accuracy against the eager row (paired)."""
    if not fmt.variant_lines(rec):
        return h.Markup("")
    rows = []
    for result in rec.results:
        if result.candidate.variant is None:
            continue
        d = result.accuracy_delta
        delta: object = h.escape("-")
        if d is not None:
            delta = h.number(f"{d.delta:+.3f} [{d.low:+.3f}, {d.high:+.3f}]", "measured",
                             f"accuracy minus {d.versus}'s on the same {d.n} held-out texts; 95% {d.method}")
        rows.append([h.model_name(result.name), result.candidate.variant or "-", fmt.runtime_text(result),
                     result.status if result.status == "ok" else f"{result.status}: {result.reason}", delta])
    table = h.table(["candidate", "variant", "runtime", "status", "accuracy vs eager [95% paired CI]"], rows,
                    numeric=(4,), class_="wide")
    return h.section("variants", fmt.VARIANTS_TITLE, table)


def method_section(rec: Recommendation) -> h.Markup:
    extra = [*fmt.ratio_lines(rec), *fmt.measurement_lines(rec), *([fmt.duration_line(rec)] if rec.durations_s else [])]
    parts: list[object] = [h.bullets([*fmt.notes(rec), *extra])]
    for name, settings in rec.settings.items():
        parts.append(h.Markup("<details>") + h.tag("summary", f"{name} settings")
                     + h.key_values(sorted((k, _plain(v)) for k, v in settings.items())) + h.Markup("</details>"))
    return h.section("method", "How these numbers were obtained", *parts)


def environment_section(rec: Recommendation) -> h.Markup:
    e = rec.environment
    gpu = "none" if not e.gpu_name else (
        e.gpu_name + (f", {e.gpu_memory_mb:,.0f} MB" if e.gpu_memory_mb is not None else "")
    )
    rows: list[tuple[object, object]] = [
        ("CPU", f"{e.cpu_model}: {e.logical_cpus} logical CPUs, {e.usable_cpus} usable by this process"),
        ("Memory", f"{e.total_memory_mb:,.0f} MB"),
        ("GPU", gpu),
        ("Torch threads", str(rec.config.get("num_threads"))),
        ("Device", str(rec.config.get("device"))),
        ("Seed", str(rec.config.get("random_state"))),
        ("Platform", e.platform),
        ("Python", e.python),
        ("Libraries", ", ".join(f"{k} {v}" for k, v in sorted(e.library_versions.items())) or "-"),
        ("modelpick", rec.modelpick_version),
        ("Created", rec.created_at),
    ]
    options = h.Markup("<details>") + h.tag("summary", "All options as used") + h.key_values(
        sorted((k, _plain(v)) for k, v in rec.config.items())
    ) + h.Markup("</details>")
    return h.section("environment", "Environment", h.key_values(rows), options)


def _plain(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "-"
    return "-" if value is None else str(value)
