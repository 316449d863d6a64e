"""Presentation: renderers that turn a :class:`~modelpick.results.Recommendation` into a document.

Adding a format is one module with a :class:`Renderer` subclass and one line in :data:`RENDERERS`.
The JSON Schema of each JSON document (:func:`schema_for`) is generated from the result types.
"""

from __future__ import annotations

from typing import Any

from modelpick.exceptions import UnknownNameError
from modelpick.report._base import Renderer
from modelpick.report._pareto import ParetoInfo, ParetoPoint, pareto_info
from modelpick.report._schema import SCHEMAS, json_schema, schema_for, schema_text
from modelpick.report._tables import candidates_table, profiles_table, tuning_table
from modelpick.report.html import HtmlRenderer
from modelpick.report.json import JsonRenderer
from modelpick.report.markdown import MarkdownRenderer
from modelpick.report.text import TextRenderer
from modelpick.results import Recommendation

__all__ = [
    "RENDERERS",
    "SCHEMAS",
    "ParetoInfo",
    "ParetoPoint",
    "Renderer",
    "candidates_table",
    "format_for_path",
    "json_schema",
    "pareto_figure",
    "pareto_info",
    "profiles_table",
    "render",
    "schema_for",
    "schema_text",
    "tuning_table",
]

RENDERERS: dict[str, type[Renderer]] = {
    "html": HtmlRenderer,
    "json": JsonRenderer,
    "markdown": MarkdownRenderer,
    "text": TextRenderer,
}


def render(recommendation: Recommendation, format: str = "text", **options: object) -> str:  # noqa: A002 - 'format' is the keyword users know
    """Render ``recommendation`` as ``format`` (``"text"``, ``"markdown"``, ``"html"`` or ``"json"``)."""
    try:
        renderer_class = RENDERERS[format]
    except KeyError:
        raise UnknownNameError(
            f"Unknown report format {format!r}. Choose one of: {', '.join(sorted(RENDERERS))}."
        ) from None
    return renderer_class(**options).render(recommendation)


# A report file's format follows its name, as people name them.
_SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".json": "json",
             ".txt": "text"}


def format_for_path(path: str) -> str:
    """The report format a file name asks for: ``report.html`` is HTML, ``rec.json`` JSON, and so on.

    Example:
        >>> format_for_path("out/report.HTML")
        'html'
    """
    import os

    suffix = os.path.splitext(path)[1].lower()
    try:
        return _SUFFIXES[suffix]
    except KeyError:
        raise UnknownNameError(
            f"Cannot tell the report format of {path!r} from its suffix {suffix or '(none)'!r}. "
            f"Name it with one of: {', '.join(_SUFFIXES)}."
        ) from None


def pareto_figure(recommendation: Recommendation) -> Any:
    """The Pareto plot of ``recommendation`` as a matplotlib ``Figure`` (shown inline in
    Jupyter after ``%matplotlib inline``; ``figure.savefig(path)`` writes a file):
    accuracy against the constrained latency, memory as marker size, the limits as dashed lines."""
    from modelpick.report._plot import pareto_figure as draw

    return draw(pareto_info(recommendation))
