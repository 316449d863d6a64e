"""The commands: each parses nothing, calls the API once, prints, and returns an exit code."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from modelpick.cli._options import TUNE_WORKER_OPTIONS, config_kwargs
from modelpick.cli._progress import progress_printer

__all__ = [
    "EXIT_INTERNAL", "EXIT_OK", "EXIT_UNMET", "EXIT_USAGE", "advise", "candidates", "compare", "profile", "schema",
    "tune",
]

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_UNMET = 0, 1, 2, 3


def _sample(args: argparse.Namespace) -> Any:
    if args.demo:
        from modelpick.api import builtin_sample

        return builtin_sample()
    return args.data


def _check_output(args: argparse.Namespace) -> None:
    # Minutes of measuring must not end in "cannot write the report": check the path first.
    if args.output is not None:
        from modelpick._files import check_writable

        check_writable(args.output, parameter="output", caller=args.command)


def _emit_recommendation(rec: Any, args: argparse.Namespace) -> int:
    from modelpick._files import write_atomically
    from modelpick.report import render

    fmt = "json" if args.json else args.format
    options: dict[str, Any] = {}
    if fmt == "text" and sys.stdout.isatty():
        import shutil

        options = {"color": True, "width": shutil.get_terminal_size().columns}
    text = render(rec, fmt, **options)
    sys.stdout.write(text)
    if args.output:
        write_atomically(args.output, render(rec, fmt) if options else text)
    return EXIT_OK if rec.satisfied else EXIT_UNMET


def advise(args: argparse.Namespace) -> int:
    from modelpick.api import recommend

    _check_output(args)
    rec = recommend(
        sample=_sample(args), profiles=args.profiles, progress=progress_printer(args.quiet),
        **config_kwargs(args, "advise"),
    )
    return _emit_recommendation(rec, args)


def compare(args: argparse.Namespace) -> int:
    from modelpick.api import recommend

    _check_output(args)
    kwargs = config_kwargs(args, "compare")
    kwargs["candidates"] = [*args.names, *(kwargs["candidates"] or [])]  # positional names, then any --candidate
    rec = recommend(sample=_sample(args), progress=progress_printer(args.quiet), **kwargs)
    return _emit_recommendation(rec, args)


def profile(args: argparse.Namespace) -> int:
    from modelpick.api import profile as measure
    from modelpick.report import profiles_table

    profile_set = measure(
        sample=_sample(args), save=args.save, progress=progress_printer(args.quiet), **config_kwargs(args, "profile")
    )
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

    summaries = work(
        max_trials=args.max_trials, progress=progress_printer(args.quiet),
        **{name: getattr(args, name) for name in TUNE_WORKER_OPTIONS},
    )
    if args.json:
        sys.stdout.write(json.dumps([s.to_dict() for s in summaries], indent=2) + "\n")
    else:
        sys.stdout.write(tuning_table(summaries))
    return EXIT_OK if any(s.trials_complete for s in summaries) else EXIT_UNMET


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
