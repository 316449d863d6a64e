"""The terminal report: a rich table with the verdict, rejections and how the numbers were made."""

from __future__ import annotations

import io
from typing import ClassVar, Literal

from modelpick.report import _format as fmt
from modelpick.report._base import Renderer
from modelpick.report._pareto import pareto_info
from modelpick.results import Recommendation

__all__ = ["TextRenderer"]


class TextRenderer(Renderer):
    """Plain-text (optionally coloured) report for a terminal."""

    name: ClassVar[str] = "text"
    media_type: ClassVar[str] = "text/plain"

    def __init__(self, *, width: int | None = None, color: bool = False) -> None:
        # No width: wide enough that the table never wraps (files, CI logs); terminals pass theirs.
        self.width = width
        self.color = color

    def render(self, recommendation: Recommendation) -> str:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        rec = recommendation
        buffer = io.StringIO()
        console = Console(
            file=buffer, width=self.width or 200, force_terminal=self.color,
            color_system="standard" if self.color else None, highlight=False,
        )
        console.print(f"[bold]modelpick[/bold] · {rec.task}")
        console.print(f"Data:        {fmt.data_line(rec)}", markup=False, soft_wrap=True)
        console.print(f"Machine:     {fmt.machine_line(rec)}", markup=False, soft_wrap=True)
        console.print(f"Constraints: {fmt.constraint_line(rec)}", markup=False, soft_wrap=True)
        console.print()
        console.print(fmt.verdict(rec), style="bold green" if rec.ranked else "bold red", markup=False, soft_wrap=True)
        for warning in rec.warnings:
            console.print(f"Warning: {warning}", style="yellow", markup=False, soft_wrap=True)
        console.print()

        pct = rec.constraints.latency_percentile
        table = Table(show_lines=False, header_style="bold", expand=False)
        columns: list[tuple[str, Literal["left", "center", "right"]]] = [
            ("#", "right"), ("candidate", "left"), ("accuracy", "right"), ("95% CI", "center"), ("basis", "left"),
            ("p50 ms", "right"), (f"{pct} ms", "right"), ("/s @batch", "right"), ("mem MB", "right"),
            ("params", "right"), ("weights", "left"), ("front", "center"),
        ]
        for header, justify in columns:
            table.add_column(header, justify=justify, no_wrap=True)
        info = pareto_info(rec)
        for result in rec.in_rank_order():
            p = result.profile
            table.add_row(
                str(rec.rank_of(result.name) or "-"),
                escape(result.name),  # a name is text, not markup: rich would swallow " [int8]" as a style tag
                *(fmt.accuracy_columns(result) if result.status == "ok" else (result.status, "", "")),
                f"{p.latency.p50_ms:.2f}" if p else "-",
                f"{p.latency.percentile_ms(pct):.2f}" + (" ~" if p.latency.noisy else "") if p else "-",
                f"{p.throughput_per_s:.0f} @{p.throughput_batch_size}" if p else "-",
                fmt.memory_cell(result),
                fmt.parameter_figure(p.parameters) if p else "-",
                escape(result.candidate.weights_source or "-"),
                "*" if info.on_front(result.name) else "",
            )
        console.print(table)
        console.print(info.front_line(), markup=False, soft_wrap=True)

        if rec.ranked:
            console.print("[bold]Why this order[/bold]")
            for ranked in rec.ranked:
                console.print(f"  {ranked.rank}. {ranked.name}: {ranked.reason}", markup=False, soft_wrap=True)
        if rec.rejected:
            console.print("[bold]Rejected[/bold]")
            for rejection in rec.rejected:
                console.print(f"  {rejection.name}: {'; '.join(rejection.reasons)}", markup=False, soft_wrap=True)
        prescreen_headers = fmt.prescreen_headers(rec)
        if prescreen_headers:
            console.print(fmt.PRESCREEN_TITLE, style="bold", markup=False, soft_wrap=True)
            prescreen = Table(show_lines=False, header_style="bold", expand=False)
            prescreen.add_column("candidate", justify="left", no_wrap=True)
            for header in prescreen_headers:
                prescreen.add_column(header, justify="right", no_wrap=True)
            for name, cells in fmt.prescreen_rows(rec):
                prescreen.add_row(escape(name), *cells)
            console.print(prescreen)
        tuning_rows = fmt.tuning_rows(rec)
        if tuning_rows or rec.tuning is not None:
            console.print(fmt.TUNING_TITLE, style="bold", markup=False, soft_wrap=True)
            tuning = Table(show_lines=False, header_style="bold", expand=False)
            for header in fmt.TUNING_HEADERS:
                tuning.add_column(header, justify="left", no_wrap=header != "outcome")
            for row in tuning_rows:
                tuning.add_row(*(escape(cell) for cell in row))
            console.print(tuning)
            for line in fmt.tuning_lines(rec):
                console.print(f"  {line}", markup=False, soft_wrap=True)
        variants = fmt.variant_lines(rec)
        if variants:
            console.print(fmt.VARIANTS_TITLE, style="bold", markup=False, soft_wrap=True)
            for line in variants:
                console.print(f"  {line}", markup=False, soft_wrap=True)
        ratios = fmt.ratio_lines(rec)
        if ratios:
            console.print("[bold]Latency ratios[/bold]")
            for line in ratios:
                console.print(f"  {line}", markup=False, soft_wrap=True)
        console.print("[bold]How these numbers were obtained[/bold]")
        for line in fmt.notes(rec):
            console.print(f"  - {line}", markup=False, soft_wrap=True)
        for line in fmt.measurement_lines(rec):
            console.print(f"  - {line}", markup=False, soft_wrap=True)
        if rec.durations_s:
            console.print(f"  - {fmt.duration_line(rec)}", markup=False, soft_wrap=True)
        legend = "  ~ marks a noisy latency; * marks the Pareto front (accuracy, latency, memory)."
        console.print(legend, markup=False, soft_wrap=True)
        # Trailing spaces rich pads lines with are noise in files and diffs.
        return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"

