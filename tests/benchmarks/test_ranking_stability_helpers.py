"""The pure pieces of benchmarks/ranking_stability.py: the p50 notch interval, the spread and the flip count."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from _figures import spread
from ranking_stability import Timing, pair_flips, self_disagreements


def test_the_notch_narrows_with_more_calls_and_widens_with_noise():
    few, many, noisy = Timing(10, 12, 0.1, 25), Timing(10, 12, 0.1, 400), Timing(10, 12, 0.4, 400)
    assert few.interval() == pytest.approx((10 - 1.57 * 1 / 5, 10 + 1.57 * 1 / 5))
    assert many.interval()[1] - many.interval()[0] < few.interval()[1] - few.interval()[0]
    assert noisy.interval()[1] - noisy.interval()[0] == pytest.approx(4 * (many.interval()[1] - many.interval()[0]))


def test_spread_is_range_over_median():
    assert spread([10.0, 10.0, 10.0]) == 0
    assert spread([8.0, 10.0, 13.0]) == pytest.approx(0.5)


def test_a_flip_counts_as_clear_only_when_both_runs_separate_the_two():
    tight_a, tight_b = Timing(10, 11, 0.01, 100), Timing(12, 13, 0.01, 100)
    loose_a = Timing(13, 14, 0.5, 4)  # wide interval: that run does not call the order clear
    clear_run = {"a": tight_a, "b": tight_b}
    assert pair_flips([clear_run, {"a": Timing(13, 14, 0.01, 100), "b": tight_b}])[0].clear_flips == 1
    flip = pair_flips([clear_run, {"a": loose_a, "b": tight_b}])[0]
    assert (flip.flips, flip.clear_flips) == (1, 0)
    same = pair_flips([clear_run, clear_run, clear_run])[0]
    assert (same.comparisons, same.flips) == (3, 0)


def test_candidates_missing_from_a_run_are_left_out():
    runs = [{"a": Timing(1, 2, 0.1, 10), "b": Timing(2, 3, 0.1, 10)}, {"a": Timing(1, 2, 0.1, 10)}]
    assert pair_flips(runs) == []


def test_self_disagreement_counts_runs_whose_own_intervals_are_disjoint():
    runs = [{"a": Timing(10, 11, 0.01, 100)}, {"a": Timing(10.001, 11, 0.01, 100)}, {"a": Timing(13, 14, 0.01, 100)}]
    assert self_disagreements(runs, "a") == (2, 3)
