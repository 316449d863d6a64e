"""The CLI's options, built from the one declaration of each option (:class:`~modelpick.config.AdviseConfig`).

A flag's name, default, allowed values and help all come from the field that declares the option, so
the CLI cannot drift from :func:`~modelpick.recommend`; :func:`config_kwargs` hands every one of them on.
"""

from __future__ import annotations

import argparse
from numbers import Integral
from typing import Any

from modelpick._validation import Duration, Interval, Option, Options, StrSequence, declared_options, parse_duration
from modelpick.config import AdviseConfig
from modelpick.constraints import Constraints

__all__ = [
    "CONSTRAINT_OPTIONS", "TUNE_WORKER_OPTIONS", "add_config_options", "add_constraint_overrides",
    "add_declared_options", "config_kwargs", "flag_for", "flag_of",
]

# The options a `modelpick tune` worker takes, from the same declarations as advise's.
TUNE_WORKER_OPTIONS = ("storage", "study", "time_budget_s", "num_threads", "device", "trust_remote_code")

# The constraint options, declared on Constraints: `gate` takes them to tighten a report's recorded ones.
CONSTRAINT_OPTIONS = tuple(declared_options(Constraints))

_DATA_OPTIONS = ("task", "text_column", "label_column", "test_size")
_TUNING_OPTIONS = ("tune", "tune_top_k", "tune_trials", "time_budget_s", "storage", "study")


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


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    kwargs: dict[str, Any] = {"dest": name, "default": default, "help": _help(spec, default)}
    if isinstance(default, bool):
        # A switch flips the default: --offline sets allow_download=False, --trust-remote-code sets True.
        kwargs["action"] = "store_false" if default else "store_true"
        return kwargs
    if spec.metavar:
        kwargs["metavar"] = spec.metavar
    for constraint in spec.constraints:
        if isinstance(constraint, StrSequence):
            kwargs["action"] = "append"
        elif isinstance(constraint, Options):
            kwargs["choices"] = tuple(constraint.values)
        elif isinstance(constraint, Duration):
            kwargs["type"] = _duration
        elif isinstance(constraint, Interval):
            kwargs["type"] = _integer if constraint.kind is Integral else _number
    return kwargs


def _group_of(name: str) -> str:
    if name in _DATA_OPTIONS:
        return "data"
    if name in _TUNING_OPTIONS:
        return "quick fine-tunes"
    return "constraints" if name in Constraints.__dataclass_fields__ else "measurement"


def add_config_options(parser: argparse.ArgumentParser, command: str) -> None:
    """Add every option ``command`` takes, in groups: data (with ``--data``/``--demo``), constraints, measurement."""
    groups = {"data": parser.add_argument_group("data")}
    source = groups["data"].add_mutually_exclusive_group()
    source.add_argument("--data", metavar="FILE", help="sample file: .csv, .tsv, .jsonl, .json or .parquet")
    source.add_argument("--demo", action="store_true", help="use the built-in labelled demo sample")
    for name, (default, spec) in AdviseConfig.options(command).items():
        group_name = _group_of(name)
        if group_name not in groups:
            groups[group_name] = parser.add_argument_group(group_name)
        groups[group_name].add_argument(flag_of(name, spec), **_argument(name, default, spec))


def add_declared_options(parser: argparse.ArgumentParser, names: tuple[str, ...], *, title: str) -> None:
    """Add the declared options ``names`` to ``parser`` in one group (for commands beside advise's three)."""
    declared = AdviseConfig.options()
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
