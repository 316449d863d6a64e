"""Baselines: measured directly (fit on train, score on test, interval, CV on train)."""

from __future__ import annotations

import pytest

from modelpick.candidates.baseline import BaselineCandidate
from modelpick.estimation import estimate_quality
from modelpick.estimation.cross_validation import CrossValidationEstimator
from modelpick.exceptions import EstimationError

NAMES = {"majority": "majority-class", "tfidf-logreg": "tfidf-logreg", "tfidf-linearsvm": "tfidf-linearsvm"}


def _baseline(strategy: str) -> BaselineCandidate:
    return BaselineCandidate(name=NAMES[strategy], family="baseline", source="builtin", strategy=strategy)


@pytest.mark.parametrize("strategy", sorted(NAMES))
def test_every_baseline_gets_a_complete_measured_estimate(strategy, topic_split, settings):
    estimate = estimate_quality(_baseline(strategy), None, topic_split, task="text-classification", settings=settings)
    assert estimate.candidate == NAMES[strategy]
    assert (estimate.method, estimate.provenance, estimate.citation) == ("cross-validation", "measured", None)
    assert (estimate.n_train, estimate.n_test) == (42, 18)
    assert 0.0 <= estimate.accuracy_low <= estimate.accuracy <= estimate.accuracy_high <= 1.0
    assert 0.0 <= estimate.macro_f1 <= 1.0
    assert 0.0 <= estimate.cv_accuracy_mean <= 1.0 and estimate.cv_accuracy_std >= 0.0
    assert "fitted on 42 training examples" in estimate.note
    assert "18 test examples" in estimate.note
    assert "5-fold stratified cross-validation" in estimate.note
    assert "95% " in estimate.note and "interval" in estimate.note


def test_tfidf_logreg_learns_separable_topics_and_majority_is_at_chance(topic_split, settings):
    logreg = estimate_quality(_baseline("tfidf-logreg"), None, topic_split, task="text-classification", settings=settings)
    majority = estimate_quality(_baseline("majority"), None, topic_split, task="text-classification", settings=settings)
    assert "TF-IDF + logistic regression" in logreg.note
    assert majority.accuracy == pytest.approx(1 / 3)  # balanced classes: the majority class is a third
    assert logreg.accuracy > majority.accuracy


def test_same_seed_gives_identical_numbers(topic_split, make_settings):
    runs = [
        estimate_quality(_baseline("tfidf-logreg"), None, topic_split, task="text-classification",
                         settings=make_settings(random_state=3))
        for _ in range(2)
    ]
    assert runs[0].to_dict() == runs[1].to_dict()


def test_fitted_on_train_only(make_split, settings):
    # "a" is the majority in train and the minority in test: a majority classifier fitted on train
    # predicts "a" everywhere, so its test accuracy is the share of "a" in the test split.
    groups_train = {"a": tuple(f"alpha text {i}" for i in range(12)), "b": tuple(f"beta text {i}" for i in range(6))}
    split = make_split(groups_train, n_test_per_class=0)
    split = type(split)(
        split.train_texts, split.train_labels,
        ("alpha x", "beta x", "beta y", "beta z"), ("a", "b", "b", "b"), 0,
    )
    estimate = estimate_quality(_baseline("majority"), None, split, task="text-classification", settings=settings)
    assert estimate.accuracy == pytest.approx(0.25)
    assert (estimate.n_train, estimate.n_test) == (18, 4)


def test_all_wrong_predictions_get_a_wilson_interval_not_a_point(make_split, settings):
    groups = {"a": tuple(f"alpha text {i}" for i in range(12)), "b": tuple(f"beta text {i}" for i in range(6))}
    split = make_split(groups, n_test_per_class=0)
    split = type(split)(split.train_texts, split.train_labels, ("beta x", "beta y", "beta z"), ("b", "b", "b"), 0)
    estimate = estimate_quality(_baseline("majority"), None, split, task="text-classification", settings=settings)
    assert estimate.accuracy == 0.0  # measured zero: every held-out prediction was wrong
    assert estimate.accuracy_low == 0.0 and 0.4 < estimate.accuracy_high < 0.6
    assert "95% Wilson interval (every test prediction was wrong" in estimate.note


def test_cv_folds_shrink_with_a_small_class_and_vanish_below_two(make_split, settings):
    groups = {"a": tuple(f"alpha {i}" for i in range(12)), "b": tuple(f"beta {i}" for i in range(4))}
    three_folds = estimate_quality(_baseline("tfidf-logreg"), None, make_split(groups, n_test_per_class=1),
                                   task="text-classification", settings=settings)
    assert "3-fold stratified cross-validation" in three_folds.note
    assert three_folds.cv_accuracy_mean is not None

    groups = {"a": tuple(f"alpha {i}" for i in range(12)), "b": ("beta 1", "beta 2")}
    no_cv = estimate_quality(_baseline("tfidf-logreg"), None, make_split(groups, n_test_per_class=1),
                             task="text-classification", settings=settings)
    assert no_cv.cv_accuracy_mean is None and no_cv.cv_accuracy_std is None
    assert "no cross-validation (a class has fewer than 2 training examples)" in no_cv.note
    assert no_cv.accuracy is not None  # the held-out figure is still measured


def test_a_fit_that_fails_becomes_one_line_estimation_error(make_split, settings):
    # Only one class in train: logistic regression cannot be fitted.
    split = make_split({"a": ("x one", "x two", "x three")}, n_test_per_class=1)
    split = type(split)(split.train_texts, split.train_labels, ("y one",), ("b",), 0)
    with pytest.raises(EstimationError) as info:
        estimate_quality(_baseline("tfidf-logreg"), None, split, task="text-classification", settings=settings)
    message = str(info.value)
    assert message.startswith("Fitting the classifier failed: ValueError:")
    assert "\n" not in message


def test_estimator_needs_a_split(settings):
    with pytest.raises(EstimationError, match="needs a labelled sample"):
        CrossValidationEstimator().estimate(_baseline("majority"), None, None, task="text-classification",
                                            settings=settings)
