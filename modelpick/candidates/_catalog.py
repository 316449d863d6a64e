"""The default candidate catalog: ``catalog.json``, package data shipped with the wheel.

Each entry holds the model's full architecture config (so it can be built offline with random weights),
its published parameter count, and figures published for it, each with a precise citation. Figures are
never measured here; the report labels them as published.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any
from collections.abc import Mapping

from modelpick.candidates.transformer import TransformerCandidate
from modelpick.exceptions import CandidateError
from modelpick.results import PublishedFigure

__all__ = ["PUBLISHED_QUALITY_METRIC", "catalog_entries", "catalog_index", "load_catalog"]

# The one metric published for nearly every catalog model; the no-sample ranking compares it.
PUBLISHED_QUALITY_METRIC = "MNLI-m accuracy"

_REQUIRED = ("name", "family", "architecture", "published_parameters", "published")


@lru_cache(maxsize=1)
def catalog_entries() -> tuple[dict[str, Any], ...]:
    """The raw entries of ``catalog.json``, checked for the keys every entry needs."""
    text = resources.files("modelpick.candidates").joinpath("catalog.json").read_text(encoding="utf-8")
    data = json.loads(text)
    entries = tuple(data["models"])
    for entry in entries:
        missing = [key for key in _REQUIRED if key not in entry]
        if missing:
            raise CandidateError(f"catalog.json entry {entry.get('name')!r} lacks {', '.join(missing)}.")
    return entries


def _candidate(entry: dict[str, Any]) -> TransformerCandidate:
    return TransformerCandidate(
        name=entry["name"],
        family=entry["family"],
        source="catalog",
        published=tuple(PublishedFigure(**figure) for figure in entry["published"]),
        published_parameters=entry["published_parameters"],
        model_id=entry["name"],
        architecture=dict(entry["architecture"]),
        weights_package=entry.get("weights_package"),
        pooling=entry.get("pooling", "mean"),
        aliases=tuple(entry.get("aliases", ())),
    )


@lru_cache(maxsize=1)
def load_catalog() -> tuple[TransformerCandidate, ...]:
    """The catalog models as candidates, in catalog order.

    Example:
        >>> [c.name for c in load_catalog()][:2]
        ['bert-base-uncased', 'distilbert-base-uncased']
    """
    return tuple(_candidate(entry) for entry in catalog_entries())


@lru_cache(maxsize=1)
def catalog_index() -> Mapping[str, TransformerCandidate]:
    """Lower-cased names and aliases -> catalog candidate."""
    index: dict[str, TransformerCandidate] = {}
    for candidate in load_catalog():
        for key in (candidate.name, *candidate.aliases):
            if key.lower() in index:
                raise CandidateError(f"catalog.json uses the name {key!r} twice.")
            index[key.lower()] = candidate
    return MappingProxyType(index)
