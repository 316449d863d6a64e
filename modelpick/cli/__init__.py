"""``modelpick`` command line: a thin layer over :mod:`modelpick.api`.

Exit codes: 0 a candidate meets the constraints; 3 none does (the report still says what came
closest); 2 bad usage or input (one line on stderr, no traceback unless ``--debug``); 1 internal error.
``--json`` prints machine-readable output on stdout; progress always goes to stderr; ``schema`` prints
the JSON Schema that output follows.

The options of ``advise``, ``compare`` and ``profile`` are built from
:class:`~modelpick.config.AdviseConfig` (see :mod:`modelpick.cli._options`).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from modelpick import exceptions
from modelpick._mlflow import DEFAULT_EXPERIMENT
from modelpick.cli import _commands
from modelpick.cli._commands import EXIT_INTERNAL, EXIT_OK, EXIT_UNMET, EXIT_USAGE
from modelpick.cli._options import (
    TUNE_WORKER_OPTIONS,
    StoreGiven,
    add_config_options,
    add_constraint_overrides,
    add_declared_options,
    apply_config_file,
    flag_for,
)

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_UNMET", "EXIT_USAGE", "build_parser", "main"]

_INPUT_ERRORS = (
    exceptions.InvalidParameterError,
    exceptions.DataError,
    exceptions.UnknownNameError,
    exceptions.MissingDependencyError,
    exceptions.ModelFileError,  # a local model directory the user named is unreadable or corrupt
    exceptions.TuningError,  # a storage that cannot be opened or holds no study: the user's to fix
    exceptions.UnsafeModelError,  # a model named by the user that would run code unless allowed: theirs to decide
)


class _UsageError(Exception):
    """argparse found bad usage; carries argparse's one-line message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse would print the whole usage block and exit; we want one line and our exit code.
        raise _UsageError(f"{self.prog}: {message}. See '{self.prog} --help'.")


def _add_output_options(parser: argparse.ArgumentParser, *, report: bool = True) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--json", action="store_true", help="print JSON on stdout (progress stays on stderr)")
    if report:
        group.add_argument("--format", choices=("text", "markdown", "html", "json"), default="text",
                           help="format of the report on stdout (default: text)")
        group.add_argument("--output", metavar="FILE", help="also write the report to FILE (checked before measuring)")
        group.add_argument(
            "--report", metavar="FILE", action="append",
            help="write a report file whose format follows its name: .html (one self-contained page with the "
            "Pareto plot), .md, .json or .txt; repeat for several (checked before measuring)",
        )
        _add_mlflow_options(group)
    group.add_argument("--quiet", action="store_true", help="no progress on stderr")
    group.add_argument("--debug", action="store_true", help="show tracebacks")


def _add_mlflow_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--mlflow", action="store_true",
        help="log the run to MLflow after the reports are written: options as parameters, each candidate's "
        "figures as metrics, the report files and the JSON as artifacts; to MLFLOW_TRACKING_URI, else MLflow's "
        "default (needs pip install 'modelpick[mlflow]'; checked before measuring)",
    )
    group.add_argument("--mlflow-tracking-uri", metavar="URI",
                       help="log to this MLflow tracking URI instead, e.g. sqlite:///mlflow.db (implies --mlflow)")
    group.add_argument("--mlflow-experiment", metavar="NAME",
                       help="the MLflow experiment, created if missing (implies --mlflow; default: "
                       f"MLFLOW_EXPERIMENT_NAME, else '{DEFAULT_EXPERIMENT}')")


def build_parser() -> argparse.ArgumentParser:
    """The ``modelpick`` argument parser, with one sub-parser per command."""
    from modelpick._version import __version__
    from modelpick.report import SCHEMAS

    parser = _Parser(prog="modelpick",
                     description="Choose which model to deploy, from measurements on your hardware and data.")
    parser.add_argument("--version", action="version", version=f"modelpick {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    advise = sub.add_parser(
        "advise", help="measure candidates and recommend one",
        description="Profile candidates on this machine, estimate accuracy on your sample, and rank them.",
    )
    add_config_options(advise, "advise")
    advise.add_argument("--profiles", metavar="FILE", action=StoreGiven,
                        help="use profiles recorded with 'modelpick profile --save' instead of measuring here")
    _add_output_options(advise)
    advise.set_defaults(handler=_commands.advise)

    compare = sub.add_parser(
        "compare", help="measure two or more candidates side by side: matrix, verdict, strengths and weaknesses",
        description="Measure the named candidates on this machine and your data, and compare them as 'X vs Y' "
        "pages do, with every number measured here or cited: a comparison matrix, a verdict for each pair, "
        "strengths and weaknesses by stated rules, and common claims checked against the measurements.",
    )
    compare.add_argument("names", nargs="+", metavar="CANDIDATE")
    add_config_options(compare, "compare")
    _add_output_options(compare)
    compare.set_defaults(handler=_commands.compare)

    prof = sub.add_parser("profile", help="measure cost only and save it, to advise elsewhere")
    add_config_options(prof, "profile")
    prof.add_argument("--save", metavar="FILE",
                      help="write the profiles as JSON (for 'advise --profiles FILE'; checked before measuring)")
    _add_output_options(prof, report=False)
    prof.set_defaults(handler=_commands.profile)

    tune = sub.add_parser(
        "tune", help="run more trials of the studies an 'advise --tune' started (any machine, shared storage)",
        description="Join the Optuna studies under --study in --storage as one more worker. The data, the "
        "candidate and the search space are read from each study; run 'advise --tune' with the same options "
        "afterwards to use the new trials.",
    )
    add_declared_options(tune, TUNE_WORKER_OPTIONS, title="studies")
    tune.add_argument("--max-trials", type=int, metavar="N", help="most trials this worker runs (default: until done)")
    _add_output_options(tune, report=False)
    tune.set_defaults(handler=_commands.tune)

    gate = sub.add_parser(
        "gate", help="check a model against the constraints a saved report records, without measuring",
        description="Exit 0 when --model (default: the report's recommendation) meets the constraints the JSON "
        "report records, by its recorded figures; otherwise exit 3 with one line saying why. The same check as "
        "the report's own, so an unchanged report gives its own verdict. Nothing is measured.",
    )
    gate.add_argument("--report", metavar="FILE", required=True,
                      help="JSON of 'modelpick advise --report FILE.json' (or of 'compare --json')")
    gate.add_argument("--model", metavar="NAME", help="the candidate to check (default: the one the report recommends)")
    add_constraint_overrides(
        gate, title="tighter constraints",
        description="Each may only tighten the report's constraint (a lower limit, a higher accuracy floor or "
        "percentile); one the report lacks is added. A looser value is an error (exit 2).",
    )
    gate.add_argument("--json", action="store_true", help="print the verdict as JSON")
    gate.add_argument("--debug", action="store_true", help="show tracebacks")
    gate.set_defaults(handler=_commands.gate)

    cands = sub.add_parser("candidates", help="list the default candidates and their published figures")
    cands.add_argument("--json", action="store_true", help="print JSON")
    cands.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    cands.set_defaults(handler=_commands.candidates)

    schema = sub.add_parser(
        "schema", help="print the JSON Schema of modelpick's JSON output",
        description="Print the JSON Schema (draft 2020-12) that the JSON of KIND follows: 'advise' for "
        "'modelpick advise --json' and Recommendation.to_json(), 'compare' for 'modelpick compare --json' and "
        "Comparison.to_json(). The documents carry its version as "
        "schema_version: a newer minor version only adds fields, a newer major one changes them.",
    )
    schema.add_argument("kind", nargs="?", default="advise", choices=sorted(SCHEMAS), metavar="KIND",
                        help=f"which document: {', '.join(sorted(SCHEMAS))} (default: advise)")
    schema.set_defaults(handler=_commands.schema)

    init = sub.add_parser(
        "init", help="write a commented starter config file, for --config",
        description="Write a TOML file with every option of advise, compare, profile and tune, each with its "
        "help and commented out at its default; uncomment a line to set it, then run "
        "'modelpick advise --config FILE'. Flags given on the command line override the file.",
    )
    init.add_argument("file", nargs="?", default="modelpick.toml", metavar="FILE",
                      help="where to write it; - prints it (default: modelpick.toml)")
    init.add_argument("--force", action="store_true", help="replace FILE if it exists")
    init.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    init.set_defaults(handler=_commands.init)
    return parser


def _cli_message(exc: BaseException) -> str:
    """Speak of options, not Python parameters: "The --max-latency-ms option must be ..."."""
    if isinstance(exc, exceptions.InvalidParameterError) and exc.parameter is not None:
        from modelpick._validation import parameter_message

        # An option left out is None; a value typed on the command line never is, so "or None" only confuses.
        return parameter_message(f"The {flag_for(exc.parameter)} option", exc.allowed, exc.value)
    return str(exc)


def _one_line_warnings(show_others: Callable[..., None]) -> Callable[..., None]:
    """A ``warnings.showwarning`` printing modelpick's own warnings (an unusable cache file, ...) as one
    ``warning:`` line each, and passing any other warning to ``show_others``."""
    from modelpick.exceptions import CacheWarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None,
             line: str | None = None) -> None:
        if issubclass(category, CacheWarning):
            print(f"warning: {message}", file=sys.stderr)
        else:
            show_others(message, category, filename, lineno, file, line)

    return show


class _Terminated(KeyboardInterrupt):
    """SIGTERM, stopped like Ctrl-C: a CI job cancelled or timed out sends it, and the run must still end its
    children, remove their temporary files and keep what finished (Python's default would end at once)."""


def _stop_on_sigterm(signum: int, frame: Any) -> NoReturn:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script exits with it)."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        return _main(argv)
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return _main(argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        apply_config_file(args)
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warnings(warnings.showwarning)
            return int(args.handler(args))
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _INPUT_ERRORS as exc:
        if debug:
            raise
        print(f"error: {_cli_message(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        # The notes say what the run kept (profiles saved, trials left in the storage).
        terminated = isinstance(exc, _Terminated)
        print("; ".join(["terminated" if terminated else "interrupted", *getattr(exc, "__notes__", ())]),
              file=sys.stderr)
        # 128 + the signal, as shells report a command ended by it.
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
    except Exception as exc:
        if debug:
            raise
        from modelpick._errors import one_line

        print(f"internal error: {one_line(exc)} (run with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
