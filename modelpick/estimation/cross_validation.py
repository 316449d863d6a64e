"""Quality of baselines: the scikit-learn pipeline itself, fitted on train and scored on test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from modelpick.candidates.baseline import BaselineCandidate
from modelpick.estimation._base import QualityEstimator
from modelpick.estimation._measure import measure_classifier, measured_estimate
from modelpick.exceptions import EstimationError
from modelpick.results import QualityEstimate

if TYPE_CHECKING:
    from modelpick.candidates._base import Candidate, WeightsResolution
    from modelpick.data._sample import DataSplit
    from modelpick.estimation._settings import EstimationSettings

__all__ = ["CrossValidationEstimator"]

# How a note names each baseline strategy; unknown strategies fall back to the candidate's name.
_STRATEGY_WORDS = {
    "majority": "the majority-class baseline",
    "tfidf-logreg": "TF-IDF + logistic regression",
    "tfidf-linearsvm": "TF-IDF + linear SVM",
}


class CrossValidationEstimator(QualityEstimator):
    """Baselines are cheap to fit, so their quality is measured directly, not approximated.

    The pipeline from ``candidate.build_estimator(random_state=...)`` is fitted on ``split.train`` only;
    accuracy and macro-F1 are computed on ``split.test``, with a 95% bootstrap interval of the test
    accuracy and stratified k-fold cross-validation on the training split.
    """

    name: ClassVar[str] = "cross-validation"

    def applies_to(
        self, candidate: Candidate, weights: WeightsResolution | None, split: DataSplit | None
    ) -> bool:
        return split is not None and isinstance(candidate, BaselineCandidate)

    def estimate(
        self,
        candidate: Candidate,
        weights: WeightsResolution | None,
        split: DataSplit | None,
        *,
        task: Any,
        settings: EstimationSettings,
    ) -> QualityEstimate:
        if split is None:
            raise EstimationError(f"Cross-validating {candidate.name} needs a labelled sample; none was given.")
        if not isinstance(candidate, BaselineCandidate):
            raise EstimationError(
                f"Candidate {candidate.name} is a {candidate.kind}; only baselines can be cross-validated."
            )
        baseline = candidate

        def make_estimator() -> Any:
            return baseline.build_estimator(random_state=settings.random_state)

        measurement = measure_classifier(
            make_estimator,
            list(split.train_texts),
            split.train_labels,
            list(split.test_texts),
            split.test_labels,
            task=task,
            n_bootstrap=settings.n_bootstrap,
            cv_folds=settings.cv_folds,
            random_state=settings.random_state,
        )
        what = _STRATEGY_WORDS.get(baseline.strategy, baseline.name)
        return measured_estimate(candidate.name, self.name, measurement, what)
