"""Comparison pages (``modelpick compare``): the "X vs Y" shape people know, every number measured or cited.

The matrix is computed once (:func:`comparison_matrix`) and drawn by each format; the verdicts,
strengths, weaknesses and claim checks come from :mod:`modelpick.selection` with their rules.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from modelpick.exceptions import UnknownNameError
from modelpick.report import _format as fmt
from modelpick.report import _html as h
from modelpick.report._pareto import pareto_info
from modelpick.report.html import accuracy_provenance, environment_section, latency_detail, method_section, plot_section
from modelpick.results import CandidateResult, Comparison, ProfileResult, QualityEstimate
from modelpick.selection import COMPARED_METRICS, COST_MARGIN, profile_value

__all__ = ["COMPARISON_FORMATS", "MatrixCell", "MatrixRow", "comparison_matrix", "render_comparison"]


@dataclass(frozen=True)
class MatrixCell:
    text: str
    provenance: str | None = None  # "measured", "estimated", "published"; None for descriptions
    detail: str = ""  # how it was obtained, or the citation


@dataclass(frozen=True)
class MatrixRow:
    label: str
    cells: tuple[MatrixCell, ...]  # one per compared candidate, in order
    best: int | None = None  # the index of the best figure, when it leads by the comparison rules' margin


_NONE = MatrixCell("-")


def _megabytes(value: float) -> str:
    # Two decimals below 1 MB, as the strengths and weaknesses print them: "<1 MB" hides a 10x difference.
    return f"{value:,.1f} MB" if value >= 1 else f"{value:.2f} MB"


def _best(values: list[float | None], lower_is_better: bool) -> int | None:
    """The index of the figure that leads the runner-up by :data:`COST_MARGIN`, the rule the strengths and
    weaknesses follow (so the page never bolds a lead its verdict calls a tie); ``None`` when none does.

    Example:
        >>> _best([10.0, 10.3, 30.0], lower_is_better=True) is None, _best([10.0, 12.0], lower_is_better=True)
        (True, 0)
    """
    known = [(v, i) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return None
    (lead, index), (runner_up, _) = (sorted(known) if lower_is_better else sorted(known, reverse=True))[:2]
    better, worse = (lead, runner_up) if lower_is_better else (runner_up, lead)
    if better == worse:
        return None
    return index if better <= 0 or worse / better >= COST_MARGIN else None


def _clearly_most_accurate(estimates: list[QualityEstimate | None]) -> int | None:
    """The index of the estimate whose interval lies above every other's, the rule of the accuracy strength;
    ``None`` when the intervals overlap or one is missing."""
    known = [(q, i) for i, q in enumerate(estimates) if q is not None and q.accuracy is not None]
    if len(known) < 2 or any(q.accuracy_low is None or q.accuracy_high is None for q, _ in known):
        return None
    top, index = max(known, key=lambda pair: pair[0].accuracy or 0.0)
    others = [q for q, i in known if i != index]
    return index if all((top.accuracy_low or 0.0) > (q.accuracy_high or 0.0) for q in others) else None


def _accuracy(q: QualityEstimate | None) -> MatrixCell:
    if q is None or q.accuracy is None:
        return MatrixCell("unknown" if q is not None else "-")
    known = q.accuracy_low is not None and q.accuracy_high is not None
    interval = f" [{q.accuracy_low:.3f}-{q.accuracy_high:.3f}]" if known else ""
    return MatrixCell(f"{q.accuracy:.3f}{interval} {q.method}", *accuracy_provenance(q))


def comparison_matrix(cmp: Comparison) -> tuple[MatrixRow, ...]:
    """The rows of the comparison matrix: what each model is, its cost, its accuracy, published scores."""
    rec = cmp.recommendation
    results = [rec.result(name) for name in cmp.candidates]

    def row(label: str, cell: Callable[[CandidateResult], MatrixCell],
            value: Callable[[CandidateResult], float | None] | None = None, lower_is_better: bool = True) -> MatrixRow:
        best = _best([value(r) for r in results], lower_is_better) if value is not None else None
        return MatrixRow(label, tuple(cell(r) for r in results), best)

    def accuracy_row(label: str, estimate: Callable[[CandidateResult], QualityEstimate | None]) -> MatrixRow:
        cells = tuple(_accuracy(estimate(r)) for r in results)
        return MatrixRow(label, cells, _clearly_most_accurate([estimate(r) for r in results]))

    # The five figures the strengths and weaknesses are judged on are read as selection reads them.
    judged = {m.key: m.value for m in COMPARED_METRICS}

    def measured(value: Callable[[CandidateResult], float | None], show: Callable[[float], str],
                 detail: Callable[[ProfileResult], str]) -> tuple[Callable[[CandidateResult], MatrixCell],
                                                                   Callable[[CandidateResult], float | None]]:
        def cell(r: CandidateResult) -> MatrixCell:
            v = value(r)
            return _NONE if v is None or r.profile is None else MatrixCell(show(v), "measured", detail(r.profile))

        return cell, value

    def published_parameters(r: CandidateResult) -> MatrixCell:
        if not r.candidate.published_parameters:
            return _NONE
        return MatrixCell(fmt.parameter_figure(r.candidate.published_parameters), "published",
                          r.candidate.published_parameters_source or "catalog")

    def cost(p: ProfileResult) -> float | None:
        return 1000 / p.throughput_per_s * p.num_threads if p.throughput_per_s > 0 else None

    rows = [
        row("Family", lambda r: MatrixCell(r.candidate.family)),
        row("Weights", lambda r: MatrixCell(r.candidate.weights_source or "-", None, r.candidate.weights_detail or "")),
        row("Status", lambda r: MatrixCell(r.status if r.status == "ok" else f"{r.status}: {r.reason}")),
    ]
    rows.append(row("Parameters (counted here)", *measured(
        judged["parameters"], lambda v: fmt.parameter_figure(int(v)), lambda p: "parameters counted on the loaded model"
    )))
    rows.append(row("Parameters (published)", published_parameters))
    batch = rec.constraints.latency_batch_size
    specs: list[tuple[str, Callable[[CandidateResult], float | None], Callable[[float], str],
                      Callable[[ProfileResult], str], bool]] = [
        ("Size on disk", judged["size-on-disk"], _megabytes, lambda p: "size of the weight files on disk", True),
        (f"Latency p50, batch {batch}", judged["latency"], lambda v: f"{v:.2f} ms",
         lambda p: latency_detail(rec, p, "p50"), True),
        (f"Latency p90, batch {batch}", profile_value(lambda p: p.latency.p90_ms), lambda v: f"{v:.2f} ms",
         lambda p: latency_detail(rec, p, "p90"), True),
        ("Throughput", judged["throughput"], lambda v: f"{v:,.0f} examples/s",
         lambda p: f"at batch size {p.throughput_batch_size}, {p.num_threads} threads", False),
        ("Peak memory", judged["memory"], _megabytes,
         lambda p: "peak memory above a baseline process that imported the same libraries", True),
        ("Cost: core-seconds per 1,000 examples", profile_value(cost), lambda v: f"{v:,.2f} s",
         lambda p: f"1,000 / measured throughput x {p.num_threads} threads (batch {p.throughput_batch_size}); "
         "multiply by your price per core-second", True),
    ]
    for label, value, show, detail, lower in specs:
        rows.append(row(label, *measured(value, show, detail), lower))

    rows.append(accuracy_row("Accuracy on your data (probe or CV)", lambda r: r.quality))
    if any(r.fine_tuned is not None for r in results):
        rows.append(accuracy_row("Accuracy on your data (fine-tuned)", lambda r: r.fine_tuned))
    metrics = sorted({f.metric for r in results for f in r.candidate.published})
    for metric in metrics:
        def published(r: CandidateResult, metric: str = metric) -> MatrixCell:
            figure = next((f for f in r.candidate.published if f.metric == metric), None)
            if figure is None:
                return _NONE
            return MatrixCell(f"{figure.value:.3f} ({figure.split})", "published", figure.citation)

        rows.append(row(f"{metric} (published benchmark)", published))
    return tuple(rows)


def _title(cmp: Comparison) -> str:
    return " vs ".join(cmp.candidates)


# -- text and Markdown ---------------------------------------------------------------------------------------

_MARK_LETTER = {"measured": "m", "estimated": "e", "published": "p"}


def _cell_text(cell: MatrixCell) -> str:
    letter = _MARK_LETTER.get(cell.provenance or "")
    return f"{cell.text} ({letter})" if letter else cell.text


def _legend() -> str:
    return "(m) measured here on this machine and your data; (e) estimated by the named method; (p) published."


def _sources(cmp: Comparison, matrix: tuple[MatrixRow, ...]) -> list[str]:
    """The citation of every published figure in the matrix, once each."""
    seen: dict[str, None] = {}
    for row in matrix:
        for name, cell in zip(cmp.candidates, row.cells, strict=True):
            if cell.provenance == "published" and cell.detail:
                seen.setdefault(f"{name}, {row.label}: {cell.detail}", None)
    return list(seen)


def _claim_word(holds: bool | None) -> str:
    return {True: "holds here", False: "does not hold here", None: "cannot tell here"}[holds]


def comparison_text(cmp: Comparison) -> str:
    from rich.console import Console
    from rich.table import Table

    rec = cmp.recommendation
    matrix = comparison_matrix(cmp)
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None, highlight=False)

    def say(text: str = "") -> None:
        console.print(text, markup=False, soft_wrap=True)

    say(f"modelpick compare: {_title(cmp)}")
    say(f"Data:    {fmt.data_line(rec)}")
    say(f"Machine: {fmt.machine_line(rec)}")
    say()
    say("Verdict")
    for verdict in cmp.verdicts:
        say(f"  {verdict.sentence}")
    table = Table(header_style="bold")
    table.add_column("", no_wrap=True)
    for name in cmp.candidates:
        table.add_column(name, overflow="fold")
    for row in matrix:
        table.add_row(row.label, *(_cell_text(c) + (" *" if i == row.best else "") for i, c in enumerate(row.cells)))
    console.print(table)
    say(f"  {_legend()} * marks the best figure of a row.")
    for name in cmp.candidates:
        say(f"{name}")
        for trait in cmp.traits_of(name, "strength"):
            say(f"  + {trait.text} [rule: {trait.rule}]")
        for trait in cmp.traits_of(name, "weakness"):
            say(f"  - {trait.text} [rule: {trait.rule}]")
    if cmp.claims:
        say("Claims often made, checked here")
        for claim in cmp.claims:
            say(f"  '{claim.claim}': {_claim_word(claim.holds)}. {claim.measured}")
    sources = _sources(cmp, matrix)
    if sources:
        say("Published figures")
        for source in sources:
            say(f"  {source}")
    say("How these numbers were obtained")
    for line in fmt.notes(rec):
        say(f"  - {line}")
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def comparison_markdown(cmp: Comparison) -> str:
    rec = cmp.recommendation
    matrix = comparison_matrix(cmp)
    lines = [
        f"# {_md(_title(cmp))}",
        "",
        f"Measured by modelpick {rec.modelpick_version}. Data: {_md(fmt.data_line(rec))}. "
        f"Machine: {_md(fmt.machine_line(rec))}.",
        "",
        "## Verdict",
        "",
        *(f"- {_md(v.sentence)}" for v in cmp.verdicts),
        "",
        "## Comparison matrix",
        "",
        "| | " + " | ".join(f"`{_md(n)}`" for n in cmp.candidates) + " |",
        "|---|" + "---|" * len(cmp.candidates),
    ]
    for row in matrix:
        cells = (_md(_cell_text(c)) if i != row.best else f"**{_md(_cell_text(c))}**" for i, c in enumerate(row.cells))
        lines.append(f"| {_md(row.label)} | " + " | ".join(cells) + " |")
    lines += ["", _legend() + " Bold marks the best figure of a row.", ""]
    for name in cmp.candidates:
        lines += [f"## `{_md(name)}`", ""]
        lines += [f"- Strength: {_md(t.text)} *(rule: {_md(t.rule)})*" for t in cmp.traits_of(name, "strength")]
        lines += [f"- Weakness: {_md(t.text)} *(rule: {_md(t.rule)})*" for t in cmp.traits_of(name, "weakness")]
        lines.append("")
    if cmp.claims:
        lines += ["## Claims often made, checked here", "", "| claim | here | what was measured |", "|---|---|---|"]
        lines += [f"| {_md(c.claim)} | {_claim_word(c.holds)} | {_md(c.measured)} |" for c in cmp.claims]
        lines.append("")
    sources = _sources(cmp, matrix)
    if sources:
        lines += ["## Published figures", "", *(f"- {_md(s)}" for s in sources), ""]
    lines += ["## How these numbers were obtained", "", *(f"- {_md(n)}" for n in fmt.notes(rec))]
    return "\n".join(lines) + "\n"


# -- HTML ------------------------------------------------------------------------------------------------------


def _html_cell(cell: MatrixCell, best: bool) -> h.Markup:
    content = h.number(cell.text, cell.provenance, cell.detail) if cell.provenance else (
        h.tag("span", cell.text, title=cell.detail) if cell.detail else h.escape(cell.text)
    )
    return h.tag("strong", content) if best else content


def comparison_html(cmp: Comparison) -> str:
    rec = cmp.recommendation
    matrix = comparison_matrix(cmp)
    headers = ["", *(h.model_name(n) for n in cmp.candidates)]
    rows = ([h.tag("strong", row.label), *(_html_cell(c, i == row.best) for i, c in enumerate(row.cells))]
            for row in matrix)
    cards = []
    for name in cmp.candidates:
        items = [h.Markup(h.tag("span", "+ ", class_="strength") + t.text + " " + h.tag("span", f"(rule: {t.rule})",
                                                                                         class_="note"))
                 for t in cmp.traits_of(name, "strength")]
        items += [h.Markup(h.tag("span", "− ", class_="weakness") + t.text + " " + h.tag("span", f"(rule: {t.rule})",
                                                                                          class_="note"))
                  for t in cmp.traits_of(name, "weakness")]
        body = h.bullets(items) if items else h.tag("p", "No strength or weakness passes the rules.", class_="note")
        cards.append(h.Markup('<div class="card">') + h.tag("h3", h.model_name(name)) + body + h.Markup("</div>"))
    sections: list[object] = [
        h.Markup("<header>") + h.tag("h1", _title(cmp))
        + h.tag("p", f"Measured on this machine and your data by modelpick {rec.modelpick_version}: "
                     f"{fmt.data_line(rec)}. {fmt.machine_line(rec)}.", class_="meta") + h.Markup("</header>"),
        h.section("verdict", "Verdict", *(h.tag("p", v.sentence, class_="pair") for v in cmp.verdicts)
                  or (h.tag("p", "No two candidates were both measured, so there is no verdict.", class_="note"),)),
        h.section("matrix", "Comparison matrix", h.PROVENANCE_LEGEND,
                  h.table(headers, rows, numeric=tuple(range(1, len(headers))), class_="wide matrix"),
                  h.tag("p", "Bold marks the best figure of a row.", class_="note")),
        h.section("traits", "Strengths and weaknesses",
                  h.tag("p", "Derived from the measurements above by the rule shown with each; no prose is "
                             "written by hand.", class_="note"),
                  h.Markup('<div class="cols">') + h.join(cards) + h.Markup("</div>")),
    ]
    if cmp.claims:
        claim_rows = ([c.claim, _claim_word(c.holds), c.measured] for c in cmp.claims)
        sections.append(h.section("claims", "Claims often made, checked here",
                                  h.table(["claim", "here", "what was measured"], claim_rows, class_="wide")))
    sources = _sources(cmp, matrix)
    if sources:
        sections.append(h.section("sources", "Published figures", h.bullets(sources)))
    sections += [plot_section(pareto_info(rec)), method_section(rec), environment_section(rec)]
    return h.page(f"{_title(cmp)}: measured by modelpick", sections)


def comparison_json(cmp: Comparison) -> str:
    return cmp.to_json() + "\n"


COMPARISON_FORMATS: dict[str, Callable[[Comparison], str]] = {
    "html": comparison_html,
    "json": comparison_json,
    "markdown": comparison_markdown,
    "text": comparison_text,
}


def render_comparison(comparison: Comparison, format: str = "text") -> str:  # noqa: A002 - as render()
    """Render ``comparison`` as ``format`` (``"text"``, ``"markdown"``, ``"html"`` or ``"json"``)."""
    renderer = COMPARISON_FORMATS.get(format)
    if renderer is None:
        raise UnknownNameError(
            f"Unknown report format {format!r}. Choose one of: {', '.join(sorted(COMPARISON_FORMATS))}."
        )
    return renderer(comparison)
