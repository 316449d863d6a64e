"""Properties of the decision maths that must hold for every set of results, checked with Hypothesis.

The examples are realistic measured results: ordered latency percentiles, memory that may be unknown,
accuracy with or without an interval or unknown, published figures, quick fine-tunes, failed and skipped
candidates, and profiles missing altogether. Values are drawn partly from a few round numbers so that
ties (equal accuracy, equal latency, duplicate points) come up often; ties are where order bugs hide.

Runs are derandomized (a fixed seed per test) so that CI sees the same examples every time.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelpick.constraints import LATENCY_PERCENTILES, Constraints
from modelpick.results import (
    CandidateInfo,
    CandidateResult,
    LatencyStats,
    LengthsSummary,
    ProfileResult,
    QualityEstimate,
)
from modelpick.selection import _shortfall, constraint_violations, decide, gate_model, pareto_front, rank
from modelpick.testing.factories import make_recommendation, make_result

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# A few round values mixed into every continuous draw, so that equal figures are common.
_ROUND_LATENCIES = (0.5, 1.0, 5.0, 10.0, 20.0)
_ROUND_MEMORIES = (1.0, 50.0, 100.0, 400.0)
_ROUND_ACCURACIES = (0.0, 0.5, 0.8, 0.85, 0.9, 1.0)


def _tie_prone(values: tuple[float, ...], low: float, high: float) -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from(values), st.floats(low, high, allow_nan=False, allow_infinity=False))


@st.composite
def latency_stats(draw: st.DrawFn) -> LatencyStats:
    """Percentiles that never decrease: p50 <= p90 <= p95 <= p99."""
    p50 = draw(_tie_prone(_ROUND_LATENCIES, 0.01, 500.0))
    steps = [draw(st.one_of(st.just(0.0), st.floats(0.0, 50.0))) for _ in range(3)]
    p90 = p50 + steps[0]
    p95 = p90 + steps[1]
    p99 = p95 + steps[2]
    return LatencyStats(
        n=draw(st.integers(5, 500)), p50_ms=p50, p90_ms=p90, p95_ms=p95, p99_ms=p99,
        mean_ms=(p50 + p90) / 2, stdev_ms=(p90 - p50) / 2, noisy=draw(st.booleans()), noise=0.02,
    )


@st.composite
def profiles(draw: st.DrawFn, name: str) -> ProfileResult:
    memory = st.one_of(st.none(), _tie_prone(_ROUND_MEMORIES, 0.0, 4000.0))
    on_gpu = draw(st.booleans())
    return ProfileResult(
        candidate=name, device="cuda:0" if on_gpu else "cpu", num_threads=2, latency=draw(latency_stats()),
        throughput_batch_size=16, throughput_per_s=100.0, tokenize=None,
        peak_rss_mb=draw(memory), peak_gpu_mb=draw(memory) if on_gpu else None,
        parameters=1_000_000, weights_on_disk_mb=4.0,
        lengths=LengthsSummary(source="test", n=10, p50=12, p90=30, max=40),
    )


@st.composite
def estimates(draw: st.DrawFn, name: str) -> QualityEstimate:
    """A known accuracy (measured or published, with or without an interval) or an unknown one."""
    kind = draw(st.sampled_from(["measured", "published", "unknown"]))
    if kind == "unknown":
        return QualityEstimate(name, "none", "unknown", None, note="architecture-only weights: random weights")
    accuracy = draw(_tie_prone(_ROUND_ACCURACIES, 0.0, 1.0))
    if kind == "published":
        return QualityEstimate(name, "published", "published", accuracy, citation="a paper", note="SST-2 dev")
    if draw(st.booleans()):
        low = accuracy - draw(st.floats(0.0, 0.1))
        high = accuracy + draw(st.floats(0.0, 0.1))
        return QualityEstimate(name, "linear-probe", "measured", accuracy, max(0.0, low), min(1.0, high))
    return QualityEstimate(name, "cross-validation", "measured", accuracy)


@st.composite
def candidate_results(draw: st.DrawFn, name: str) -> CandidateResult:
    info = CandidateInfo(name=name, kind=draw(st.sampled_from(["transformer", "baseline"])), family="t",
                         source="catalog")
    status = draw(st.sampled_from(["ok", "ok", "ok", "ok", "failed", "skipped"]))
    if status != "ok":
        return CandidateResult(info, status, draw(st.sampled_from(["timed out after 30 s", "no weights"])))
    # Published-only candidates have an accuracy but no measured cost.
    profile = draw(st.one_of(st.none(), profiles(name))) if draw(st.integers(0, 9)) == 0 else draw(profiles(name))
    quality = draw(st.one_of(st.none(), estimates(name))) if draw(st.integers(0, 9)) == 0 else draw(estimates(name))
    fine_tuned = None
    if quality is not None and quality.accuracy is not None and draw(st.booleans()):
        tuned = draw(_tie_prone(_ROUND_ACCURACIES, 0.0, 1.0))
        fine_tuned = QualityEstimate(name, "fine-tune", "measured", tuned, max(0.0, tuned - 0.05),
                                     min(1.0, tuned + 0.05))
    return CandidateResult(info, "ok", "", profile, quality, fine_tuned)


@st.composite
def result_sets(draw: st.DrawFn, min_size: int = 0) -> list[CandidateResult]:
    """Results of uniquely named candidates (the advisor never runs two candidates of one name)."""
    n = draw(st.integers(min_size, 9))
    return [draw(candidate_results(f"m{i}")) for i in range(n)]


@st.composite
def constraint_sets(draw: st.DrawFn) -> Constraints:
    return Constraints(
        max_latency_ms=draw(st.one_of(st.none(), _tie_prone(_ROUND_LATENCIES, 0.01, 600.0))),
        max_memory_mb=draw(st.one_of(st.none(), _tie_prone(_ROUND_MEMORIES, 0.01, 5000.0))),
        min_accuracy=draw(st.one_of(st.none(), _tie_prone(_ROUND_ACCURACIES, 0.0, 1.0))),
        latency_percentile=draw(st.sampled_from(LATENCY_PERCENTILES)),
    )


@st.composite
def tightened(draw: st.DrawFn, loose: Constraints) -> Constraints:
    """``loose`` with some limits made stricter (or set where there were none), none made looser."""
    latency, memory, accuracy = loose.max_latency_ms, loose.max_memory_mb, loose.min_accuracy
    if draw(st.booleans()):
        latency = draw(st.floats(0.01, 600.0)) if latency is None else latency * draw(st.floats(0.01, 1.0))
    if draw(st.booleans()):
        memory = draw(st.floats(0.01, 5000.0)) if memory is None else memory * draw(st.floats(0.01, 1.0))
    if draw(st.booleans()):
        raised = draw(st.floats(0.0, 1.0)) if accuracy is None else accuracy + (1 - accuracy) * draw(st.floats(0, 1))
        accuracy = min(raised, 1.0)
    # A higher percentile is a stricter reading of the same latency limit (p50 <= p90 <= p95 <= p99).
    at = LATENCY_PERCENTILES.index(loose.latency_percentile)
    percentile = draw(st.sampled_from(LATENCY_PERCENTILES[at:]))
    return Constraints(
        max_latency_ms=latency, max_memory_mb=memory, min_accuracy=accuracy, latency_percentile=percentile
    )


# --- Pareto front -----------------------------------------------------------------------------------


def _on_plot(result: CandidateResult) -> bool:
    """Whether ``result`` takes part in the front: measured cost, known memory and known accuracy."""
    profile = result.profile
    return (
        result.status == "ok" and profile is not None and profile.memory_mb is not None
        and result.accuracy is not None
    )


def _dominates(a: CandidateResult, b: CandidateResult, pct: str) -> bool:
    """``a`` is no worse than ``b`` on accuracy (max), latency and memory (min), and better on one."""
    assert a.profile is not None and b.profile is not None
    assert a.accuracy is not None and b.accuracy is not None
    assert a.profile.memory_mb is not None and b.profile.memory_mb is not None
    la, lb = a.profile.latency.percentile_ms(pct), b.profile.latency.percentile_ms(pct)
    ma, mb = a.profile.memory_mb, b.profile.memory_mb
    no_worse = a.accuracy >= b.accuracy and la <= lb and ma <= mb
    better = a.accuracy > b.accuracy or la < lb or ma < mb
    return no_worse and better


@PROPERTY_SETTINGS
@given(results=result_sets(), pct=st.sampled_from(LATENCY_PERCENTILES))
def test_the_front_is_exactly_the_non_dominated_measured_candidates(results, pct):
    front = pareto_front(results, latency_percentile=pct)
    assert len(front) == len(set(front))
    placed = [r for r in results if _on_plot(r)]
    for result in results:
        if not _on_plot(result):
            # Failed, skipped, unmeasured or of unknown accuracy or memory: neither on the front nor
            # able to push anything off it.
            assert result.name not in front
            continue
        dominated = any(_dominates(other, result, pct) for other in placed if other is not result)
        assert (result.name in front) is not dominated, (result.name, front)


@PROPERTY_SETTINGS
@given(results=result_sets(min_size=1), pct=st.sampled_from(LATENCY_PERCENTILES))
def test_duplicates_of_a_front_point_are_all_on_the_front(results, pct):
    placed = [r for r in results if _on_plot(r)]
    if not placed:
        return
    original = placed[0]
    twin = dataclasses.replace(original, candidate=dataclasses.replace(original.candidate, name="twin"))
    front = pareto_front([*results, twin], latency_percentile=pct)
    assert (original.name in front) == ("twin" in front)


@PROPERTY_SETTINGS
@given(results=result_sets(min_size=1), pct=st.sampled_from(LATENCY_PERCENTILES))
def test_the_front_is_never_empty_when_a_candidate_is_placed(results, pct):
    # Dominance is a strict partial order on finitely many points, so some point is undominated.
    front = pareto_front(results, latency_percentile=pct)
    assert bool(front) == any(_on_plot(r) for r in results)


# --- ranking -----------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(results=result_sets(), constraints=constraint_sets(), data=st.data())
def test_decision_is_deterministic_and_independent_of_input_order(results, constraints, data):
    first = decide(results, constraints)
    assert decide(list(results), constraints) == first
    shuffled = data.draw(st.permutations(results))
    again = decide(shuffled, constraints)
    assert again.ranked == first.ranked  # names, ranks, reasons and front flags alike
    assert set(again.pareto_front) == set(first.pareto_front)
    assert dict((r.name, r.reasons) for r in again.rejected) == dict((r.name, r.reasons) for r in first.rejected)
    assert again.closest == first.closest


@PROPERTY_SETTINGS
@given(results=result_sets(), constraints=constraint_sets())
def test_every_candidate_is_either_ranked_or_rejected_once(results, constraints):
    decision = decide(results, constraints)
    ranked = [r.name for r in decision.ranked]
    rejected = [r.name for r in decision.rejected]
    assert sorted(ranked + rejected) == sorted(r.name for r in results)
    assert [r.rank for r in decision.ranked] == list(range(1, len(ranked) + 1))
    by_name = {r.name: r for r in results}
    for name in ranked:
        assert constraint_violations(by_name[name], constraints) == ()
    for rejection in decision.rejected:
        assert rejection.reasons == constraint_violations(by_name[rejection.name], constraints) != ()
    front = set(decision.pareto_front)
    assert all(r.on_pareto_front == (r.name in front) for r in decision.ranked)


@PROPERTY_SETTINGS
@given(results=result_sets(), pct=st.sampled_from(LATENCY_PERCENTILES))
def test_ranking_puts_accuracy_first_then_speed_then_name(results, pct):
    feasible = [r for r in results if r.status == "ok"]
    ranked = rank(feasible, latency_percentile=pct)
    by_name = {r.name: r for r in feasible}

    def key(name: str) -> tuple[bool, float, float, str]:
        result = by_name[name]
        latency = result.profile.latency.percentile_ms(pct) if result.profile is not None else float("inf")
        accuracy = result.accuracy
        return (accuracy is None, -(accuracy or 0.0), latency, name)

    names = [r.name for r in ranked]
    assert names == sorted(names, key=key)
    # Unknown accuracy never ranks above a known one.
    known = [by_name[n].accuracy is not None for n in names]
    assert known == sorted(known, reverse=True)


# --- constraints -------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(results=result_sets(), data=st.data())
def test_tightening_a_constraint_never_admits_a_candidate(results, data):
    loose = data.draw(constraint_sets(), label="loose")
    tight = data.draw(tightened(loose), label="tight")
    feasible_loose = {r.name for r in results if not constraint_violations(r, loose)}
    feasible_tight = {r.name for r in results if not constraint_violations(r, tight)}
    assert feasible_tight <= feasible_loose
    loose_decision, tight_decision = decide(results, loose), decide(results, tight)
    assert {r.name for r in tight_decision.ranked} == feasible_tight
    # An unsatisfied recommendation stays unsatisfied under stricter limits.
    if not loose_decision.ranked:
        assert not tight_decision.ranked


@PROPERTY_SETTINGS
@given(results=result_sets(), data=st.data())
def test_gate_agrees_with_the_decision_under_the_reports_and_under_tightened_constraints(results, data):
    loose = data.draw(constraint_sets(), label="loose")
    tight = data.draw(tightened(loose), label="tight")
    rec = make_recommendation(tuple(results), max_latency_ms=loose.max_latency_ms, max_memory_mb=loose.max_memory_mb,
                              min_accuracy=loose.min_accuracy, latency_percentile=loose.latency_percentile)
    ranked_loose = {r.name for r in rec.ranked}
    ranked_tight = {r.name for r in decide(results, tight).ranked}
    for result in results:
        assert gate_model(rec, model=result.name).passed == (result.name in ranked_loose)
        assert gate_model(rec, model=result.name, constraints=tight).passed == (result.name in ranked_tight)


@PROPERTY_SETTINGS
@given(results=result_sets(), constraints=constraint_sets())
def test_no_constraints_admit_every_candidate_that_ran(results, constraints):
    # The loosest constraints are none at all: only failed or skipped candidates are rejected there.
    free = decide(results, Constraints(latency_percentile=constraints.latency_percentile))
    assert {r.name for r in free.ranked} == {r.name for r in results if r.status == "ok"}
    assert {r.name for r in decide(results, constraints).ranked} <= {r.name for r in free.ranked}


@PROPERTY_SETTINGS
@given(results=result_sets(), constraints=constraint_sets())
def test_closest_is_named_only_when_nothing_is_feasible_and_is_a_rejected_measured_candidate(
    results, constraints
):
    decision = decide(results, constraints)
    if decision.ranked:
        assert decision.closest is None
        return
    if decision.closest is not None:
        closest = next(r for r in results if r.name == decision.closest)
        assert closest.status == "ok" and closest.profile is not None
        assert decision.closest in {r.name for r in decision.rejected}



@PROPERTY_SETTINGS
@given(results=result_sets(), constraints=constraint_sets())
def test_every_rejected_candidate_misses_by_more_than_nothing(results, constraints):
    # A shortfall of zero would make a rejected candidate the "closest" while it may miss by any amount.
    for result in results:
        if constraint_violations(result, constraints):
            assert _shortfall(result, constraints) > 0, constraint_violations(result, constraints)


def test_a_candidate_of_unmeasured_memory_is_not_named_closest_under_a_memory_limit():
    # The counterexample the property above found: unknown memory used to count as no excess at all.
    unmeasured = make_result("unmeasured", memory_mb=None, p90_ms=1.0)
    near = make_result("near", memory_mb=110.0, p90_ms=1.0)
    decision = decide([unmeasured, near], Constraints(max_memory_mb=100))
    assert not decision.ranked
    assert decision.closest == "near"
