"""Which candidates are tuned (cost first, then top-K by pre-screen), the leader, and when tuning stops."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from modelpick.constraints import Constraints
from modelpick.results import QualityEstimate, TransferabilityScore
from modelpick.selection._elimination import leader, plan_tuning, stop_reason
from modelpick.testing.factories import make_result


def _fine_tuned(result, accuracy, low=None, high=None):
    """``result`` with a fine-tune estimate of ``accuracy`` (interval ``low``..``high``)."""
    estimate = QualityEstimate(
        result.name, "fine-tune", "measured", accuracy, low, high, n_train=300, n_test=100, note="fine-tuned"
    )
    return dataclasses.replace(result, fine_tuned=estimate)


def _with_hscore(result, value):
    quality = dataclasses.replace(
        result.quality, prescreen=(*result.quality.prescreen, TransferabilityScore("h-score", value))
    )
    return dataclasses.replace(result, quality=quality)


# --- plan_tuning: who is never tuned ------------------------------------------------------------------


def test_a_transformer_over_the_latency_limit_is_never_tuned():
    results = [make_result("fast", p90_ms=5), make_result("slow", p90_ms=50)]
    plan = plan_tuning(results, Constraints(max_latency_ms=20), top_k=3)
    assert plan.selected == ("fast",)
    assert "p90 50.0 ms > 20 ms" in plan.skipped["slow"]
    assert "never tuned" in plan.skipped["slow"]
    assert "fast" not in plan.skipped


def test_the_latency_limit_uses_the_constraints_percentile():
    # make_result's p50 is p90 / 1.2: 25 ms at p50, 30 ms at p90.
    results = [make_result("m", p90_ms=30)]
    assert plan_tuning(results, Constraints(max_latency_ms=28, latency_percentile="p50"), top_k=1).selected == ("m",)
    plan = plan_tuning(results, Constraints(max_latency_ms=28, latency_percentile="p90"), top_k=1)
    assert plan.selected == ()
    assert "never tuned" in plan.skipped["m"]


def test_a_transformer_over_the_memory_limit_is_never_tuned():
    results = [make_result("small", memory_mb=100), make_result("big", memory_mb=900)]
    plan = plan_tuning(results, Constraints(max_memory_mb=500), top_k=3)
    assert plan.selected == ("small",)
    assert "peak memory 900 MB > 500 MB" in plan.skipped["big"]
    assert "never tuned" in plan.skipped["big"]


def test_every_broken_cost_limit_is_named():
    results = [make_result("heavy", p90_ms=50, memory_mb=900)]
    why = plan_tuning(results, Constraints(max_latency_ms=20, max_memory_mb=500), top_k=3).skipped["heavy"]
    assert "ms > 20 ms" in why and "MB > 500 MB" in why and "never tuned" in why


def test_min_accuracy_never_causes_a_skip():
    # Accuracy is what tuning may change: a candidate below the floor is exactly one to tune.
    results = [make_result("weak", accuracy=0.55), make_result("weaker", accuracy=0.5)]
    plan = plan_tuning(results, Constraints(min_accuracy=0.95), top_k=3)
    assert plan.selected == ("weak", "weaker")
    assert plan.skipped == {}


def test_min_accuracy_does_not_hide_a_cost_violation():
    results = [make_result("slow", p90_ms=50, accuracy=0.5)]
    why = plan_tuning(results, Constraints(max_latency_ms=20, min_accuracy=0.95), top_k=3).skipped["slow"]
    assert "never tuned" in why
    assert "accuracy" not in why.split(":")[0]  # the reason is the cost, not the floor


def test_baselines_are_not_tuned():
    results = [make_result("tfidf-logreg", kind="baseline", accuracy=0.9), make_result("bert")]
    plan = plan_tuning(results, Constraints(), top_k=3)
    assert plan.selected == ("bert",)
    assert "not a transformer" in plan.skipped["tfidf-logreg"]


def test_failed_and_skipped_candidates_are_not_tuned_and_keep_their_reason():
    results = [
        make_result("broken", status="failed", reason="out of memory"),
        make_result("absent", status="skipped", reason="no weights"),
        make_result("ok"),
    ]
    plan = plan_tuning(results, Constraints(), top_k=3)
    assert plan.selected == ("ok",)
    assert plan.skipped["broken"] == "failed: out of memory"
    assert plan.skipped["absent"] == "skipped: no weights"


@pytest.mark.parametrize("provenance", ["unknown", "published"])
def test_a_transformer_without_a_measured_estimate_is_not_tuned(provenance):
    # Unknown accuracy means random weights; a published figure means no labelled sample was probed.
    unmeasured = (
        make_result("random", accuracy=None) if provenance == "unknown"
        else make_result("random", accuracy=0.9, provenance="published")
    )
    assert unmeasured.quality.provenance == provenance
    plan = plan_tuning([unmeasured, make_result("probed")], Constraints(), top_k=3)
    assert plan.selected == ("probed",)
    why = plan.skipped["random"]
    assert why.startswith("no measured accuracy")
    if unmeasured.quality.note:
        assert unmeasured.quality.note in why  # the estimate's own reason says why there is none


def test_nothing_to_tune():
    plan = plan_tuning([make_result("b", kind="baseline")], Constraints(), top_k=3)
    assert plan.selected == ()
    assert set(plan.skipped) == {"b"}
    assert plan_tuning([], Constraints(), top_k=3).selected == ()


# --- plan_tuning: the top K -----------------------------------------------------------------------------


def test_top_k_by_logme_when_every_eligible_candidate_has_it():
    # LogME and the probe's accuracy disagree on purpose: LogME must decide.
    results = [
        make_result("a", accuracy=0.95, logme=-1.0),
        make_result("b", accuracy=0.70, logme=2.0),
        make_result("c", accuracy=0.80, logme=1.0),
    ]
    plan = plan_tuning(results, Constraints(), top_k=2)
    assert plan.ranked_by == "logme"
    assert plan.selected == ("b", "c")
    assert plan.skipped["a"].startswith("outside the top 2 by logme")
    assert "-1" in plan.skipped["a"]


def test_top_k_by_probe_accuracy_when_a_candidate_has_no_logme():
    results = [
        make_result("a", accuracy=0.95, logme=-1.0),
        make_result("b", accuracy=0.70, logme=2.0),
        make_result("c", accuracy=0.80),  # no pre-screen score: LogME cannot rank all of them
    ]
    plan = plan_tuning(results, Constraints(), top_k=2)
    assert plan.ranked_by == "probe accuracy"
    assert plan.selected == ("a", "c")
    assert plan.skipped["b"] == "outside the top 2 by probe accuracy (0.7)"


def test_top_k_by_h_score_when_every_candidate_has_it_but_not_logme():
    results = [
        _with_hscore(make_result("a", accuracy=0.95), 0.1),
        _with_hscore(make_result("b", accuracy=0.70, logme=2.0), 0.9),
        _with_hscore(make_result("c", accuracy=0.80), 0.5),
    ]
    plan = plan_tuning(results, Constraints(), top_k=2)
    assert plan.ranked_by == "h-score"
    assert plan.selected == ("b", "c")


def test_a_skipped_candidate_without_logme_does_not_change_the_ranking_score():
    results = [
        make_result("a", accuracy=0.95, logme=-1.0),
        make_result("b", accuracy=0.70, logme=2.0),
        make_result("slow", accuracy=0.99, p90_ms=500),  # no LogME, but never eligible
    ]
    plan = plan_tuning(results, Constraints(max_latency_ms=20), top_k=1)
    assert plan.ranked_by == "logme"
    assert plan.selected == ("b",)
    assert "never tuned" in plan.skipped["slow"]


def test_top_k_larger_than_the_eligible_candidates_takes_them_all_best_first():
    results = [make_result("a", accuracy=0.6), make_result("b", accuracy=0.9), make_result("c", accuracy=0.7)]
    plan = plan_tuning(results, Constraints(), top_k=10)
    assert plan.selected == ("b", "c", "a")
    assert plan.skipped == {}


def test_ties_are_broken_by_name_whatever_the_input_order():
    results = [
        make_result("delta", accuracy=0.8, logme=1.0),
        make_result("alpha", accuracy=0.8, logme=1.0),
        make_result("charlie", accuracy=0.8, logme=1.0),
        make_result("bravo", accuracy=0.8, logme=3.0),
    ]
    plans = {plan_tuning(list(order), Constraints(), top_k=3).selected for order in itertools.permutations(results)}
    assert plans == {("bravo", "alpha", "charlie")}
    skipped = {
        tuple(sorted(plan_tuning(list(order), Constraints(), top_k=3).skipped))
        for order in itertools.permutations(results)
    }
    assert skipped == {("delta",)}


# --- leader --------------------------------------------------------------------------------------------


def test_leader_is_the_feasible_candidate_of_highest_accuracy_with_its_lower_bound():
    results = [make_result("a", accuracy=0.7), make_result("b", accuracy=0.9), make_result("c", accuracy=0.8)]
    name, bound = leader(results, Constraints())
    assert name == "b"
    assert bound == pytest.approx(0.87)  # make_result's interval is accuracy +- 0.03


def test_leader_ignores_infeasible_failed_and_unknown_candidates():
    results = [
        make_result("slow", accuracy=0.99, p90_ms=100),
        make_result("broken", status="failed", reason="boom"),
        make_result("random", accuracy=None),
        make_result("fits", accuracy=0.6),
    ]
    assert leader(results, Constraints(max_latency_ms=20)) == ("fits", pytest.approx(0.57))


def test_leader_must_meet_the_accuracy_floor():
    results = [make_result("a", accuracy=0.7), make_result("b", accuracy=0.75)]
    assert leader(results, Constraints(min_accuracy=0.8)) is None
    assert leader(results, Constraints(min_accuracy=0.72)) == ("b", pytest.approx(0.72))


def test_no_feasible_candidate_means_no_leader():
    results = [make_result("slow", p90_ms=100), make_result("big", memory_mb=5000)]
    assert leader(results, Constraints(max_latency_ms=20, max_memory_mb=1000)) is None
    assert leader([], Constraints()) is None


def test_a_baseline_can_lead():
    results = [make_result("tfidf-logreg", kind="baseline", accuracy=0.92), make_result("bert", accuracy=0.9)]
    assert leader(results, Constraints())[0] == "tfidf-logreg"


def test_leader_uses_the_fine_tuned_estimate_when_it_is_better():
    tuned = _fine_tuned(make_result("a", accuracy=0.7), 0.95, 0.91, 0.98)
    results = [tuned, make_result("b", accuracy=0.9)]
    assert leader(results, Constraints()) == ("a", pytest.approx(0.91))
    # The fine-tune lifts "a" over the floor too.
    assert leader([tuned], Constraints(min_accuracy=0.93)) == ("a", pytest.approx(0.91))


def test_leader_keeps_the_probe_when_the_fine_tune_is_worse():
    results = [_fine_tuned(make_result("a", accuracy=0.9), 0.6, 0.5, 0.7), make_result("b", accuracy=0.8)]
    assert leader(results, Constraints()) == ("a", pytest.approx(0.87))


def test_leader_bound_falls_back_to_the_accuracy_without_an_interval():
    result = _fine_tuned(make_result("a", accuracy=0.7), 0.9)  # no interval on the fine-tune
    assert leader([result], Constraints()) == ("a", pytest.approx(0.9))


def test_leader_does_not_depend_on_the_order_of_the_results():
    results = [
        make_result("a", accuracy=0.9),
        make_result("b", accuracy=0.9),
        make_result("c", accuracy=0.85),
    ]
    leaders = {leader(list(order), Constraints()) for order in itertools.permutations(results)}
    assert len(leaders) == 1
    assert next(iter(leaders))[0] in ("a", "b")


# --- stop_reason ---------------------------------------------------------------------------------------


def test_stop_when_the_best_case_cannot_reach_the_floor():
    why = stop_reason("a", 0.70, min_accuracy=0.8, leader=None)
    assert why is not None and "min_accuracy 0.8" in why and "0.700" in why


def test_stop_when_the_best_case_cannot_reach_the_leaders_lower_bound():
    why = stop_reason("a", 0.70, min_accuracy=None, leader=("b", 0.75))
    assert why is not None and "b" in why and "0.750" in why


def test_go_on_while_the_best_case_can_still_change_the_answer():
    assert stop_reason("a", 0.90, min_accuracy=0.8, leader=("b", 0.75)) is None
    assert stop_reason("a", 0.90, min_accuracy=None, leader=None) is None
    # Reaching the bound exactly is still reaching it.
    assert stop_reason("a", 0.75, min_accuracy=0.75, leader=("b", 0.75)) is None


def test_the_leader_itself_never_stops():
    assert stop_reason("a", 0.10, min_accuracy=None, leader=("a", 0.95)) is None
    # The floor still applies to the leader.
    assert stop_reason("a", 0.10, min_accuracy=0.5, leader=("a", 0.95)) is not None


def test_nothing_finished_yet_never_stops():
    assert stop_reason("a", None, min_accuracy=0.99, leader=("b", 0.99)) is None


# --- CandidateResult.estimate / .accuracy --------------------------------------------------------------


def test_estimate_is_the_fine_tune_when_it_measured_higher():
    result = _fine_tuned(make_result("a", accuracy=0.8), 0.9, 0.85, 0.95)
    assert result.estimate is result.fine_tuned
    assert result.estimate.method == "fine-tune"
    assert result.accuracy == 0.9


def test_estimate_is_the_cheap_estimate_when_the_fine_tune_measured_lower():
    result = _fine_tuned(make_result("a", accuracy=0.8), 0.7, 0.6, 0.8)
    assert result.estimate is result.quality
    assert result.accuracy == 0.8


def test_estimate_ignores_a_fine_tune_without_an_accuracy():
    result = _fine_tuned(make_result("a", accuracy=0.8), None)
    assert result.estimate is result.quality
    assert result.accuracy == 0.8


def test_a_fine_tune_gives_an_accuracy_where_the_probe_had_none():
    unknown = make_result("a", accuracy=None)
    assert unknown.accuracy is None and unknown.estimate is unknown.quality
    result = _fine_tuned(unknown, 0.75, 0.7, 0.8)
    assert result.estimate is result.fine_tuned
    assert result.accuracy == 0.75


def test_without_any_estimate_accuracy_is_none():
    failed = make_result("a", status="failed", reason="boom")
    assert failed.estimate is None and failed.accuracy is None
