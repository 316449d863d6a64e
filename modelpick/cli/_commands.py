"""The commands: each parses nothing, calls the API once, prints, and returns an exit code."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from modelpick.cli._options import CONSTRAINT_OPTIONS, TUNE_WORKER_OPTIONS, config_kwargs
from modelpick.cli._progress import progress_printer

__all__ = [
    "EXIT_INTERNAL", "EXIT_OK", "EXIT_UNMET", "EXIT_USAGE", "advise", "candidates", "compare", "gate", "init",
    "profile", "schema", "tune",
]

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_UNMET = 0, 1, 2, 3


def _sample(args: argparse.Namespace) -> Any:
    if args.demo:
        from modelpick.api import builtin_sample

        return builtin_sample()
    return args.data


def _report_files(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(path, format) of every report file asked for: ``--output`` in ``--format``, each ``--report`` by
    its suffix."""
    from modelpick.report import format_for_path

    files = [(args.output, "json" if args.json else args.format)] if args.output else []
    return files + [(path, format_for_path(path)) for path in args.report or ()]


def _check_output(args: argparse.Namespace) -> None:
    # Minutes of measuring must not end in "cannot write the report": check names and paths first.
    from modelpick._files import check_writable

    for path, _ in _report_files(args):
        check_writable(path, parameter="report" if path != args.output else "output", caller=args.command)
    if _logs_to_mlflow(args):
        from modelpick._mlflow import check_tracking

        # Log later to the store checked now, even if the environment changes meanwhile.
        args.mlflow_tracking_uri = check_tracking(tracking_uri=args.mlflow_tracking_uri,
                                                  experiment=args.mlflow_experiment, quiet=args.quiet)


def _logs_to_mlflow(args: argparse.Namespace) -> bool:
    # getattr: commands whose parser has no MLflow options (profile, tune) never log.
    return any(getattr(args, name, None) for name in ("mlflow", "mlflow_tracking_uri", "mlflow_experiment"))


def _log_to_mlflow(result: Any, args: argparse.Namespace, written: list[str]) -> bool:
    """Log the run to MLflow after the reports are written; a failure is one line, and the reports stay."""
    from modelpick._mlflow import log_to_mlflow, shown_uri
    from modelpick.exceptions import ModelpickError

    try:
        run_id = log_to_mlflow(result, report_files=written, tracking_uri=args.mlflow_tracking_uri,
                               experiment=args.mlflow_experiment)
    except ModelpickError as exc:
        if args.debug:
            raise
        kept = f" The reports were written ({', '.join(written)})." if written else ""
        print(f"error: {exc}{kept}", file=sys.stderr)
        return False
    if not args.quiet:
        print(f"logged MLflow run {run_id} to {shown_uri(args.mlflow_tracking_uri)}", file=sys.stderr)
    return True


def _emit(result: Any, args: argparse.Namespace, render: Any, *, satisfied: bool, fits_terminal: bool = False) -> int:
    """Print the report on stdout and write every report file; each format is rendered once.

    ``fits_terminal``: the text renderer takes a width and colours, used when stdout is a terminal.
    """
    from modelpick._files import write_atomically

    fmt = "json" if args.json else args.format
    recommendation = getattr(result, "recommendation", result)
    for warning in getattr(recommendation, "warnings", ()):
        print(f"warning: {warning}", file=sys.stderr)  # on stderr too: --json keeps stdout machine-readable
    if fmt == "text" and fits_terminal and sys.stdout.isatty():
        import shutil

        sys.stdout.write(render(result, fmt, color=True, width=shutil.get_terminal_size().columns))
    else:
        sys.stdout.write(render(result, fmt))
    rendered: dict[str, str] = {}
    files = _report_files(args)
    for path, file_format in files:
        if file_format not in rendered:
            rendered[file_format] = render(result, file_format)
        write_atomically(path, rendered[file_format])
        if not args.quiet:
            print(f"wrote {file_format} report to {path}", file=sys.stderr)
    if _logs_to_mlflow(args) and not _log_to_mlflow(result, args, [path for path, _ in files]):
        return EXIT_USAGE  # asked for and not done; like the same failure found before measuring
    return EXIT_OK if satisfied else EXIT_UNMET


def _render_recommendation(rec: Any, fmt: str, **options: Any) -> str:
    from modelpick.report import render

    return render(rec, fmt, **options)


def _render_comparison(comparison: Any, fmt: str) -> str:
    from modelpick.report.comparison import render_comparison

    return render_comparison(comparison, fmt)


def advise(args: argparse.Namespace) -> int:
    from modelpick.api import recommend

    _check_output(args)
    with progress_printer(args.quiet) as progress:
        rec = recommend(
            sample=_sample(args), profiles=args.profiles, progress=progress, **config_kwargs(args, "advise"),
        )
    return _emit(rec, args, _render_recommendation, satisfied=rec.satisfied, fits_terminal=True)


def compare(args: argparse.Namespace) -> int:
    from modelpick.api import compare as measure

    _check_output(args)
    kwargs = config_kwargs(args, "compare")
    names = [*args.names, *(kwargs.pop("candidates") or [])]  # positional names, then any --candidate
    with progress_printer(args.quiet) as progress:
        comparison = measure(names, _sample(args), progress=progress, **kwargs)
    return _emit(comparison, args, _render_comparison, satisfied=comparison.recommendation.satisfied)


def profile(args: argparse.Namespace) -> int:
    from modelpick.api import profile as measure
    from modelpick.report import profiles_table

    with progress_printer(args.quiet) as progress:
        profile_set = measure(sample=_sample(args), save=args.save, progress=progress, **config_kwargs(args, "profile"))
    sys.stdout.write(profile_set.to_json() + "\n" if args.json else profiles_table(profile_set))
    if args.save:
        if profile_set.profiles:
            print(f"saved {len(profile_set.profiles)} profiles to {args.save}", file=sys.stderr)
        else:
            print(f"nothing measured, so {args.save} was not written", file=sys.stderr)
    return EXIT_OK if profile_set.profiles else EXIT_UNMET


def tune(args: argparse.Namespace) -> int:
    from modelpick.api import tune as work
    from modelpick.report import tuning_table

    with progress_printer(args.quiet) as progress:
        summaries = work(
            max_trials=args.max_trials, progress=progress,
            **{name: getattr(args, name) for name in TUNE_WORKER_OPTIONS},
        )
    if args.json:
        sys.stdout.write(json.dumps([s.to_dict() for s in summaries], indent=2) + "\n")
    else:
        sys.stdout.write(tuning_table(summaries))
    return EXIT_OK if any(s.trials_complete for s in summaries) else EXIT_UNMET


def gate(args: argparse.Namespace) -> int:
    from modelpick.api import gate as check

    verdict = check(args.report, model=args.model, **{name: getattr(args, name) for name in CONSTRAINT_OPTIONS})
    sys.stdout.write(verdict.to_json() + "\n" if args.json else verdict.reason + "\n")
    return EXIT_OK if verdict.passed else EXIT_UNMET


def candidates(args: argparse.Namespace) -> int:
    from modelpick.api import available_candidates
    from modelpick.report import candidates_table

    rows = available_candidates()
    sys.stdout.write(json.dumps(rows, indent=2) + "\n" if args.json else candidates_table(rows))
    return EXIT_OK


def schema(args: argparse.Namespace) -> int:
    from modelpick.report import schema_text

    sys.stdout.write(schema_text(args.kind))
    return EXIT_OK


def init(args: argparse.Namespace) -> int:
    from pathlib import Path

    from modelpick._files import check_writable, write_atomically
    from modelpick.cli._starter import starter_config
    from modelpick.exceptions import InvalidParameterError

    if args.file == "-":
        sys.stdout.write(starter_config())
        return EXIT_OK
    target = Path(args.file).expanduser()
    if target.is_dir():
        raise InvalidParameterError(f"{args.file} is a directory; name the config file to write, e.g. "
                                    f"modelpick init {Path(args.file) / 'modelpick.toml'}")
    if target.exists() and not args.force:
        raise InvalidParameterError(f"{args.file} exists already; modelpick init leaves it as it is "
                                    "(--force replaces it)")
    write_atomically(check_writable(target, parameter="file", caller="init"), starter_config(args.file))
    print(f"wrote {args.file}; uncomment the options to set, then run: modelpick advise --config {args.file}",
          file=sys.stderr)
    return EXIT_OK
