"""The pure numerical helpers: bootstrap interval of accuracy and the CV fold count."""

from __future__ import annotations

import numpy as np
import pytest

from modelpick.estimation._intervals import bootstrap_accuracy_interval, choose_cv_folds, wilson_interval
from modelpick.exceptions import EstimationError


def _correct(n_right: int, n_wrong: int) -> list[bool]:
    return [True] * n_right + [False] * n_wrong


def test_perfect_and_useless_predictions_have_degenerate_intervals():
    assert bootstrap_accuracy_interval(_correct(25, 0)) == (1.0, 1.0)
    assert bootstrap_accuracy_interval(_correct(0, 25)) == (0.0, 0.0)


def test_same_seed_gives_the_same_interval():
    correct = _correct(70, 30)
    first = bootstrap_accuracy_interval(correct, n_resamples=1000, random_state=7)
    assert bootstrap_accuracy_interval(correct, n_resamples=1000, random_state=7) == first


def test_interval_brackets_the_point_estimate_and_is_plausible():
    correct = _correct(70, 30)
    low, high = bootstrap_accuracy_interval(correct, n_resamples=2000, random_state=0)
    assert low < 0.7 < high
    # Normal approximation: 1.96 * sqrt(0.7 * 0.3 / 100) = 0.09; the bootstrap is close to it.
    assert 0.06 < (high - low) / 2 < 0.12


def test_interval_narrows_with_more_test_examples():
    small = bootstrap_accuracy_interval(_correct(14, 6), random_state=0)
    large = bootstrap_accuracy_interval(_correct(1400, 600), random_state=0)
    assert (large[1] - large[0]) < (small[1] - small[0]) / 5


def test_numpy_input_and_large_test_sets_are_resampled_in_bounded_blocks():
    rng = np.random.default_rng(0)
    correct = rng.random(50_000) < 0.8
    low, high = bootstrap_accuracy_interval(correct, n_resamples=200, random_state=1)
    assert low < correct.mean() < high
    assert high - low < 0.02


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"correct": []}, "empty test set"),
        ({"correct": [True], "n_resamples": 0}, "resamples must be >= 1"),
        ({"correct": [True], "confidence": 1.0}, "confidence must be in"),
    ],
)
def test_bad_inputs_raise_estimation_error(kwargs, match):
    with pytest.raises(EstimationError, match=match):
        bootstrap_accuracy_interval(**kwargs)


@pytest.mark.parametrize(
    ("labels", "max_folds", "expected"),
    [
        (["a"] * 40 + ["b"] * 40, 5, 5),
        (["a"] * 40 + ["b"] * 3, 5, 3),
        (["a"] * 40 + ["b"] * 2 + ["c"] * 9, 5, 2),
        (["a"] * 40 + ["b"] * 40, 10, 10),
        (["a"] * 40 + ["b"], 5, None),  # a single training example of a class cannot be stratified
        (["a"] * 40, 5, None),  # one class: nothing to classify
        ([], 5, None),
    ],
)
def test_cv_folds_are_limited_by_the_smallest_class(labels, max_folds, expected):
    assert choose_cv_folds(labels, max_folds=max_folds) == expected


def test_cv_needs_at_least_two_folds():
    with pytest.raises(EstimationError, match="at least 2 folds"):
        choose_cv_folds(["a", "a", "b", "b"], max_folds=1)


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [
        # Reference values from the closed form (z = 1.959964).
        (70, 100, (0.60415, 0.78105)),
        (18, 18, (0.82412, 1.0)),
        (0, 18, (0.0, 0.17588)),
    ],
)
def test_wilson_interval_matches_the_closed_form(successes, n, expected):
    low, high = wilson_interval(successes, n)
    assert low == pytest.approx(expected[0], abs=1e-5)
    assert high == pytest.approx(expected[1], abs=1e-5)


def test_wilson_interval_rejects_an_empty_test_set():
    with pytest.raises(EstimationError, match="empty test set"):
        wilson_interval(0, 0)
