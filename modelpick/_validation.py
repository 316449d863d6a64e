"""Parameter validation declared as data.

Each public entry point states, per parameter, the constraints a value may satisfy; :func:`validate_params`
checks them all and raises one :class:`InvalidParameterError` in the project's single format::

    The 'max_latency_ms' parameter of recommend must be a number > 0 or None. Got -5 instead.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

from modelpick.exceptions import InvalidParameterError

__all__ = ["Interval", "Options", "StrSequence", "instance_of", "invalid_parameter", "validate_params"]


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
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
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
    """A list or tuple of non-empty strings."""

    def is_satisfied_by(self, value: Any) -> bool:
        return (
            isinstance(value, Sequence)
            and not isinstance(value, (str, bytes))
            and all(isinstance(v, str) and v.strip() for v in value)
        )

    def __str__(self) -> str:
        return "a list of non-empty strings"


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


def _describe(constraints: Sequence[Any]) -> str:
    words = ["None" if c is None else str(c) for c in constraints]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def invalid_parameter(name: str, caller: str, expected: str, value: Any) -> InvalidParameterError:
    """Build the one-format error for a parameter value."""
    return InvalidParameterError(
        f"The {name!r} parameter of {caller} must be {expected}. Got {value!r} instead."
    )


def validate_params(
    params: Mapping[str, Any], constraints: Mapping[str, Sequence[Any]], *, caller: str
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
        for constraint in allowed:
            if constraint is None:
                if value is None:
                    break
            elif constraint.is_satisfied_by(value):
                break
        else:
            raise invalid_parameter(name, caller, _describe(allowed), value)
