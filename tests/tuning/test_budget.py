"""Sharing a time budget by successive halving: the schedule, who survives a round, whether a trial fits."""

from __future__ import annotations

import math

import pytest

from modelpick.tuning import Round, halving_schedule, keep_after_round, survivors, trial_fits


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, (1,)), (2, (2, 1)), (3, (3, 2, 1)), (4, (4, 2, 1)), (5, (5, 3, 2, 1)), (8, (8, 4, 2, 1)),
        (9, (9, 5, 3, 2, 1)),
    ],
)
def test_rounds_halve_the_survivors_rounding_up_down_to_one(n, expected):
    assert tuple(r.survivors for r in halving_schedule(n, 600.0)) == expected


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 13])
@pytest.mark.parametrize("budget", [1.0, 60.0, 300.0, 3600.0])
def test_every_round_gets_the_same_share_and_the_shares_sum_to_the_budget(n, budget):
    rounds = halving_schedule(n, budget)
    totals = [r.survivors * r.seconds_each for r in rounds]
    for total in totals:
        assert total == pytest.approx(budget / len(rounds))
    assert sum(totals) == pytest.approx(budget)
    # Survivors get more time each as the field narrows.
    each = [r.seconds_each for r in rounds]
    assert each == sorted(each)
    assert len(set(each)) == len(each)


def test_the_documented_example():
    assert halving_schedule(4, 300.0) == (Round(4, 25.0), Round(2, 50.0), Round(1, 100.0))


def test_one_candidate_gets_the_whole_budget():
    assert halving_schedule(1, 60.0) == (Round(survivors=1, seconds_each=60.0),)


@pytest.mark.parametrize("n", [0, -1])
def test_no_candidates_no_rounds(n):
    assert halving_schedule(n, 300.0) == ()


def test_a_spent_budget_gives_rounds_of_zero_seconds():
    rounds = halving_schedule(3, -5.0)
    assert [r.survivors for r in rounds] == [3, 2, 1]
    assert all(r.seconds_each == 0.0 for r in rounds)


@pytest.mark.parametrize(("n", "kept"), [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (10, 5), (11, 6)])
def test_keep_after_round_keeps_the_better_half_rounded_up(n, kept):
    assert keep_after_round(n) == kept
    assert keep_after_round(n) == max(1, math.ceil(n / 2))


def test_survivors_are_the_best_scores():
    assert survivors({"a": 0.7, "b": 0.9, "c": None}, 2) == ("b", "a")
    assert survivors({"a": 0.7, "b": 0.9, "c": 0.8}, 1) == ("b",)
    assert survivors({"a": 0.7, "b": 0.9, "c": 0.8}, 3) == ("b", "c", "a")


def test_a_candidate_without_a_finished_trial_goes_last():
    # Even behind a score of 0.0 (None is not zero: nothing finished yet).
    assert survivors({"none": None, "zero": 0.0}, 1) == ("zero",)
    assert survivors({"none": None, "zero": 0.0}, 2) == ("zero", "none")


def test_survivors_break_ties_by_name_whatever_the_order():
    assert survivors({"b": 0.8, "a": 0.8, "c": 0.8}, 2) == ("a", "b")
    assert survivors({"c": None, "a": None, "b": None}, 2) == ("a", "b")


def test_survivors_keeps_no_more_than_there_are():
    assert survivors({"a": 0.5}, 3) == ("a",)
    assert survivors({}, 2) == ()


def test_a_trial_fits_when_its_estimate_is_within_the_time_left():
    assert trial_fits(30.0, 45.0)
    assert trial_fits(30.0, 30.0)
    assert not trial_fits(30.0, 29.9)
    assert not trial_fits(30.0, -1.0)


def test_without_a_budget_every_trial_fits():
    assert trial_fits(30.0, None)
    assert trial_fits(1e9, None)
