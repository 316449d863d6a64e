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


# -- paired accuracy difference (deployment variant vs its eager row) ----------------------------------------


def test_paired_delta_of_identical_vectors_is_zero_with_a_zero_width_interval():
    from modelpick.estimation._intervals import paired_accuracy_delta

    correct = [True, False, True, True, False, True, True, False]
    assert paired_accuracy_delta(correct, list(correct), random_state=3) == (0.0, 0.0, 0.0)


def test_one_flipped_example_moves_the_delta_by_one_over_n():
    from modelpick.estimation._intervals import paired_accuracy_delta

    reference = [True] * 15 + [False] * 5
    flipped = list(reference)
    flipped[2] = False  # the variant gets one example wrong that the reference got right
    delta, low, high = paired_accuracy_delta(flipped, reference, n_resamples=2000, random_state=0)
    assert delta == pytest.approx(-1 / 20)
    # Every resample differs by -k/20 for the k times it drew the flipped example: never above 0.
    assert low <= delta <= high == 0.0
    assert low < 0.0


def test_paired_delta_is_seeded_and_checks_its_inputs():
    from modelpick.estimation._intervals import paired_accuracy_delta

    a = [True, False, True, False, True, True]
    b = [False, False, True, True, True, False]
    assert paired_accuracy_delta(a, b, random_state=5) == paired_accuracy_delta(a, b, random_state=5)
    with pytest.raises(EstimationError, match="same held-out examples; got 6 and 5"):
        paired_accuracy_delta(a, b[:5])
    with pytest.raises(EstimationError):
        paired_accuracy_delta([], [])
