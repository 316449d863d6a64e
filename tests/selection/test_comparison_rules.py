"""Verdicts, strengths, weaknesses and claim checks follow their stated rules from the measurements."""

from __future__ import annotations

import dataclasses

import pytest

from modelpick.candidates import Claim, common_claims
from modelpick.selection import COST_MARGIN, compare_results
from modelpick.testing.factories import make_latency, make_recommendation, make_result


def result(name, *, family="test", p50=10.0, accuracy=0.8, half_width=0.03, memory=100.0, parameters=1_000_000,
           status="ok", reason=""):
    r = make_result(name, accuracy=accuracy, memory_mb=memory, status=status, reason=reason)
    r = dataclasses.replace(r, candidate=dataclasses.replace(r.candidate, family=family))
    if status != "ok":
        return r
    profile = dataclasses.replace(r.profile, latency=make_latency(p50, p50 * 1.3), parameters=parameters,
                                  throughput_per_s=1000 / p50)
    quality = r.quality
    if accuracy is not None:
        quality = dataclasses.replace(quality, accuracy_low=accuracy - half_width, accuracy_high=accuracy + half_width)
    return dataclasses.replace(r, profile=profile, quality=quality)


def compare(*results, claims=()):
    return compare_results(make_recommendation(tuple(results)), claims)


def test_the_verdict_states_speedup_and_accuracy_difference_with_its_interval():
    cmp = compare(result("distil", p50=10, accuracy=0.872), result("albert", p50=22, accuracy=0.880))
    (verdict,) = cmp.verdicts
    assert (verdict.faster, verdict.slower) == ("distil", "albert")
    assert verdict.speedup_p50 == pytest.approx(2.2)
    assert verdict.accuracy_delta == pytest.approx(-0.8)
    assert verdict.accuracy_margin == pytest.approx(100 * (0.03 ** 2 * 2) ** 0.5)
    assert verdict.accuracy_inside_interval is True
    assert verdict.sentence == (
        "On this machine and this data, distil is 2.2x faster than albert (p50 10.00 ms vs 22.00 ms; 2.2x at p90) "
        "at -0.8 points of accuracy (inside the ±4.2-point interval of the difference)."
    )


def test_a_difference_beyond_the_noise_is_called_outside_and_close_speeds_are_about_the_same():
    (verdict,) = compare(result("a", p50=10, accuracy=0.95, half_width=0.01),
                         result("b", p50=10.5, accuracy=0.80, half_width=0.01)).verdicts
    assert verdict.accuracy_inside_interval is False
    assert "a and b are about as fast" in verdict.sentence and "outside" in verdict.sentence


def test_an_unknown_accuracy_is_never_compared():
    (verdict,) = compare(result("a", p50=5), result("random", p50=9, accuracy=None)).verdicts
    assert verdict.accuracy_delta is None and verdict.accuracy_inside_interval is None
    assert verdict.sentence.endswith("accuracy cannot be compared, as random has no measured accuracy.")


def test_every_pair_gets_a_verdict_and_a_failed_candidate_none():
    cmp = compare(result("a", p50=5), result("b", p50=10), result("c", p50=20),
                  result("broken", status="failed", reason="no weights"))
    assert [(v.faster, v.slower) for v in cmp.verdicts] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert [t.text for t in cmp.traits_of("broken", "weakness")] == ["Not measured here: no weights"]


def test_strengths_and_weaknesses_need_the_stated_margin():
    cmp = compare(result("quick", p50=10, memory=100), result("close", p50=10 * (COST_MARGIN - 0.02), memory=300))
    assert not [t for t in cmp.traits if t.metric == "latency"]  # 8% apart: no one is "fastest"
    memory = [(t.candidate, t.kind) for t in cmp.traits if t.metric == "memory"]
    assert memory == [("quick", "strength"), ("close", "weakness")]
    (least,) = cmp.traits_of("quick", "strength")
    assert least.text == "Least memory: 100 MB peak, 3.0x less than close (300 MB peak)"
    assert "at least 10%" in least.rule


def test_accuracy_strengths_only_when_the_intervals_do_not_overlap():
    overlapping = compare(result("a", accuracy=0.85), result("b", accuracy=0.82))
    assert not [t for t in overlapping.traits if t.metric == "accuracy"]
    apart = compare(result("a", accuracy=0.90), result("b", accuracy=0.80), result("c", accuracy=0.70))
    assert [(t.candidate, t.kind) for t in apart.traits if t.metric == "accuracy"] == [
        ("a", "strength"), ("c", "weakness")
    ]
    unknown = compare(result("a"), result("random", accuracy=None))
    (weakness,) = unknown.traits_of("random", "weakness")
    assert weakness.text.startswith("Accuracy on your data unknown: architecture-only")


def test_claims_are_checked_against_the_measurements():
    claims = (Claim("ALBERT", "BERT", "latency", "ALBERT infers faster than BERT"),
              Claim("ALBERT", "BERT", "parameters", "ALBERT has far fewer parameters than BERT"),
              Claim("ALBERT", "BERT", "accuracy", "ALBERT is more accurate than BERT"),
              Claim("TinyBERT", "BERT", "latency", "not compared here"))
    cmp = compare(result("albert-base-v2", family="ALBERT", p50=24.0, parameters=11_700_000, accuracy=0.80),
                  result("bert-base-uncased", family="BERT", p50=23.0, parameters=109_500_000, accuracy=0.81),
                  claims=claims)
    checks = {c.metric: c for c in cmp.claims}
    assert set(checks) == {"latency", "parameters", "accuracy"}  # TinyBERT is not among the compared
    assert checks["latency"].holds is False
    assert checks["latency"].measured == (
        "Measured here: albert-base-v2 (ALBERT) p50 24.00 ms, bert-base-uncased (BERT) p50 23.00 ms: "
        "within 10% of each other, so neither is ahead."
    )
    assert checks["parameters"].holds is True and "9.4x fewer" in checks["parameters"].measured
    assert checks["accuracy"].holds is None and "intervals overlap" in checks["accuracy"].measured


def test_the_packaged_claims_name_known_families_and_metrics():
    from modelpick.candidates import catalog

    families = {c.family for c in catalog()}
    for claim in common_claims():
        assert {claim.subject, claim.other} <= families, claim


def test_two_candidates_that_both_use_zero_memory_differ_by_nothing():
    # Memory is floored at 0 MB: two baselines can both read 0, which is a tie, not "more than 100x less".
    cmp = compare(result("first", memory=0.0), result("second", memory=0.0))
    memory_traits = [t for t in cmp.traits if t.metric == "memory"]
    assert memory_traits == []
