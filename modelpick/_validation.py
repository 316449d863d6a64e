"""Parameter validation declared as data.

Each public entry point states, per parameter, the constraints a value may satisfy; :func:`validate_params`
checks them all and raises one :class:`InvalidParameterError` in the project's single format::

    The 'max_latency_ms' parameter of recommend must be a number > 0 or None. Got -5 instead.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from numbers import Integral, Real
from typing import Any, Protocol, cast

from modelpick.exceptions import InvalidParameterError

__all__ = [
    "ALL_COMMANDS",
    "BOOLEAN",
    "COLUMN_NAME",
    "COUNT",
    "FRACTION",
    "POSITIVE_NUMBER",
    "SEED",
    "Constraint",
    "Interval",
    "Option",
    "Options",
    "StrSequence",
    "closest_name",
    "declared_options",
    "for_caller",
    "instance_of",
    "invalid_parameter",
    "join_words",
    "option",
    "parameter_message",
    "validate_options",
    "validate_params",
]


class Constraint(Protocol):
    """A rule a parameter value may satisfy; ``str()`` describes it for the error message."""

    def is_satisfied_by(self, value: Any) -> bool: ...


@dataclass(frozen=True)
class Interval:
    """A real (or integral) number within optional bounds."""

    kind: type  # Real or Integral
    low: float | None = None
    high: float | None = None
    closed: str = "both"  # "both", "left", "right", "neither"

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        number = float(cast(Real, value))  # Real and Integral values (numpy's too) compare as floats
        if not math.isfinite(number):
            return False
        if self.low is not None:
            if number < self.low or (number == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if number > self.high or (number == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        noun = "an integer" if self.kind is Integral else "a number"
        parts = []
        if self.low is not None:
            parts.append(f"{'>=' if self.closed in ('both', 'left') else '>'} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<=' if self.closed in ('both', 'right') else '<'} {self.high:g}")
        return f"{noun} {' and '.join(parts)}".rstrip()


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    values: Collection[Any]

    def is_satisfied_by(self, value: Any) -> bool:
        try:
            return value in self.values
        except TypeError:
            return False

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in sorted(self.values, key=str))


@dataclass(frozen=True)
class StrSequence:
    """A list or tuple of non-empty strings, with at least ``min_length`` of them."""

    min_length: int = 0

    def is_satisfied_by(self, value: Any) -> bool:
        return (
            isinstance(value, Sequence)
            and not isinstance(value, (str, bytes))
            and len(value) >= self.min_length
            and all(isinstance(v, str) and v.strip() for v in value)
        )

    def __str__(self) -> str:
        return "a non-empty list of non-empty strings" if self.min_length else "a list of non-empty strings"


@dataclass(frozen=True)
class _InstanceOf:
    kind: type
    description: str

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool) and self.kind is not bool:
            return False  # True is an int to Python, never a count or a size to a user
        return isinstance(value, self.kind)

    def __str__(self) -> str:
        return self.description


def instance_of(kind: type, description: str) -> _InstanceOf:
    """A constraint satisfied by instances of ``kind``, described as ``description``."""
    return _InstanceOf(kind, description)


# The rules that options and measurement settings share, named once so each is written once.
POSITIVE_NUMBER = Interval(Real, 0, None, closed="neither")  # limits and durations
COUNT = Interval(Integral, 1, None)  # threads, batch sizes, resamples
SEED = Interval(Integral, 0, None)
FRACTION = Interval(Real, 0, 1, closed="neither")
BOOLEAN = instance_of(bool, "True or False")
COLUMN_NAME = instance_of(str, "a column name")


class Duration(Interval):
    """A number of seconds > 0; on the command line also written with units (``90s``, ``20m``, ``1h30m``)."""

    def __init__(self) -> None:
        super().__init__(Real, 0, None, closed="neither")

    def __str__(self) -> str:
        return "a number of seconds > 0"


DURATION = Duration()
_DURATION_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Seconds in ``text``: a plain number of seconds, or parts with units ``h``, ``m``, ``s``.

    Raises:
        ValueError: ``text`` is neither; the message gives the forms that work.

    Example:
        >>> parse_duration("20m"), parse_duration("1h30m"), parse_duration("90"), parse_duration("2.5s")
        (1200.0, 5400.0, 90.0, 2.5)
    """
    import re

    cleaned = text.strip().lower()
    try:
        return float(cleaned)
    except ValueError:
        pass
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([hms])", cleaned)
    if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*([hms])", "", cleaned).strip():
        raise ValueError(f"expected seconds or a duration such as 90s, 20m or 1h30m, got {text!r}")
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def join_words(words: Sequence[str]) -> str:
    """``"a"``, ``"a or b"``, ``"a, b or c"``.

    Example:
        >>> join_words(["a number > 0", "None"])
        'a number > 0 or None'
    """
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def parameter_message(subject: str, allowed: Sequence[str], value: Any, *, accepts_none: bool = False) -> str:
    """The one format: "<subject> must be <allowed>. Got <value> instead."

    Example:
        >>> parameter_message("The --max-latency-ms option", ["a number > 0"], -5.0)
        'The --max-latency-ms option must be a number > 0. Got -5.0 instead.'
    """
    words = [*allowed, "None"] if accepts_none else list(allowed)
    return f"{subject} must be {join_words(words)}. Got {value!r} instead."


def invalid_parameter(
    name: str, caller: str, expected: str | Sequence[str], value: Any, *, accepts_none: bool = False
) -> InvalidParameterError:
    """Build the one-format error for a parameter value; the parts stay on the error for rewording."""
    allowed = (expected,) if isinstance(expected, str) else tuple(expected)
    error = InvalidParameterError(
        parameter_message(f"The {name!r} parameter of {caller}", allowed, value, accepts_none=accepts_none)
    )
    error.parameter, error.allowed, error.accepts_none, error.value = name, allowed, accepts_none, value
    return error


def for_caller(error: InvalidParameterError, caller: str) -> InvalidParameterError:
    """The same complaint, naming ``caller`` (the function the user called) instead of an inner one."""
    if error.parameter is None:
        return error
    return invalid_parameter(error.parameter, caller, error.allowed, error.value, accepts_none=error.accepts_none)


def validate_params(
    params: Mapping[str, Any], constraints: Mapping[str, Sequence[Constraint | None]], *, caller: str
) -> None:
    """Check every parameter in ``constraints`` against its allowed constraints.

    ``None`` in a constraint list means the value ``None`` is allowed.

    Example:
        >>> validate_params({"n": 3}, {"n": [Interval(Integral, 1)]}, caller="f")
        >>> validate_params({"n": 0}, {"n": [Interval(Integral, 1)]}, caller="f")
        Traceback (most recent call last):
        ...
        modelpick.exceptions.InvalidParameterError: The 'n' parameter of f must be an integer >= 1. Got 0 instead.
    """
    for name, allowed in constraints.items():
        value = params[name]
        if value is None and None in allowed:
            continue
        if not any(c is not None and c.is_satisfied_by(value) for c in allowed):
            described = [str(c) for c in allowed if c is not None]
            raise invalid_parameter(name, caller, described, value, accepts_none=None in allowed)


# --- options declared once ---------------------------------------------------------------------------

ALL_COMMANDS = ("advise", "compare", "profile")


@dataclass(frozen=True)
class Option:
    """The one declaration of an option, carried by its dataclass field (``field.metadata["option"]``).

    The default lives on the field; this says what values are allowed and how the option is presented.
    :func:`recommend`, :func:`profile`, the CLI flags and config-file keys all come from it.

    Attributes:
        constraints: What a value may be (``None`` in it allows ``None``), as for :func:`validate_params`.
        help: One line for ``--help`` and the docs.
        flag: The CLI flag when it is not ``--name-with-dashes`` (``--seed`` for ``random_state``).
        metavar: The placeholder ``--help`` shows for the value.
        commands: The CLI commands that take it.
    """

    constraints: tuple[Constraint | None, ...]
    help: str
    flag: str | None = None
    metavar: str | None = None
    commands: tuple[str, ...] = ALL_COMMANDS


def option(
    default: Any,
    *constraints: Constraint | None,
    help: str,  # noqa: A002 - the word every CLI library uses for it
    flag: str | None = None,
    metavar: str | None = None,
    commands: tuple[str, ...] = ALL_COMMANDS,
) -> Any:
    """A dataclass field declaring an option: its default, its constraints and its help, in one place."""
    return field(default=default, metadata={"option": Option(constraints, help, flag, metavar, commands)})


def declared_options(cls: type) -> dict[str, tuple[Any, Option]]:
    """``name -> (default, Option)`` for every field of dataclass ``cls`` declared with :func:`option`."""
    return {
        f.name: (f.default, f.metadata["option"])
        for f in fields(cls)
        if "option" in f.metadata
    }


def validate_options(instance: Any, *, caller: str, names: Collection[str] | None = None) -> None:
    """Validate the declared options of a dataclass instance (only ``names`` when given)."""
    declared = declared_options(type(instance))
    chosen = declared if names is None else {n: declared[n] for n in names}
    validate_params(
        {name: getattr(instance, name) for name in chosen},
        {name: spec.constraints for name, (_, spec) in chosen.items()},
        caller=caller,
    )


def closest_name(text: str, names: Sequence[str]) -> str | None:
    """The name of ``names`` that ``text`` most likely misspells, or ``None``: the "did you mean" of every
    unknown-name error (candidates, a report's models).

    People type the stem ("distilbertt" for distilbert-base-uncased), so each name is also matched by its
    last path segment and that segment's hyphen-separated prefixes, each mapping back to the full name.
    Matching is case-insensitive, as resolving is.

    Example:
        >>> closest_name("distilbertt", ["distilbert-base-uncased", "distilroberta-base"])
        'distilbert-base-uncased'
    """
    variants: dict[str, str] = {}
    for name in names:
        segment = name.lower().rsplit("/", 1)[-1]
        parts = segment.split("-")
        for key in (name.lower(), segment, *("-".join(parts[:i]) for i in range(1, len(parts)))):
            variants.setdefault(key, name)
    close = difflib.get_close_matches(text.lower(), list(variants), n=1)
    return variants[close[0]] if close else None
