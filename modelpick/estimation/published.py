"""Quality without a sample: the figure the catalog cites for a model, labelled as published.

Published figures were measured by someone else on another dataset (MNLI-m, the metric most encoder
papers report); they order models roughly by capability and say nothing about accuracy on the user's
data. The estimate says exactly that, and an absent figure stays absent (``accuracy=None``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from modelpick.estimation._base import QualityEstimator
from modelpick.results import QualityEstimate

if TYPE_CHECKING:
    from modelpick.candidates._base import Candidate, WeightsResolution
    from modelpick.data._sample import DataSplit
    from modelpick.estimation._settings import EstimationSettings

__all__ = ["PublishedEstimator", "published_metric"]


def published_metric() -> str:
    """The published metric every candidate is compared on when no sample is given."""
    from modelpick.candidates._catalog import PUBLISHED_QUALITY_METRIC

    return PUBLISHED_QUALITY_METRIC


class PublishedEstimator(QualityEstimator):
    """Reports ``candidate.published_figure(PUBLISHED_QUALITY_METRIC)`` when no sample was given."""

    name: ClassVar[str] = "published"

    def applies_to(
        self, candidate: Candidate, weights: WeightsResolution | None, split: DataSplit | None
    ) -> bool:
        return split is None

    def estimate(
        self,
        candidate: Candidate,
        weights: WeightsResolution | None,
        split: DataSplit | None,
        *,
        task: Any,
        settings: EstimationSettings,
    ) -> QualityEstimate:
        metric = published_metric()
        figure = candidate.published_figure(metric)
        if figure is None:
            return QualityEstimate(
                candidate=candidate.name,
                method=self.name,  # the method that looked, even though it found nothing
                provenance="unknown",
                accuracy=None,
                note=(
                    f"no published {metric} for {candidate.name}; accuracy unknown. "
                    "Give a labelled sample to measure it on your data"
                ),
            )
        return QualityEstimate(
            candidate=candidate.name,
            method=self.name,
            provenance="published",
            accuracy=float(figure.value),
            citation=figure.citation,
            note=f"{figure.metric} ({figure.split}), published; not measured on your data",
        )
