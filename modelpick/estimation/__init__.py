"""How accurate each candidate would be on the user's data, and how that was found.

:func:`estimate_quality` picks the estimator for a candidate, in this order:

1. no sample split -> ``published`` (the catalog's cited figure, or unknown);
2. a baseline -> ``cross-validation`` (the pipeline itself, fitted on train, scored on test);
3. a transformer with real weights -> ``linear-probe`` (frozen features in a spawned child);
4. a transformer with architecture-only (random) weights -> accuracy unknown, and the estimate says why.

Without a sample, a deployment variant other than eager has unknown accuracy: published figures are the
released model's, not its int8 or half-precision form's.

Every measured estimate is fitted on ``split.train`` only, reports accuracy and macro-F1 on
``split.test`` with a 95% bootstrap interval, and stratified cross-validation on the training split; the
same ``random_state`` gives the same numbers.

The linear probe also returns pre-screen scores in ``QualityEstimate.prescreen``: LogME (You et al.,
2021) and H-score (Bao et al., 2019, with a Ledoit-Wolf covariance), computed on the same frozen
training features, so they cost no forward pass (:data:`TRANSFERABILITY_SCORES`). They rank candidates
by how well their features fit the labels; they are not accuracies.

A transformer row of a deployment variant (``TransformerCandidate.variant``: int8, onnx, ...) is probed on
the features *that variant* computes, so its accuracy is its own; :func:`accuracy_delta` then compares it
with its eager row on the same held-out examples (``QualityEstimate.test_correct``), paired.

Adding an estimator: subclass :class:`QualityEstimator` in a new module and add it to
:data:`QUALITY_ESTIMATORS`. Adding a pre-screen score: a function in ``_transferability.py`` and one
line in :data:`TRANSFERABILITY_SCORES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelpick._errors import reraised_as
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.estimation._base import QualityEstimator
from modelpick.estimation._delta import accuracy_delta
from modelpick.estimation._measure import resolve_task
from modelpick.estimation._settings import EstimationSettings
from modelpick.estimation._transferability import TRANSFERABILITY_SCORES, prescreen_scores
from modelpick.estimation.cross_validation import CrossValidationEstimator
from modelpick.estimation.linear_probe import LinearProbeEstimator
from modelpick.estimation.published import PublishedEstimator
from modelpick.exceptions import EstimationError, InvalidParameterError
from modelpick.results import QualityEstimate

if TYPE_CHECKING:
    from modelpick.candidates._base import Candidate, WeightsResolution
    from modelpick.data._sample import DataSplit

__all__ = [
    "ARCHITECTURE_ONLY_NOTE",
    "VARIANT_UNPUBLISHED_NOTE",
    "EstimationSettings",
    "QUALITY_ESTIMATORS",
    "QualityEstimator",
    "TRANSFERABILITY_SCORES",
    "accuracy_delta",
    "estimate_quality",
    "prescreen_scores",
]

QUALITY_ESTIMATORS: dict[str, type[QualityEstimator]] = {
    "cross-validation": CrossValidationEstimator,
    "linear-probe": LinearProbeEstimator,
    "published": PublishedEstimator,
}

ARCHITECTURE_ONLY_NOTE = (
    "architecture-only weights (random): accuracy cannot be estimated; latency and memory are still exact"
)
VARIANT_UNPUBLISHED_NOTE = (
    "published figures are for the model as released, not for its {variant} variant; give a labelled sample "
    "to measure this variant's accuracy"
)


def _unknown_architecture_only(candidate: Candidate) -> QualityEstimate:
    return QualityEstimate(
        candidate=candidate.name, method="none", provenance="unknown", accuracy=None, note=ARCHITECTURE_ONLY_NOTE
    )


def _pick(candidate: Candidate, weights: WeightsResolution | None, split: DataSplit | None) -> QualityEstimator | None:
    """The estimator for ``candidate``, or ``None`` when its accuracy is unknowable (random weights)."""
    order = ("published", "cross-validation", "linear-probe")
    if split is not None and weights is not None and not weights.has_real_weights:
        return None
    for name in order:
        estimator = QUALITY_ESTIMATORS[name]()
        if estimator.applies_to(candidate, weights, split):
            return estimator
    # Any estimator registered beyond the built-in ones gets its chance last.
    for name, cls in QUALITY_ESTIMATORS.items():
        if name not in order:
            estimator = cls()
            if estimator.applies_to(candidate, weights, split):
                return estimator
    kind = candidate.kind
    if weights is None and isinstance(candidate, TransformerCandidate):
        raise EstimationError(
            f"Candidate {candidate.name} has no resolved weights; resolve them (candidate.resolve_weights) "
            "before estimating its quality."
        )
    raise EstimationError(f"No quality estimator applies to candidate {candidate.name} (kind {kind!r}).")


def estimate_quality(
    candidate: Candidate,
    weights: WeightsResolution | None,
    split: DataSplit | None,
    *,
    task: Any,
    settings: EstimationSettings,
) -> QualityEstimate:
    """Estimate how accurate ``candidate`` would be, with the estimator the module docstring names.

    Args:
        candidate: The candidate (transformer or baseline).
        weights: Its resolved weights (transformers), or ``None`` (baselines, or no sample).
        split: The run's stratified split of the labelled sample, or ``None`` without a sample.
        task: The Task, or its registered name (e.g. ``"text-classification"``).
        settings: How to estimate.

    Returns:
        A :class:`~modelpick.results.QualityEstimate`; ``accuracy`` is ``None`` when unknown, never a guess.

    Raises:
        EstimationError: the estimate could not be made; the message says why in one line (for the
            linear probe, the child's reason for a crash or timeout).
        InvalidParameterError / UnknownNameError: ``settings`` or ``task`` is not usable.

    Example:
        >>> from modelpick.candidates._base import WeightsResolution
        >>> from modelpick.candidates.transformer import TransformerCandidate
        >>> from modelpick.data._sample import DataSplit
        >>> candidate = TransformerCandidate(name="org/encoder", family="BERT", model_id="org/encoder")
        >>> random_weights = WeightsResolution("architecture-only", None, "no weights found",
        ...                                    config={"model_type": "bert"})
        >>> split = DataSplit(("good", "bad"), ("pos", "neg"), ("fine", "awful"), ("pos", "neg"), 0)
        >>> settings = EstimationSettings(num_threads=1, device="cpu", random_state=0, timeout_s=60,
        ...                               trust_remote_code=False)
        >>> estimate = estimate_quality(candidate, random_weights, split, task="text-classification",
        ...                             settings=settings)
        >>> estimate.accuracy is None, estimate.provenance
        (True, 'unknown')
    """
    if not isinstance(settings, EstimationSettings):
        raise InvalidParameterError(
            f"The 'settings' parameter of estimate_quality must be an EstimationSettings. Got {settings!r} instead."
        )
    if split is not None:
        task = resolve_task(task)
    variant = getattr(candidate, "variant", "eager")
    if split is None and variant != "eager":
        # A paper's figure says nothing about int8 or fp16 arithmetic: unknown, never the fp32 figure.
        return QualityEstimate(candidate=candidate.name, method="none", provenance="unknown", accuracy=None,
                               note=VARIANT_UNPUBLISHED_NOTE.format(variant=variant))
    estimator = _pick(candidate, weights, split)
    if estimator is None:
        return _unknown_architecture_only(candidate)
    # A failing estimate must reach the run as a reason, not a traceback.
    with reraised_as(EstimationError, f"Estimating the quality of {candidate.name} failed"):
        return estimator.estimate(candidate, weights, split, task=task, settings=settings)
