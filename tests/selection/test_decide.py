"""The decision maths: constraint filter, Pareto front, ranking and reasons."""

from __future__ import annotations

import pytest

from modelpick.constraints import Constraints
from modelpick.selection import constraint_violations, decide, pareto_front, pareto_mask
from modelpick.testing.factories import make_result


def test_pareto_mask_minimises_every_objective():
    points = [(1.0, 5.0), (2.0, 2.0), (3.0, 3.0), (5.0, 1.0), (1.0, 5.0)]
    assert pareto_mask(points) == [True, True, False, True, True]


def test_pareto_mask_single_and_empty():
    assert pareto_mask([]) == []
    assert pareto_mask([(3.0, 3.0, 3.0)]) == [True]


def test_pareto_front_uses_accuracy_latency_and_memory():
    results = [
        make_result("accurate-slow", accuracy=0.92, p90_ms=50, memory_mb=400),
        make_result("fast-ok", accuracy=0.85, p90_ms=5, memory_mb=300),
        make_result("dominated", accuracy=0.84, p90_ms=6, memory_mb=310),
        make_result("small", accuracy=0.80, p90_ms=8, memory_mb=20),
        make_result("unknown", accuracy=None, p90_ms=1, memory_mb=10),
        make_result("broken", status="failed", reason="boom"),
    ]
    assert pareto_front(results) == ("accurate-slow", "fast-ok", "small")


def test_latency_violation_names_percentile_value_and_limit():
    result = make_result("m", p90_ms=31.2)
    assert constraint_violations(result, Constraints(max_latency_ms=20)) == ("p90 31.2 ms > 20 ms",)


def test_latency_percentile_is_respected():
    result = make_result("m", p90_ms=24.0)  # p50 = 20.0 in the factory
    assert constraint_violations(result, Constraints(max_latency_ms=21, latency_percentile="p50")) == ()
    assert constraint_violations(result, Constraints(max_latency_ms=21, latency_percentile="p90"))


def test_memory_and_accuracy_violations():
    result = make_result("m", accuracy=0.78, memory_mb=612)
    reasons = constraint_violations(result, Constraints(max_memory_mb=500, min_accuracy=0.85))
    assert reasons == ("peak memory 612 MB > 500 MB", "accuracy 0.780 < 0.85")


def test_unknown_accuracy_cannot_meet_a_floor_but_meets_cost_constraints():
    result = make_result("arch", accuracy=None)
    (reason,) = constraint_violations(result, Constraints(min_accuracy=0.5))
    assert "unknown" in reason and "0.5" in reason
    assert constraint_violations(result, Constraints(max_latency_ms=100)) == ()


def test_failed_candidate_is_rejected_with_its_reason():
    result = make_result("x", status="failed", reason="timed out after 30 s")
    assert constraint_violations(result, Constraints()) == ("failed: timed out after 30 s",)


def test_decide_ranks_by_accuracy_then_latency_with_reasons():
    results = [
        make_result("b", accuracy=0.90, p90_ms=30),
        make_result("a", accuracy=0.90, p90_ms=10),
        make_result("c", accuracy=0.95, p90_ms=80),
        make_result("arch", accuracy=None, p90_ms=2),
    ]
    decision = decide(results, Constraints(max_latency_ms=50))
    assert [r.name for r in decision.ranked] == ["a", "b", "arch"]
    assert decision.ranked[0].reason.startswith("Most accurate")
    assert "accuracy 0.900" in decision.ranked[0].reason and "p90 10.0 ms" in decision.ranked[0].reason
    assert "3.0x slower than #1" in decision.ranked[1].reason
    assert "unknown" in decision.ranked[2].reason
    assert [r.name for r in decision.rejected] == ["c"]
    assert decision.rejected[0].reasons == ("p90 80.0 ms > 50 ms",)
    assert decision.closest is None


def test_runner_up_inside_interval_is_said():
    results = [make_result("top", accuracy=0.90, p90_ms=40), make_result("close", accuracy=0.89, p90_ms=10)]
    decision = decide(results, Constraints())
    assert "inside #1's 95% interval" in decision.ranked[1].reason
    assert "4.0x faster than #1" in decision.ranked[1].reason


def test_nothing_feasible_reports_the_closest():
    results = [
        make_result("far", accuracy=0.9, p90_ms=100),
        make_result("near", accuracy=0.9, p90_ms=22),
        make_result("dead", status="failed", reason="crash"),
    ]
    decision = decide(results, Constraints(max_latency_ms=20))
    assert decision.ranked == ()
    assert decision.closest == "near"


def test_no_constraints_ranks_every_ok_candidate():
    results = [make_result("x", accuracy=0.7), make_result("y", status="skipped", reason="no profile")]
    decision = decide(results, Constraints())
    assert [r.name for r in decision.ranked] == ["x"]
    assert decision.rejected[0].reasons == ("skipped: no profile",)


@pytest.mark.parametrize("latency", [5.0, 19.999])
def test_boundary_is_inclusive(latency):
    assert constraint_violations(make_result("m", p90_ms=latency), Constraints(max_latency_ms=20)) == ()
    assert constraint_violations(make_result("m", p90_ms=20.0), Constraints(max_latency_ms=20)) == ()


def test_memory_on_a_gpu_is_the_gpu_memory_everywhere():
    import dataclasses

    from modelpick.report._format import memory_cell

    cpu = make_result("cpu-model", memory_mb=400.0)
    profile = dataclasses.replace(cpu.profile, device="cuda:0", peak_rss_mb=900.0, peak_gpu_mb=250.0)
    gpu = dataclasses.replace(cpu, candidate=dataclasses.replace(cpu.candidate, name="gpu-model"), profile=profile)
    assert (cpu.profile.memory_mb, cpu.profile.memory_on_gpu) == (400.0, False)
    assert (gpu.profile.memory_mb, gpu.profile.memory_on_gpu) == (250.0, True)
    # The limit, the ranking's wording and the report all read the same figure.
    limit = Constraints(max_memory_mb=300)
    assert constraint_violations(gpu, limit) == ()
    assert constraint_violations(cpu, limit) == ("peak memory 400 MB > 300 MB",)
    assert memory_cell(gpu) == "250 (GPU)" and memory_cell(cpu) == "400"
    decision = decide([cpu, gpu], limit)
    assert [r.name for r in decision.ranked] == ["gpu-model"] and "250 MB" in decision.ranked[0].reason
