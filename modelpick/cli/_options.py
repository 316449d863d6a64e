"""The CLI's options, built from the one declaration of each option (:class:`~modelpick.config.AdviseConfig`).

A flag's name, default, allowed values and help all come from the field that declares the option, so
the CLI cannot drift from :func:`~modelpick.recommend`; :func:`config_kwargs` hands every one of them on.
"""

from __future__ import annotations

import argparse
import sys
from numbers import Integral
from typing import Any

from modelpick._validation import Duration, Interval, Option, Options, StrSequence, declared_options, parse_duration
from modelpick.config import AdviseConfig
from modelpick.constraints import Constraints

__all__ = [
    "CONSTRAINT_OPTIONS", "TUNE_WORKER_OPTIONS", "StoreGiven", "add_config_options", "add_constraint_overrides",
    "add_declared_options", "apply_config_file", "config_kwargs", "flag_for", "flag_of", "group_of",
]

# The options a `modelpick tune` worker takes, from the same declarations as advise's.
TUNE_WORKER_OPTIONS = (
    "storage", "study", "time_budget_s", "num_threads", "device", "trust_remote_code", "allow_pickle",
)

# The constraint options, declared on Constraints: `gate` takes them to tighten a report's recorded ones. Not
# the batch size: it is the shape the report's figures were measured at, which no check afterwards can change.
CONSTRAINT_OPTIONS = tuple(name for name in declared_options(Constraints) if name != "latency_batch_size")

_DATA_OPTIONS = ("task", "text_column", "label_column", "test_size")
_TUNING_OPTIONS = ("tune", "tune_top_k", "tune_trials", "time_budget_s", "storage", "study")


def _number(text: str) -> float:
    # An integer stays one, so an error quotes the value as typed ("Got -5", not "Got -5.0").
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# Where a parsed Namespace keeps the options given on the command line: a --config file sets the others.
_GIVEN = "options_given"
_CONFIG_HELP = (
    "read options from this TOML file; its keys are recommend()'s argument names (write a starter one with "
    "'modelpick init'); flags given here override it"
)


def _mark_given(namespace: argparse.Namespace, dest: str) -> None:
    setattr(namespace, _GIVEN, {*getattr(namespace, _GIVEN, ()), dest})


class StoreGiven(argparse.Action):
    """``store``, remembering that the flag was given."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        _mark_given(namespace, self.dest)


class _Append(argparse.Action):
    """``append``, remembering that the flag was given."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or ()), values])
        _mark_given(namespace, self.dest)


class _Switch(argparse.Action):
    """``store_true`` or ``store_false`` (the opposite of ``default``), remembering that the flag was given."""

    def __init__(self, option_strings: list[str], dest: str, default: bool = False, help: str | None = None) -> None:  # noqa: A002
        super().__init__(option_strings, dest, nargs=0, const=not default, default=default, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, self.const)
        _mark_given(namespace, self.dest)


def flag_of(name: str, spec: Option) -> str:
    """The command-line flag of option ``name``: ``--seed`` for ``random_state``, else ``--name-with-dashes``."""
    return spec.flag or "--" + name.replace("_", "-")


def flag_for(parameter: str) -> str:
    """The flag that sets API parameter ``parameter``: a declared option's flag, else ``--name-with-dashes``
    (``save``, ``output``, ``profiles``: the CLI names its own options after the API's parameters).

    Example:
        >>> flag_for("random_state"), flag_for("save")
        ('--seed', '--save')
    """
    declared = AdviseConfig.options()
    return flag_of(parameter, declared[parameter][1]) if parameter in declared else "--" + parameter.replace("_", "-")


def _help(spec: Option, default: Any) -> str:
    if default is None or isinstance(default, bool):
        return spec.help  # None reads as "not set", and a switch's default is its absence
    shown = f"{default:g}" if isinstance(default, float) else str(default)
    return f"{spec.help} (default: {shown})"


def _argument(name: str, default: Any, spec: Option) -> dict[str, Any]:
    """argparse keywords for one declared option."""
    # The actions remember which flags were given, so that a --config file only sets the others.
    kwargs: dict[str, Any] = {"dest": name, "default": default, "help": _help(spec, default), "action": StoreGiven}
    if isinstance(default, bool):
        # A switch flips the default: --offline sets allow_download=False, --trust-remote-code sets True.
        kwargs["action"] = _Switch
        return kwargs
    if spec.metavar:
        kwargs["metavar"] = spec.metavar
    for constraint in spec.constraints:
        if isinstance(constraint, StrSequence):
            kwargs["action"] = _Append
        elif isinstance(constraint, Options):
            kwargs["choices"] = tuple(constraint.values)
        elif isinstance(constraint, Duration):
            kwargs["type"] = _duration
        elif isinstance(constraint, Interval):
            kwargs["type"] = _integer if constraint.kind is Integral else _number
    return kwargs


def group_of(name: str) -> str:
    """The group an option is shown in, in ``--help`` and in the starter config file."""
    if name in _DATA_OPTIONS:
        return "data"
    if name in _TUNING_OPTIONS:
        return "quick fine-tunes"
    return "constraints" if name in Constraints.__dataclass_fields__ else "measurement"


def add_config_options(parser: argparse.ArgumentParser, command: str) -> None:
    """Add every option ``command`` takes, in groups: data (with ``--data``/``--demo``), constraints, measurement."""
    parser.add_argument("--config", metavar="FILE", help=_CONFIG_HELP)
    groups = {"data": parser.add_argument_group("data")}
    source = groups["data"].add_mutually_exclusive_group()
    source.add_argument("--data", metavar="FILE", action=StoreGiven,
                        help="sample file: .csv, .tsv, .jsonl, .json or .parquet")
    source.add_argument("--demo", action="store_true", help="use the built-in labelled demo sample")
    for name, (default, spec) in AdviseConfig.options(command).items():
        group_name = group_of(name)
        if group_name not in groups:
            groups[group_name] = parser.add_argument_group(group_name)
        groups[group_name].add_argument(flag_of(name, spec), **_argument(name, default, spec))


def add_declared_options(parser: argparse.ArgumentParser, names: tuple[str, ...], *, title: str) -> None:
    """Add the declared options ``names`` to ``parser`` in one group (for commands beside advise's three)."""
    declared = AdviseConfig.options()
    parser.add_argument("--config", metavar="FILE", help=_CONFIG_HELP)
    group = parser.add_argument_group(title)
    for name in names:
        default, spec = declared[name]
        group.add_argument(flag_of(name, spec), **_argument(name, default, spec))


def add_constraint_overrides(parser: argparse.ArgumentParser, *, title: str, description: str) -> None:
    """Add a flag for each constraint declared on :class:`~modelpick.constraints.Constraints`, defaulting to
    ``None`` (not given), for a command that adjusts constraints recorded elsewhere (``gate``)."""
    group = parser.add_argument_group(title, description)
    for name in CONSTRAINT_OPTIONS:
        _, spec = declared_options(Constraints)[name]
        group.add_argument(flag_of(name, spec), **_argument(name, None, spec))


def config_kwargs(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Every declared option of ``command``, as the API takes it, from the parsed arguments."""
    return {name: getattr(args, name) for name in AdviseConfig.options(command)}


def apply_config_file(args: argparse.Namespace) -> None:
    """Set on ``args`` what the ``--config`` file sets and the command line does not: each option's declared
    default, then the file, then the flag given.

    A key of an option this command does not take (``max_latency_ms`` for ``profile``) is checked and left
    out with a note, so that one file can serve every command.

    Raises:
        ConfigFileError: the file cannot be read, or has an unknown key or a bad value (file, line and key named).
    """
    path = getattr(args, "config", None)
    if path is None:
        return
    from modelpick._config_file import read_config_file

    config = read_config_file(path)
    given = set(getattr(args, _GIVEN, ()))
    if getattr(args, "demo", False):
        given.add("data")  # --demo names the sample on the command line, as --data would
    notes = []
    for key, value in config.values.items():
        if not hasattr(args, key):
            notes.append(f"{config.where(key)}: {key!r} is not an option of 'modelpick {args.command}'; left out")
        elif key == "candidates" and args.command == "compare":
            notes.append(f"{config.where(key)}: 'candidates' left out: compare measures the ones its command "
                         "line names")
        elif key not in given:
            setattr(args, key, value)
    if not getattr(args, "quiet", False):
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
