"""A Markdown report, for pull-request comments and CI summaries."""

from __future__ import annotations

from typing import ClassVar

from modelpick.report import _format as fmt
from modelpick.report._base import Renderer
from modelpick.report._pareto import pareto_info
from modelpick.results import Recommendation

__all__ = ["MarkdownRenderer"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


class MarkdownRenderer(Renderer):
    """GitHub-flavoured Markdown: verdict, one table, rejections, pre-screen scores, method notes."""

    name: ClassVar[str] = "markdown"
    media_type: ClassVar[str] = "text/markdown"

    def render(self, recommendation: Recommendation) -> str:
        rec = recommendation
        pct = rec.constraints.latency_percentile
        lines = [
            f"# modelpick: {rec.task}",
            "",
            f"**{_cell(fmt.verdict(rec))}**",
            "",
            *(f"> Warning: {_cell(w)}" for w in rec.warnings),
            *([""] if rec.warnings else []),
            f"- Data: {_cell(fmt.data_line(rec))}",
            f"- Machine: {_cell(fmt.machine_line(rec))}",
            f"- Constraints: {_cell(fmt.constraint_line(rec))}",
            "",
            f"| # | candidate | accuracy | 95% CI | basis | p50 ms | {pct} ms | mem MB | weights | Pareto |",
            "|---:|---|---:|:---:|---|---:|---:|---:|---|:---:|",
        ]
        info = pareto_info(rec)
        for result in rec.in_rank_order():
            p = result.profile
            lines.append(
                "| " + " | ".join(
                    _cell(x) for x in (
                        str(rec.rank_of(result.name) or "-"),
                        f"`{result.name}`",
                        *(fmt.accuracy_columns(result) if result.status == "ok" else (result.status, "", "")),
                        f"{p.latency.p50_ms:.2f}" if p else "-",
                        f"{p.latency.percentile_ms(pct):.2f}" if p else "-",
                        fmt.memory_cell(result),
                        result.candidate.weights_source or "-",
                        "yes" if info.on_front(result.name) else "",
                    )
                ) + " |"
            )
        lines += ["", _cell(info.front_line())]
        if rec.ranked:
            lines += ["", "## Why this order", ""]
            lines += [f"{r.rank}. `{r.name}`: {r.reason}" for r in rec.ranked]
        if rec.rejected:
            lines += ["", "## Rejected", ""]
            lines += [f"- `{r.name}`: {'; '.join(r.reasons)}" for r in rec.rejected]
        prescreen_headers = fmt.prescreen_headers(rec)
        if prescreen_headers:
            lines += ["", f"## {fmt.PRESCREEN_TITLE}", ""]
            lines.append("| candidate | " + " | ".join(_cell(h) for h in prescreen_headers) + " |")
            lines.append("|---|" + "---:|" * len(prescreen_headers))
            lines += [
                "| " + " | ".join((f"`{_cell(name)}`", *(_cell(c) for c in cells))) + " |"
                for name, cells in fmt.prescreen_rows(rec)
            ]
        tuning_rows = fmt.tuning_rows(rec)
        if tuning_rows or rec.tuning is not None:
            lines += ["", f"## {fmt.TUNING_TITLE}", ""]
            lines.append("| " + " | ".join(fmt.TUNING_HEADERS) + " |")
            lines.append("|---|" + "---:|" * 3 + "---|" * (len(fmt.TUNING_HEADERS) - 4))
            lines += [
                "| " + " | ".join((f"`{_cell(row[0])}`", *(_cell(c) for c in row[1:]))) + " |" for row in tuning_rows
            ]
            lines += [""] + [f"- {_cell(line)}" for line in fmt.tuning_lines(rec)]
        variants = fmt.variant_lines(rec)
        if variants:
            lines += ["", f"## {fmt.VARIANTS_TITLE}", ""]
            lines += [f"- {_cell(line)}" for line in variants]
        ratios = fmt.ratio_lines(rec)
        if ratios:
            lines += ["", "## Latency ratios", ""]
            lines += [f"- {_cell(line)}" for line in ratios]
        lines += ["", "## How these numbers were obtained", ""]
        lines += [f"- {line}" for line in fmt.notes(rec)]
        lines += [f"- {_cell(line)}" for line in fmt.measurement_lines(rec)]
        if rec.durations_s:
            lines.append(f"- {fmt.duration_line(rec)}")
        return "\n".join(lines) + "\n"
