"""The contract every quality estimator fulfils.

Estimators (registry in ``modelpick/estimation/__init__.py``):

* ``cross-validation``: baselines, fitted on the training split and scored on the held-out split.
* ``linear-probe``: transformers with real weights; frozen features, logistic regression on top.
* ``published``: no sample given; the figure the catalog cites for the model, clearly labelled.

Transformers with architecture-only (random) weights get no estimator: their accuracy is unknown, and
:func:`modelpick.estimation.estimate_quality` says so instead of guessing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # only for annotations: estimation must not import heavy modules at import time
    from modelpick.candidates._base import Candidate, WeightsResolution
    from modelpick.data._sample import DataSplit
    from modelpick.estimation._settings import EstimationSettings
    from modelpick.results import QualityEstimate

__all__ = ["QualityEstimator"]


class QualityEstimator(ABC):
    """Estimates how accurate one candidate would be on the user's data.

    An advise run calls the hooks once per candidate, in this order:

    1. :meth:`applies_to` while :func:`~modelpick.estimation.estimate_quality` picks the estimator for a
       candidate (after its weights are resolved and the sample is split). It must be cheap and must not
       load models or data.
    2. :meth:`estimate` on the one estimator picked, in the parent process. It may spawn a child for
       heavy work (the linear probe does). It returns a :class:`~modelpick.results.QualityEstimate` or
       raises :class:`~modelpick.exceptions.EstimationError` with a one-line reason; it never returns a
       guessed accuracy (``accuracy=None`` means unknown).

    Estimators are stateless: one instance may estimate many candidates.
    """

    name: ClassVar[str]  # the registry key, also written to QualityEstimate.method

    @abstractmethod
    def applies_to(
        self, candidate: Candidate, weights: WeightsResolution | None, split: DataSplit | None
    ) -> bool:
        """Whether this estimator can estimate ``candidate`` given its weights and the split (or none)."""

    @abstractmethod
    def estimate(
        self,
        candidate: Candidate,
        weights: WeightsResolution | None,
        split: DataSplit | None,
        *,
        task: Any,
        settings: EstimationSettings,
    ) -> QualityEstimate:
        """Estimate ``candidate``'s quality for ``task`` (a Task or its registered name).

        Raises:
            EstimationError: the estimate could not be made; the message says why in one line.
        """
