"""Presentation: renderers that turn a :class:`~modelpick.results.Recommendation` into a document.

Adding a format is one module with a :class:`Renderer` subclass and one line in :data:`RENDERERS`.
The JSON Schema of each JSON document (:func:`schema_for`) is generated from the result types.
"""

from __future__ import annotations

from modelpick.exceptions import UnknownNameError
from modelpick.report._base import Renderer
from modelpick.report._schema import SCHEMAS, json_schema, schema_for, schema_text
from modelpick.report._tables import candidates_table, profiles_table, tuning_table
from modelpick.report.json import JsonRenderer
from modelpick.report.markdown import MarkdownRenderer
from modelpick.report.text import TextRenderer
from modelpick.results import Recommendation

__all__ = [
    "RENDERERS",
    "SCHEMAS",
    "Renderer",
    "candidates_table",
    "json_schema",
    "profiles_table",
    "render",
    "schema_for",
    "schema_text",
    "tuning_table",
]

RENDERERS: dict[str, type[Renderer]] = {
    "json": JsonRenderer,
    "markdown": MarkdownRenderer,
    "text": TextRenderer,
}


def render(recommendation: Recommendation, format: str = "text", **options: object) -> str:  # noqa: A002 - 'format' is the keyword users know
    """Render ``recommendation`` as ``format`` (``"text"``, ``"markdown"`` or ``"json"``)."""
    try:
        renderer_class = RENDERERS[format]
    except KeyError:
        raise UnknownNameError(
            f"Unknown report format {format!r}. Choose one of: {', '.join(sorted(RENDERERS))}."
        ) from None
    return renderer_class(**options).render(recommendation)
