"""The starter config file ``modelpick init`` writes, made from the option declarations.

Every option is in it, with its help and its default, commented out: the file loads as "all defaults"
until a line is uncommented, and a new option appears in it without anyone editing this module.
"""

from __future__ import annotations

import json
import textwrap
from numbers import Integral
from typing import Any

from modelpick._config_file import FILE_KEYS
from modelpick._validation import ALL_COMMANDS, Interval, Option, Options, StrSequence
from modelpick.cli._options import TUNE_WORKER_OPTIONS, flag_of, group_of
from modelpick.config import AdviseConfig

__all__ = ["starter_config"]

# What to show for an option that is not set by default, where the rule alone would give a poor example.
# An option missing here still gets one from its rule (_example_from_rule), valid but less telling.
_EXAMPLES: dict[str, Any] = {
    "max_latency_ms": 50,
    "max_memory_mb": 500,
    "min_accuracy": 0.8,
    "candidates": ["distilbert-base-uncased", "tfidf-logreg"],
    "variants": ["eager", "int8", "onnx"],
    "text_column": "text",
    "label_column": "label",
    "num_threads": 4,
    "time_budget_s": "20m",
    "storage": "sqlite:///modelpick-studies.db",
    "study": "my-project",
}
_FILE_EXAMPLES = {"data": "sample.csv", "profiles": "profiles.json"}
_WIDTH = 100


def _toml(value: Any) -> str:
    """``value`` written as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _example_from_rule(spec: Option) -> Any:
    for constraint in spec.constraints:
        if isinstance(constraint, Options):
            return sorted(constraint.values, key=str)[0]
        if isinstance(constraint, StrSequence):
            return ["name"]
        if isinstance(constraint, Interval):
            low = 0.0 if constraint.low is None else constraint.low
            number = low if constraint.closed in ("both", "left") else low + 1
            return int(number) if constraint.kind is Integral else float(number)
    return "name"


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, width=_WIDTH, initial_indent="# ", subsequent_indent="#   ")


def _used_by(name: str, spec: Option) -> str:
    commands = [*spec.commands, *(("tune",) if name in TUNE_WORKER_OPTIONS else ())]
    if set(ALL_COMMANDS) <= set(commands):
        return ""
    if len(commands) == 1:
        return f" (used by {commands[0]} only)"
    return f" (used by {', '.join(commands[:-1])} and {commands[-1]})"


def _entry(name: str, default: Any, spec: Option) -> list[str]:
    text = spec.help
    if isinstance(default, bool):
        # The help speaks of the flag, which flips the default: say what the key takes to do the same.
        text += f": {name} = {_toml(not default)} ({flag_of(name, spec)})"
    elif spec.flag:
        text += f" ({spec.flag})"
    lines = _comment(text + _used_by(name, spec))
    if default is None:
        example = _EXAMPLES.get(name, _example_from_rule(spec))
        lines.append(f"# {name} = {_toml(example)}  # an example: not set by default")
    else:
        lines.append(f"# {name} = {_toml(default)}")
    return lines


def starter_config(path: str = "modelpick.toml") -> str:
    """The text of a starter config file to be written at ``path`` (named in its usage line).

    Example:
        >>> text = starter_config()
        >>> "# max_latency_ms = 50  # an example: not set by default" in text
        True
        >>> "# timeout_s = 600.0" in text
        True
    """
    from modelpick._version import __version__

    lines = [
        f"# modelpick configuration (written by 'modelpick init', modelpick {__version__}). Use it with:",
        f"#     modelpick advise --config {path}",
        "# compare, profile and tune read it too, each the keys it has options for.",
        "#",
        "# The keys are the arguments of modelpick.recommend() (max_latency_ms, random_state, ...), so",
        f"# recommend(**modelpick.load_config({json.dumps(path)})) runs the same. A flag given on the command line",
        "# overrides the file. Each line below is commented out at its default: uncomment it to set it.",
        "",
    ]
    for key, help_text in FILE_KEYS.items():
        lines += _comment(help_text)
        lines += [f"# {key} = {_toml(_FILE_EXAMPLES[key])}  # an example: not set by default", ""]
    groups: dict[str, list[str]] = {}  # in the order --help shows them
    for name, (default, spec) in AdviseConfig.options().items():
        groups.setdefault(group_of(name), []).extend([*_entry(name, default, spec), ""])
    for group, entries in groups.items():
        lines += [f"# ---- {group} " + "-" * (_WIDTH - len(group) - 8), "", *entries]
    return "\n".join(lines).rstrip("\n") + "\n"
