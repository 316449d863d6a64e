"""The gate's rules on hand-built recommendations: its verdict is the report's own, limits only tighten."""

from __future__ import annotations

import json

import pytest

from modelpick.constraints import Constraints
from modelpick.exceptions import InvalidParameterError, UnknownNameError
from modelpick.selection import GateVerdict, gate_model, tighten
from modelpick.testing.factories import make_recommendation, make_result

RESULTS = (
    make_result("fast", accuracy=0.82, p90_ms=8.0, memory_mb=90.0),
    make_result("accurate", accuracy=0.93, p90_ms=19.0, memory_mb=400.0),
    make_result("on-the-limit", accuracy=0.85, p90_ms=20.0, memory_mb=500.0),
    make_result("slow", accuracy=0.95, p90_ms=45.0, memory_mb=300.0),
    make_result("random-weights", accuracy=None, p90_ms=5.0, memory_mb=50.0),
    make_result("no-memory", accuracy=0.9, p90_ms=6.0, memory_mb=None),
    make_result("broken", status="failed", reason="timed out after 60 s"),
    make_result("unneeded", status="skipped", reason="over the latency limit before tuning"),
)


@pytest.mark.parametrize(
    "limits",
    [
        {},
        {"max_latency_ms": 20},
        {"max_latency_ms": 20, "max_memory_mb": 500, "min_accuracy": 0.85},
        {"max_latency_ms": 7, "latency_percentile": "p50"},
        {"max_memory_mb": 100},
        {"min_accuracy": 0.9},
        {"min_accuracy": 0.99},
    ],
)
def test_an_unchanged_report_gets_its_own_verdict_for_every_candidate(limits):
    rec = make_recommendation(RESULTS, **limits)
    for result in RESULTS:
        verdict = gate_model(rec, model=result.name)
        assert verdict.passed == (rec.rank_of(result.name) is not None), (limits, verdict.reason)
        assert verdict.report_rank == rec.rank_of(result.name)
        assert "\n" not in verdict.reason
    assert gate_model(rec).passed == rec.satisfied
    assert gate_model(rec).model == (rec.ranked[0].name if rec.ranked else None)


def test_a_passing_model_gets_one_line_with_each_figure_and_limit():
    rec = make_recommendation(RESULTS, max_latency_ms=20, max_memory_mb=500, min_accuracy=0.85)
    verdict = gate_model(rec, model="on-the-limit")
    assert verdict.reason == (
        "on-the-limit passes: p90 20 ms <= 20 ms, memory 500 MB <= 500 MB, accuracy 0.850 [0.820-0.880] >= 0.85"
    )
    assert [(c.constraint, c.limit, c.value, c.passed) for c in verdict.checks] == [
        ("max_latency_ms", 20, 20.0, True), ("max_memory_mb", 500, 500.0, True), ("min_accuracy", 0.85, 0.85, True),
    ]


def test_a_failing_model_names_only_the_failing_constraint_and_its_figure():
    rec = make_recommendation(RESULTS, max_latency_ms=20, max_memory_mb=500)
    assert gate_model(rec, model="slow").reason == "slow fails: p90 45 ms > 20 ms"
    assert not gate_model(rec, model="slow").passed


def test_a_model_that_failed_or_was_skipped_in_the_report_fails_with_its_recorded_reason():
    rec = make_recommendation(RESULTS, max_latency_ms=20)
    assert gate_model(rec, model="broken").reason == "broken failed in the report: timed out after 60 s"
    skipped = gate_model(rec, model="unneeded")
    assert skipped.reason == "unneeded skipped in the report: over the latency limit before tuning"
    # Even with no constraint at all, a model with no measurements cannot pass.
    assert not gate_model(make_recommendation(RESULTS), model="broken").passed


def test_unknown_accuracy_cannot_meet_a_floor_and_says_why():
    rec = make_recommendation(RESULTS, min_accuracy=0.5)
    verdict = gate_model(rec, model="random-weights")
    assert not verdict.passed
    assert verdict.reason == (
        "random-weights fails: accuracy unknown (architecture-only weights (random)), "
        "so min_accuracy 0.5 cannot be shown"
    )
    assert verdict.checks[0].value is None


def test_a_report_that_recommends_nothing_fails_and_names_the_closest():
    rec = make_recommendation(RESULTS, min_accuracy=0.99)
    verdict = gate_model(rec)
    assert not verdict.passed and verdict.model is None
    assert verdict.reason.startswith("the report recommends no candidate: none meets accuracy >= 0.99; closest: slow (")
    assert "accuracy 0.950 < 0.99" in verdict.reason


def test_a_report_without_constraints_passes_its_recommendation():
    rec = make_recommendation(RESULTS)
    verdict = gate_model(rec)
    assert verdict.passed and verdict.model == rec.ranked[0].name
    assert verdict.reason.endswith("passes: the report records no constraint and none was given")


def test_tighter_limits_can_fail_the_recommendation_and_name_the_report_choice_that_meets_them():
    rec = make_recommendation(RESULTS, max_latency_ms=20, min_accuracy=0.85)
    top = rec.ranked[0].name
    top_p90 = rec.result(top).profile.latency.p90_ms
    verdict = gate_model(rec, constraints=tighten(rec.constraints, max_latency_ms=top_p90 - 1))
    assert not verdict.passed and verdict.model == top
    assert f"p90 {top_p90:g} ms > {top_p90 - 1:g} ms (tightened from 20 ms)" in verdict.reason
    passing = [r.name for r in rec.ranked[1:] if rec.result(r.name).profile.latency.p90_ms <= top_p90 - 1]
    assert passing, "the fixture needs a second choice that is faster"
    assert verdict.reason.endswith(f"; {passing[0]} (rank {rec.rank_of(passing[0])} in the report) passes")


def test_a_pinned_model_never_gets_another_candidate_suggested():
    rec = make_recommendation(RESULTS, max_latency_ms=20)
    verdict = gate_model(rec, model="accurate", constraints=tighten(rec.constraints, max_latency_ms=10))
    assert verdict.reason == "accurate fails: p90 19 ms > 10 ms (tightened from 20 ms)"


def test_a_higher_percentile_is_judged_on_the_recorded_figure_of_that_percentile():
    rec = make_recommendation((make_result("m", p90_ms=10.0),), max_latency_ms=10.5)  # the factory's p99 is 11
    assert gate_model(rec).passed
    verdict = gate_model(rec, constraints=tighten(rec.constraints, latency_percentile="p99"))
    assert not verdict.passed
    assert verdict.reason == "m fails: p99 11 ms > 10.5 ms (tightened from p90 <= 10.5 ms)"
    assert verdict.checks[0].value == pytest.approx(rec.results[0].profile.latency.p99_ms)


def test_a_limit_the_report_lacks_is_added_and_said_to_be_new():
    rec = make_recommendation(RESULTS, max_latency_ms=20)
    verdict = gate_model(rec, model="fast", constraints=tighten(rec.constraints, max_memory_mb=50))
    assert verdict.reason == "fast fails: memory 90 MB > 50 MB (not in the report)"
    assert verdict.checks[1].recorded_limit is None


def test_tighten_replaces_stricter_limits_and_keeps_the_rest():
    recorded = Constraints(max_latency_ms=20, max_memory_mb=500, min_accuracy=0.8, latency_percentile="p90")
    assert tighten(recorded) == recorded
    assert tighten(recorded, max_latency_ms=20, min_accuracy=0.8) == recorded  # equal is not looser
    tighter = tighten(recorded, max_latency_ms=10, max_memory_mb=250, min_accuracy=0.9, latency_percentile="p95")
    assert tighter == Constraints(max_latency_ms=10, max_memory_mb=250, min_accuracy=0.9, latency_percentile="p95")
    assert tighten(Constraints(), min_accuracy=0.7) == Constraints(min_accuracy=0.7)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"max_latency_ms": 50}, "The 'max_latency_ms' parameter of gate must be at most the report's limit of 20 ms "
         "(gate only tightens the report's constraints). Got 50 instead."),
        ({"max_memory_mb": 600}, "must be at most the report's limit of 500 MB"),
        ({"min_accuracy": 0.5}, "The 'min_accuracy' parameter of gate must be at least the report's floor of 0.8 "
         "(gate only tightens the report's constraints). Got 0.5 instead."),
        ({"latency_percentile": "p50"}, "The 'latency_percentile' parameter of gate must be p90, p95 or p99, as the "
         "report limits p90 latency (gate only tightens the report's constraints). Got 'p50' instead."),
        ({"max_latency_ms": -1}, "The 'max_latency_ms' parameter of gate must be a number > 0 or None. Got -1"),
        ({"latency_percentile": "p42"}, "must be one of 'p50', 'p90', 'p95', 'p99'. Got 'p42' instead."),
    ],
)
def test_tighten_refuses_a_looser_or_invalid_limit_naming_both_values(given, message):
    recorded = Constraints(max_latency_ms=20, max_memory_mb=500, min_accuracy=0.8)
    with pytest.raises(InvalidParameterError, match="^The '") as info:
        tighten(recorded, caller="gate", **given)
    assert message in str(info.value)
    assert info.value.parameter == next(iter(given))  # so the CLI names its flag


def test_a_percentile_needs_a_latency_limit_to_apply_to():
    with pytest.raises(InvalidParameterError, match="given with a latency limit to apply to"):
        tighten(Constraints(min_accuracy=0.8), latency_percentile="p99")
    # A limit the report lacks may come at any percentile: nothing recorded is loosened.
    added = tighten(Constraints(min_accuracy=0.8), max_latency_ms=5, latency_percentile="p50")
    assert (added.max_latency_ms, added.latency_percentile) == (5, "p50")


def test_an_unknown_model_is_refused_with_the_names_the_report_holds_and_a_close_match():
    rec = make_recommendation(RESULTS[:3])
    with pytest.raises(UnknownNameError) as info:
        gate_model(rec, model="acurate")
    assert str(info.value) == (
        "No candidate named 'acurate' in the report. Did you mean 'accurate'? It holds: fast, accurate, on-the-limit."
    )
    with pytest.raises(UnknownNameError, match="Did you mean 'fast'"):
        gate_model(rec, model="FAST")
    with pytest.raises(UnknownNameError, match=r"in the report\. It holds:"):
        gate_model(rec, model="zzz")


def test_a_verdict_round_trips_through_json():
    rec = make_recommendation(RESULTS, max_latency_ms=20, min_accuracy=0.85)
    verdict = gate_model(rec, model="slow", constraints=tighten(rec.constraints, max_memory_mb=100))
    data = json.loads(verdict.to_json())
    assert data["passed"] is False and data["model"] == "slow"
    assert data["constraints"]["max_memory_mb"] == 100 and data["recorded_constraints"]["max_memory_mb"] is None
    assert GateVerdict.from_dict(data) == verdict


def test_a_hub_id_is_suggested_from_a_part_of_its_name():
    rec = make_recommendation((make_result("sentence-transformers/all-MiniLM-L6-v2"), make_result("tfidf-logreg")))
    for typed in ("all-MiniLM", "all-minilm-l6-v2", "MiniLM"):
        with pytest.raises(UnknownNameError, match=r"Did you mean 'sentence-transformers/all-MiniLM-L6-v2'\?"):
            gate_model(rec, model=typed)


def test_a_figure_just_over_its_limit_is_never_printed_as_the_limit():
    rec = make_recommendation((make_result("m", p90_ms=20.004, memory_mb=500.2),), max_latency_ms=20, max_memory_mb=500)
    assert gate_model(rec, model="m").reason == "m fails: p90 20.004 ms > 20 ms, memory 500.2 MB > 500 MB"
