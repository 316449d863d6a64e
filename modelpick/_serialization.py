"""``to_dict``/``from_dict`` for the frozen result types: plain JSON types only, round-tripping exactly."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

__all__ = ["Serializable"]

_T = TypeVar("_T", bound="Serializable")


class Serializable:
    """``to_dict``/``from_dict`` for frozen dataclasses made of JSON types, tuples and each other."""

    def to_dict(self) -> dict[str, Any]:
        """Every init field as plain JSON types (tuples become lists, nested results dicts)."""
        return {f.name: _to_plain(getattr(self, f.name)) for f in _init_fields(type(self))}

    @classmethod
    def from_dict(cls: type[_T], data: Mapping[str, Any]) -> _T:
        """Rebuild what :meth:`to_dict` wrote; keys it does not know are ignored (newer writers)."""
        hints = typing.get_type_hints(cls)
        kwargs = {f.name: _from_plain(hints[f.name], data[f.name]) for f in _init_fields(cls) if f.name in data}
        return cls(**kwargs)

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON: what ``--json`` prints and report files hold (no NaN: it is not JSON)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls: type[_T], text: str) -> _T:
        """Read back what :meth:`to_json` wrote (a document checks its ``schema_version`` in ``from_dict``)."""
        return cls.from_dict(json.loads(text))


def _init_fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    # Fields computed in __post_init__ (init=False) are derived, so they are neither written nor read.
    return tuple(f for f in dataclasses.fields(cls) if f.init)


def _to_plain(value: Any) -> Any:
    if isinstance(value, Serializable):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [_to_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _to_plain(v) for k, v in value.items()}
    return value


def _from_plain(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is type(None):
                continue
            return _from_plain(arg, value)
    if origin is tuple:
        inner = args[0] if args else Any
        return tuple(_from_plain(inner, v) for v in value)
    if origin in (dict, Mapping) or hint is dict:
        inner = args[1] if len(args) == 2 else Any
        return {k: _from_plain(inner, v) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Serializable):
        return hint.from_dict(value)
    return value


