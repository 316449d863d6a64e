"""The default candidate catalog: ``catalog.json``, package data shipped with the wheel.

Each entry holds the model's full architecture config (so it can be built offline with random weights),
its published parameter count, and figures published for it, each with a precise citation. Figures are
never measured here; the report labels them as published.

This module reads and checks the file; :mod:`modelpick.candidates.transformer` turns the entries into
candidates (so this module needs no import of the candidate class).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from modelpick.exceptions import CandidateError

__all__ = ["PUBLISHED_QUALITY_METRIC", "catalog_entries"]

# The one metric published for nearly every catalog model; the no-sample ranking compares it.
PUBLISHED_QUALITY_METRIC = "MNLI-m accuracy"

_REQUIRED = ("name", "family", "architecture", "published_parameters", "published")


@lru_cache(maxsize=1)
def catalog_entries() -> tuple[dict[str, Any], ...]:
    """The raw entries of ``catalog.json``, checked for the keys every entry needs.

    Example:
        >>> catalog_entries()[0]["name"], catalog_entries()[0]["family"]
        ('bert-base-uncased', 'BERT')
    """
    text = resources.files("modelpick.candidates").joinpath("catalog.json").read_text(encoding="utf-8")
    data = json.loads(text)
    entries = tuple(data["models"])
    for entry in entries:
        missing = [key for key in _REQUIRED if key not in entry]
        if missing:
            raise CandidateError(f"catalog.json entry {entry.get('name')!r} lacks {', '.join(missing)}.")
    return entries
