"""The measurement every measured estimate shares: fit on train, score on test, interval, CV on train.

Baselines pass raw texts and a text pipeline; the linear probe passes extracted features and a scaler +
logistic regression. Either way the numbers mean the same thing, so they are computed in one place.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from modelpick._errors import reraised_as
from modelpick._imports import require
from modelpick.estimation._intervals import bootstrap_accuracy_interval, choose_cv_folds, wilson_interval
from modelpick.estimation._transferability import TRANSFERABILITY_SCORES
from modelpick.exceptions import EstimationError
from modelpick.results import QualityEstimate, TransferabilityScore

__all__ = [
    "Measurement",
    "describe_cv",
    "describe_interval",
    "estimate_of",
    "measure_classifier",
    "measured_estimate",
    "resolve_task",
    "score_predictions",
]


@dataclass(frozen=True)
class Measurement:
    """Held-out scores of one fitted classifier, with an interval and train-set cross-validation."""

    accuracy: float
    accuracy_low: float
    accuracy_high: float
    macro_f1: float | None
    cv_accuracy_mean: float | None
    cv_accuracy_std: float | None
    cv_folds: int | None
    n_train: int
    n_test: int
    interval_method: str = "bootstrap"  # "bootstrap", or "wilson" when every prediction was right or wrong
    test_correct: tuple[bool, ...] = ()  # per test example, in the order given: was the prediction right


def resolve_task(task: Any) -> Any:
    """The Task object for ``task`` (a Task, or a registered task name)."""
    if isinstance(task, str):
        from modelpick.tasks import get_task

        return get_task(task)
    if not callable(getattr(task, "score", None)):
        raise EstimationError(
            f"The 'task' argument must be a Task or a task name such as 'text-classification'. Got {task!r} instead."
        )
    return task


def measure_classifier(
    make_estimator: Callable[[], Any],
    x_train: Any,
    y_train: Sequence[str],
    x_test: Any,
    y_test: Sequence[str],
    *,
    task: Any,
    n_bootstrap: int,
    cv_folds: int,
    random_state: int,
) -> Measurement:
    """Fit ``make_estimator()`` on train only, score it on test, bootstrap the test accuracy, and
    cross-validate a fresh estimator on train with stratified folds.

    Raises:
        EstimationError: fitting or scoring failed (the first line of the library's error says why).
    """
    np = require("numpy", purpose="score quality estimates")
    model_selection = require("sklearn.model_selection", purpose="cross-validate quality estimates")
    task = resolve_task(task)
    y_train_arr = np.asarray(list(y_train), dtype=object)
    y_test_arr = np.asarray(list(y_test), dtype=object)
    if len(y_train_arr) == 0 or len(y_test_arr) == 0:
        raise EstimationError(
            f"A measured estimate needs examples in both splits; got {len(y_train_arr)} train and "
            f"{len(y_test_arr)} test examples. Give a larger labelled sample."
        )
    # sklearn raises ValueError, TypeError, ... for unusable inputs; the run needs one reason.
    with reraised_as(EstimationError, "Fitting the classifier failed"):
        with warnings.catch_warnings():
            # Convergence and small-class warnings would flood stderr once per fold; the numbers stand.
            warnings.filterwarnings("ignore", module=r"sklearn(\..*)?$")
            estimator = make_estimator()
            estimator.fit(x_train, y_train_arr)
            predicted = np.asarray(estimator.predict(x_test), dtype=object)
            scores = task.score(list(y_test_arr), list(predicted))

            folds = choose_cv_folds(y_train_arr, max_folds=cv_folds)
            cv_mean = cv_std = None
            if folds is not None:
                splitter = model_selection.StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
                fold_scores = model_selection.cross_val_score(
                    make_estimator(), x_train, y_train_arr, cv=splitter, scoring="accuracy", error_score="raise"
                )
                cv_mean, cv_std = float(np.mean(fold_scores)), float(np.std(fold_scores))
    return _scored(task, y_test_arr, predicted, n_train=len(y_train_arr), n_bootstrap=n_bootstrap,
                   random_state=random_state, cv=(cv_mean, cv_std, folds), scores=scores)


def score_predictions(
    y_test: Sequence[str],
    predicted: Sequence[str],
    *,
    task: Any,
    n_train: int,
    n_bootstrap: int,
    random_state: int,
) -> Measurement:
    """Score predictions some model made on the held-out texts (a fine-tuned model, say) exactly as
    :func:`measure_classifier` scores its own: accuracy, macro-F1 and the same interval. No CV figure.

    Example:
        >>> m = score_predictions(["a", "b", "a", "b"], ["a", "b", "b", "b"], task="text-classification",
        ...                       n_train=10, n_bootstrap=200, random_state=0)
        >>> m.accuracy, m.n_test, m.cv_folds
        (0.75, 4, None)
    """
    np = require("numpy", purpose="score quality estimates")
    task = resolve_task(task)
    y_test_arr = np.asarray(list(y_test), dtype=object)
    predicted_arr = np.asarray(list(predicted), dtype=object)
    if len(y_test_arr) == 0 or len(predicted_arr) != len(y_test_arr):
        raise EstimationError(
            f"Scoring needs one prediction per held-out example; got {len(predicted_arr)} predictions for "
            f"{len(y_test_arr)} examples."
        )
    return _scored(task, y_test_arr, predicted_arr, n_train=n_train, n_bootstrap=n_bootstrap,
                   random_state=random_state, cv=(None, None, None))


def _scored(
    task: Any,
    y_test_arr: Any,
    predicted: Any,
    *,
    n_train: int,
    n_bootstrap: int,
    random_state: int,
    cv: tuple[float | None, float | None, int | None],
    scores: dict[str, float] | None = None,
) -> Measurement:
    np = require("numpy", purpose="score quality estimates")
    if scores is None:
        scores = task.score(list(y_test_arr), list(predicted))
    if "accuracy" not in scores:
        raise EstimationError(
            f"Task {getattr(task, 'name', task)!r} does not report accuracy; quality estimates need it."
        )
    correct = np.asarray(predicted == y_test_arr, dtype=bool)
    if correct.all() or not correct.any():
        # Every resample would score the same, so the bootstrap interval would be a point.
        low, high = wilson_interval(int(correct.sum()), int(correct.size))
        interval_method = "wilson"
    else:
        low, high = bootstrap_accuracy_interval(correct, n_resamples=n_bootstrap, random_state=random_state)
        interval_method = "bootstrap"
    macro_f1 = scores.get("macro_f1")
    cv_mean, cv_std, folds = cv
    return Measurement(
        accuracy=float(scores["accuracy"]),
        accuracy_low=low,
        accuracy_high=high,
        macro_f1=float(macro_f1) if macro_f1 is not None else None,
        cv_accuracy_mean=cv_mean,
        cv_accuracy_std=cv_std,
        cv_folds=folds,
        n_train=int(n_train),
        n_test=int(len(y_test_arr)),
        interval_method=interval_method,
        test_correct=tuple(bool(c) for c in correct),
    )


def describe_interval(measurement: Measurement) -> str:
    """The part of a note that says how the accuracy interval was made."""
    if measurement.interval_method == "wilson":
        return (
            "95% Wilson interval (every test prediction was "
            f"{'right' if measurement.accuracy == 1.0 else 'wrong'}, so a bootstrap interval would collapse to a point)"
        )
    return "95% bootstrap percentile interval of test accuracy"


def describe_cv(measurement: Measurement) -> str:
    """The part of a note that says how the CV figure was made, or why there is none."""
    if measurement.cv_folds is None:
        return "no cross-validation (a class has fewer than 2 training examples)"
    return f"{measurement.cv_folds}-fold stratified cross-validation on the training split"


def measured_estimate(
    candidate: str,
    method: str,
    measurement: Measurement,
    what: str,
    *,
    prescreen: tuple[TransferabilityScore, ...] = (),
    prescreen_failures: Sequence[str] = (),
) -> QualityEstimate:
    """The :class:`QualityEstimate` of a measurement on the user's data; ``what`` names the model
    that was fitted, finishing "held-out accuracy on N test examples of ...".

    ``prescreen`` holds the pre-screen scores computed on the same training features, and
    ``prescreen_failures`` one line per score that could not be computed ("H-score: <why>"); the note
    names both, so a missing score is explained rather than silently absent.
    """
    note = (
        f"held-out accuracy on {measurement.n_test} test examples of {what} fitted on "
        f"{measurement.n_train} training examples of your data; "
        f"{describe_interval(measurement)}; CV: {describe_cv(measurement)}"
    )
    if prescreen:
        known = TRANSFERABILITY_SCORES
        names = ", ".join(known[s.method].label if s.method in known else s.method for s in prescreen)
        note += (
            f"; pre-screen scores ({names}) on the same training features "
            "rank candidates and are not accuracies"
        )
    if prescreen_failures:
        note += f"; pre-screen scores not computed: {'; '.join(prescreen_failures)}"
    return estimate_of(candidate, method, measurement, note, prescreen=tuple(prescreen))


def estimate_of(
    candidate: str,
    method: str,
    measurement: Measurement,
    note: str,
    *,
    prescreen: tuple[TransferabilityScore, ...] = (),
) -> QualityEstimate:
    """The measured :class:`QualityEstimate` holding ``measurement``'s figures, with ``note`` saying how."""
    return QualityEstimate(
        candidate=candidate,
        method=method,
        provenance="measured",
        accuracy=measurement.accuracy,
        accuracy_low=measurement.accuracy_low,
        accuracy_high=measurement.accuracy_high,
        macro_f1=measurement.macro_f1,
        cv_accuracy_mean=measurement.cv_accuracy_mean,
        cv_accuracy_std=measurement.cv_accuracy_std,
        n_train=measurement.n_train,
        n_test=measurement.n_test,
        note=note,
        prescreen=prescreen,
        test_correct=measurement.test_correct,
    )
