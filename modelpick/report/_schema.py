"""JSON Schemas (draft 2020-12) of the JSON documents modelpick writes, generated from the result types.

The schema is derived from the same type hints :class:`~modelpick._serialization.Serializable` reads and
writes with, so it cannot describe a document the writer does not produce. The published copies in
``modelpick/schemas/`` are this module's output, and a test keeps them equal to it.

Adding a document kind is one line in :data:`SCHEMAS`.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import types
import typing
from typing import Any

from modelpick._serialization import Serializable
from modelpick._validation import declared_options
from modelpick.exceptions import UnknownNameError
from modelpick.results import Comparison, Recommendation

__all__ = ["SCHEMAS", "json_schema", "schema_for", "schema_text"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The project has no domain of its own; .invalid names one that can never resolve (RFC 6761).
_ID_BASE = "https://example.invalid/modelpick/schemas"

# kind -> the result type whose ``to_json`` writes that document.
SCHEMAS: dict[str, type[Serializable]] = {
    "advise": Recommendation,
    "compare": Comparison,
}

_SIMPLE_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def json_schema(root: type[Serializable], *, kind: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of what ``root.to_dict()`` writes.

    Every dataclass object allows exactly its fields (``additionalProperties: false``) and requires those
    without a default; each nested result type is one entry of ``$defs``. A field named ``schema_version``
    accepts every minor version of the major version its default names (see ``SCHEMA_VERSION``).

    Args:
        root: The result type of the document, e.g. :class:`~modelpick.results.Recommendation`.
        kind: The name the document is published under (``"advise"``); it names the schema's ``$id`` and
            title. Without it the schema has no ``$id``.

    Example:
        >>> from modelpick.results import LatencyStats
        >>> schema = json_schema(LatencyStats)
        >>> schema["properties"]["p90_ms"], schema["required"][:2]
        ({'type': 'number'}, ['n', 'p50_ms'])
    """
    defs: dict[str, dict[str, Any]] = {}
    body = _object_schema(root, defs)
    schema: dict[str, Any] = {"$schema": DIALECT}
    version = _version_of(root)
    if kind is not None:
        suffix = f"-{version}" if version is not None else ""
        schema["$id"] = f"{_ID_BASE}/{kind}{suffix}.schema.json"
    schema["title"] = f"modelpick {kind} output ({root.__name__})" if kind is not None else root.__name__
    schema.update(body)
    if defs:
        schema["$defs"] = dict(sorted(defs.items()))
    return schema


def schema_for(kind: str) -> dict[str, Any]:
    """The JSON Schema of the document ``kind`` (a key of :data:`SCHEMAS`, e.g. ``"advise"``).

    Raises:
        UnknownNameError: ``kind`` is not in :data:`SCHEMAS`.

    Example:
        >>> schema_for("advise")["$id"]
        'https://example.invalid/modelpick/schemas/advise-1.2.schema.json'
    """
    try:
        root = SCHEMAS[kind]
    except KeyError:
        raise UnknownNameError(f"Unknown schema {kind!r}. Choose one of: {', '.join(sorted(SCHEMAS))}.") from None
    return json_schema(root, kind=kind)


def schema_text(kind: str) -> str:
    """The schema of ``kind`` as the published file holds it: sorted keys, indented, ending in a newline."""
    return json.dumps(schema_for(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _version_of(cls: type) -> str | None:
    """The ``schema_version`` a document of ``cls`` is written with, or ``None`` when it has none."""
    for f in dataclasses.fields(cls):
        if f.name == "schema_version" and isinstance(f.default, str):
            return f.default
    return None


def _object_schema(cls: type, defs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    options = declared_options(cls)
    properties: dict[str, Any] = {}
    required = []
    # The same fields to_dict writes and from_dict reads: init fields only (others are derived).
    for f in (f for f in dataclasses.fields(cls) if f.init):
        prop = _type_schema(hints[f.name], defs)
        if f.name in options:
            prop["description"] = options[f.name][1].help
        if f.name == "schema_version" and isinstance(f.default, str):
            major = f.default.split(".")[0]
            # Any minor version of this major: a minor bump only adds fields, which readers may ignore.
            prop["pattern"] = rf"^{major}\.\d+$"
        default = _default_of(f)
        if default is not dataclasses.MISSING:
            prop["default"] = default
        else:
            required.append(f.name)
        properties[f.name] = prop
    schema: dict[str, Any] = {"type": "object"}
    description = _description(cls)
    if description:
        schema["description"] = description
    schema["properties"] = properties
    schema["required"] = required
    # The writer writes exactly these keys; anything else is not a document of this version.
    schema["additionalProperties"] = False
    return schema


def _type_schema(hint: Any, defs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if hint is Any:
        return {}
    if hint in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[hint]}
    if isinstance(hint, type) and issubclass(hint, Serializable):
        name = hint.__name__
        if name not in defs:
            defs[name] = {}  # claimed before the walk, so a type that contains itself does not recurse forever
            defs[name] = _object_schema(hint, defs)
        return {"$ref": f"#/$defs/{name}"}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _union_schema(args, defs)
    if origin is typing.Literal:
        return _literal_schema(args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _type_schema(args[0], defs)}
        # A fixed-length tuple, e.g. (low, high): each place has its own type.
        return {"type": "array", "prefixItems": [_type_schema(a, defs) for a in args],
                "minItems": len(args), "maxItems": len(args)}
    if origin is dict or hint is dict:
        value = args[1] if len(args) == 2 else Any
        value_schema = _type_schema(value, defs)
        return {"type": "object", "additionalProperties": value_schema} if value_schema else {"type": "object"}
    raise TypeError(f"No JSON Schema for the type hint {hint!r}: add it to modelpick.report._schema.")


def _union_schema(args: tuple[Any, ...], defs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    nullable = type(None) in args
    choices = [_type_schema(a, defs) for a in args if a is not type(None)]
    if nullable and len(choices) == 1 and "type" in choices[0] and not {"enum", "const"} & set(choices[0]):
        # {"type": ["number", "null"]} reads better than anyOf and means the same here: no other keyword
        # of the schema would have to accept null too (as an enum would).
        return {**choices[0], "type": [choices[0]["type"], "null"]}
    if nullable:
        choices.append({"type": "null"})
    return {"anyOf": choices}


def _literal_schema(values: tuple[Any, ...]) -> dict[str, Any]:
    kinds = {_SIMPLE_TYPES.get(type(v)) for v in values}
    schema: dict[str, Any] = {"enum": list(values)}
    if len(kinds) == 1 and None not in kinds:
        schema = {"type": kinds.pop(), **schema}
    return schema


def _default_of(f: dataclasses.Field[Any]) -> Any:
    """The value ``to_dict`` writes for a field left unset, or ``MISSING`` when the field is required."""
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return dataclasses.MISSING
    return json.loads(json.dumps(value))  # as written: a tuple default is a list in JSON


def _description(cls: type) -> str:
    """The first paragraph of ``cls``'s docstring, on one line, in Markdown's quotes rather than reST's."""
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.split("\n\n")[0].split()).replace("``", "`")
