"""``modelpick`` command line: a thin layer over :mod:`modelpick.api`.

Exit codes: 0 a candidate meets the constraints; 3 none does (the report still says what came
closest); 2 bad usage or input (one line on stderr, no traceback unless ``--debug``); 1 internal error.
``--json`` prints machine-readable output on stdout; progress always goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from modelpick import exceptions

__all__ = ["main"]

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_UNMET = 0, 1, 2, 3
_INPUT_ERRORS = (
    exceptions.InvalidParameterError,
    exceptions.DataError,
    exceptions.UnknownNameError,
    exceptions.MissingDependencyError,
)


# Python parameter names whose CLI option is not simply --name-with-dashes.
_OPTION_NAMES = {
    "num_threads": "--threads",
    "random_state": "--seed",
    "candidates": "--candidate",
    "estimate_quality": "--no-quality",
    "allow_download": "--offline",
}


def _cli_message(exc: BaseException) -> str:
    """Speak of options, not Python parameters: "The --max-latency-ms option must be ..."."""
    import re

    def option(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"The {_OPTION_NAMES.get(name, '--' + name.replace('_', '-'))} option"

    # An option left out is None; a value typed on the command line never is, so "or None" only confuses.
    return re.sub(r"The '(\w+)' parameter of \w+", option, str(exc)).replace(" or None. Got", ". Got")


class _UsageError(Exception):
    """argparse found bad usage; carries argparse's one-line message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse would print the whole usage block and exit; we want one line and our exit code.
        raise _UsageError(f"{self.prog}: {message}. See '{self.prog} --help'.")


# --- shared options ---------------------------------------------------------------------------------

def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data")
    source = group.add_mutually_exclusive_group()
    source.add_argument("--data", metavar="FILE", help="sample file: .csv, .tsv, .jsonl, .json or .parquet")
    source.add_argument("--demo", action="store_true", help="use the built-in labelled demo sample")
    group.add_argument("--task", default="text-classification", help="task name (default: text-classification)")
    group.add_argument("--text-column", metavar="NAME", help="column holding the texts (default: detected)")
    group.add_argument("--label-column", metavar="NAME", help="column holding the labels (default: detected)")


def _add_measure_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("measurement")
    group.add_argument("--candidate", action="append", metavar="NAME",
                       help="catalog name, baseline, Hub id or local path; repeat for several (default: the catalog + baselines)")
    group.add_argument("--threads", type=_integer, metavar="N", help="torch threads per candidate (default: all usable CPUs)")
    group.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="default: auto (CUDA when present)")
    group.add_argument("--timeout-s", type=_number, default=600.0, metavar="S", help="limit per candidate process (default 600)")
    group.add_argument("--max-profile-time-s", type=_number, default=4.0, metavar="S",
                       help="time cap of one latency measurement loop (default 4)")
    group.add_argument("--throughput-batch-size", type=_integer, default=16, metavar="N", help="default 16")
    group.add_argument("--seed", type=_integer, default=0, help="random_state for every random choice (default 0)")
    group.add_argument("--offline", action="store_true", help="never download weights from the Hugging Face Hub")
    group.add_argument("--trust-remote-code", action="store_true", help="allow model code from the Hub (off by default)")


def _add_output_options(parser: argparse.ArgumentParser, *, formats: bool = True) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--json", action="store_true", help="print JSON on stdout (progress stays on stderr)")
    if formats:
        group.add_argument("--format", choices=("text", "markdown", "json"), default="text", help="report format (default text)")
        group.add_argument("--output", metavar="FILE", help="also write the report to FILE")
    group.add_argument("--quiet", action="store_true", help="no progress on stderr")
    group.add_argument("--debug", action="store_true", help="show tracebacks")


# --- progress ---------------------------------------------------------------------------------------

class _ProgressBar:
    """A rich progress bar over candidates on stderr, for terminals."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=False,
        )
        self._task: Any = None

    def __call__(self, event: Any) -> None:
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task("", total=event.total)
        if event.stage == "finish":
            self._progress.update(self._task, description="done")
            self._progress.stop()
            return
        if event.stage in ("done", "failed"):
            if event.stage == "failed":
                self._progress.console.print(f"{event.candidate}: FAILED: {event.message}", markup=False)
            self._progress.advance(self._task)
            return
        stage = {"start": "starting", "resolve": "finding weights", "profile": "measuring cost",
                 "estimate": "estimating accuracy"}.get(event.stage, event.stage)
        self._progress.update(self._task, description=f"{event.candidate}: {stage}")


def _progress_printer(quiet: bool) -> Callable[[Any], None] | None:
    """Progress on stderr: a bar on a terminal, one line per step in logs (CI), nothing with --quiet."""
    if quiet:
        return None
    if sys.stderr.isatty():
        return _ProgressBar()
    started: dict[str, float] = {}

    def show(event: Any) -> None:
        prefix = f"[{event.index + 1}/{event.total}] {event.candidate}"
        if event.stage == "start":
            started[event.candidate] = time.perf_counter()
            print(f"{prefix} ...", file=sys.stderr, flush=True)
        elif event.stage in ("profile", "estimate"):
            print(f"{prefix}: {'measuring cost' if event.stage == 'profile' else 'estimating accuracy'}",
                  file=sys.stderr, flush=True)
        elif event.stage in ("done", "failed"):
            seconds = time.perf_counter() - started.get(event.candidate, time.perf_counter())
            outcome = "ok" if event.stage == "done" else f"FAILED: {event.message}"
            print(f"{prefix}: {outcome} ({seconds:.1f} s)", file=sys.stderr, flush=True)

    return show


# --- commands ---------------------------------------------------------------------------------------

def _sample_argument(args: argparse.Namespace) -> Any:
    if getattr(args, "demo", False):
        from modelpick.api import builtin_sample

        return builtin_sample()
    return args.data


def _measure_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return dict(
        candidates=args.candidate,
        num_threads=args.threads,
        device=args.device,
        timeout_s=args.timeout_s,
        max_profile_time_s=args.max_profile_time_s,
        throughput_batch_size=args.throughput_batch_size,
        random_state=args.seed,
        allow_download=not args.offline,
        trust_remote_code=args.trust_remote_code,
    )


def _write_output(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)


def _emit_recommendation(rec: Any, args: argparse.Namespace) -> int:
    from modelpick.report import render

    fmt = "json" if args.json else args.format
    options: dict[str, Any] = {}
    if fmt == "text" and sys.stdout.isatty():
        import shutil

        options = {"color": True, "width": shutil.get_terminal_size().columns}
    text = render(rec, fmt, **options)
    sys.stdout.write(text)
    if args.output:
        _write_output(args.output, render(rec, fmt) if fmt == "text" else text)
    return EXIT_OK if rec.satisfied else EXIT_UNMET


def _cmd_advise(args: argparse.Namespace) -> int:
    from modelpick.api import recommend

    rec = recommend(
        args.task,
        _sample_argument(args),
        max_latency_ms=args.max_latency_ms,
        max_memory_mb=args.max_memory_mb,
        min_accuracy=args.min_accuracy,
        latency_percentile=args.latency_percentile,
        text_column=args.text_column,
        label_column=args.label_column,
        profiles=args.profiles,
        test_size=args.test_size,
        estimate_quality=not args.no_quality,
        progress=_progress_printer(args.quiet),
        **_measure_kwargs(args),
    )
    return _emit_recommendation(rec, args)


def _cmd_compare(args: argparse.Namespace) -> int:
    from modelpick.api import recommend

    args.candidate = [*args.candidates, *(args.candidate or [])]  # positional names, then any --candidate
    rec = recommend(
        args.task,
        _sample_argument(args),
        text_column=args.text_column,
        label_column=args.label_column,
        progress=_progress_printer(args.quiet),
        **_measure_kwargs(args),
    )
    return _emit_recommendation(rec, args)


def _cmd_profile(args: argparse.Namespace) -> int:
    from modelpick.api import profile

    profile_set = profile(
        args.task,
        _sample_argument(args),
        text_column=args.text_column,
        save=args.save,
        progress=_progress_printer(args.quiet),
        **_measure_kwargs(args),
    )
    if args.json:
        sys.stdout.write(profile_set.to_json() + "\n")
    else:
        for p in profile_set.profiles:
            memory = f"{p.peak_rss_mb:.0f} MB" if p.peak_rss_mb is not None else "-"
            print(f"{p.candidate:45s} p50 {p.latency.p50_ms:8.2f} ms  p90 {p.latency.p90_ms:8.2f} ms  "
                  f"{p.throughput_per_s:8.0f}/s @{p.throughput_batch_size}  {memory}")
        for name, reason in profile_set.failed.items():
            print(f"{name:45s} FAILED: {reason}")
    if args.save:
        if profile_set.profiles:
            print(f"saved {len(profile_set.profiles)} profiles to {args.save}", file=sys.stderr)
        else:
            print(f"nothing measured, so {args.save} was not written", file=sys.stderr)
    return EXIT_OK if profile_set.profiles else EXIT_UNMET


def _cmd_candidates(args: argparse.Namespace) -> int:
    import json

    from modelpick.api import available_candidates

    rows = available_candidates()
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    for row in rows:
        params = row.get("published_parameters")
        params_text = f"{params / 1e6:6.1f}M" if params else "      -"
        figures = "; ".join(f"{f['metric']} {f['value']:.3f} ({f['split']})" for f in row.get("published", []))
        print(f"{row['name']:40s} {row['kind']:11s} {row['family']:30s} {params_text}  {figures}")
    return EXIT_OK


def _build_parser() -> _Parser:
    from modelpick._version import __version__

    parser = _Parser(prog="modelpick", description="Choose which model to deploy, from measurements on your hardware and data.")
    parser.add_argument("--version", action="version", version=f"modelpick {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    advise = sub.add_parser("advise", help="measure candidates and recommend one",
                            description="Profile candidates on this machine, estimate accuracy on your sample, and rank them.")
    _add_data_options(advise)
    group = advise.add_argument_group("constraints")
    group.add_argument("--max-latency-ms", type=_number, metavar="MS", help="limit on batch-1 latency at --latency-percentile")
    group.add_argument("--max-memory-mb", type=_number, metavar="MB", help="limit on peak memory above the baseline process")
    group.add_argument("--min-accuracy", type=_number, metavar="A", help="floor on estimated accuracy (0..1)")
    group.add_argument("--latency-percentile", default="p90", choices=("p50", "p90", "p95", "p99"), help="default p90")
    advise.add_argument("--profiles", metavar="FILE", help="use profiles recorded with 'modelpick profile --save' instead of measuring here")
    advise.add_argument("--test-size", type=_number, default=0.25, metavar="F", help="held-out fraction (default 0.25)")
    advise.add_argument("--no-quality", action="store_true", help="measure cost only; skip accuracy estimates")
    _add_measure_options(advise)
    _add_output_options(advise)
    advise.set_defaults(handler=_cmd_advise)

    compare = sub.add_parser("compare", help="measure named candidates side by side, no constraints")
    compare.add_argument("candidates", nargs="+", metavar="CANDIDATE")
    _add_data_options(compare)
    _add_measure_options(compare)
    _add_output_options(compare)
    compare.set_defaults(handler=_cmd_compare)

    prof = sub.add_parser("profile", help="measure cost only and save it, to advise elsewhere")
    _add_data_options(prof)
    prof.add_argument("--save", metavar="FILE", help="write the profiles as JSON (for 'advise --profiles FILE')")
    _add_measure_options(prof)
    _add_output_options(prof, formats=False)
    prof.set_defaults(handler=_cmd_profile)

    cands = sub.add_parser("candidates", help="list the default candidates and their published figures")
    cands.add_argument("--json", action="store_true", help="print JSON")
    cands.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    cands.set_defaults(handler=_cmd_candidates)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script exits with it)."""
    parser = _build_parser()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return int(args.handler(args))
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _INPUT_ERRORS as exc:
        if debug:
            raise
        print(f"error: {_cli_message(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, exit 1
        if debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
