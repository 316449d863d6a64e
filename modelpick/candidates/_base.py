"""What a candidate model is, and the contract each kind of candidate fulfils.

Kinds (registry in ``modelpick/candidates/__init__.py``):

* ``transformer``: a Hugging Face encoder, loaded with ``AutoModel``; weights resolved in the order of
  DESIGN.md §4 by :meth:`TransformerCandidate.resolve_weights`.
* ``baseline``: a scikit-learn pipeline, fitted on the training split.

Candidates are frozen dataclasses so they pickle into spawned child processes unchanged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from modelpick.results import CandidateInfo, PublishedFigure

__all__ = ["Candidate", "WeightsResolution"]

WeightsSourceName = Literal["local", "hf-cache", "hub", "package", "architecture-only"]


@dataclass(frozen=True)
class WeightsResolution:
    """Where a transformer candidate's weights come from.

    ``path`` is a directory ``from_pretrained`` can load (config, tokenizer, weights), or ``None`` for
    ``architecture-only``, where the model is built from ``config`` with random weights: latency and
    memory are exact, accuracy is unknown.
    """

    source: WeightsSourceName
    path: str | None
    detail: str  # what was found where, or why each earlier place failed
    config: dict[str, Any] | None = None  # architecture config used when path is None

    @property
    def has_real_weights(self) -> bool:
        return self.source != "architecture-only"


@dataclass(frozen=True)
class Candidate(ABC):
    """One model to consider. Subclasses say how it is built; the measuring code does the rest."""

    name: str
    family: str
    source: str = "catalog"  # "catalog", "hub id", "local path", "builtin"
    published: tuple[PublishedFigure, ...] = ()
    published_parameters: int | None = None

    kind: ClassVar[str]

    def info(self, weights: WeightsResolution | None = None) -> CandidateInfo:
        """The description the report shows, with the weights' source once resolved."""
        return CandidateInfo(
            name=self.name,
            kind=self.kind,
            family=self.family,
            source=self.source,
            weights_source=weights.source if weights else self._default_weights_source(),
            weights_detail=weights.detail if weights else None,
            published=self.published,
            published_parameters=self.published_parameters,
        )

    @abstractmethod
    def _default_weights_source(self) -> str | None:
        """The weights source shown before (or without) resolution."""

    def resolve_weights(self, *, allow_download: bool, cache_dir: str | None = None) -> WeightsResolution | None:
        """Where this candidate's weights come from; ``None`` for kinds without pretrained weights."""
        return None

    def published_figure(self, metric: str) -> PublishedFigure | None:
        """The published figure for ``metric``, if the catalog has one."""
        for figure in self.published:
            if figure.metric == metric:
                return figure
        return None
