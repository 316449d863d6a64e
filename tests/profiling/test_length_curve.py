"""Latency curves: the grid, interpolation, reading a curve at other lengths, drift correction, intervals.

Pure arithmetic on hand-made timings, so every expected figure is computed here independently.
"""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from modelpick._numeric import percentile
from modelpick.profiling import ProfileSettings
from modelpick.profiling._base import (
    MeasuredCost,
    Reference,
    TimingRound,
    assemble,
    at_lengths,
    corrected_timings_ms,
    held_out_error,
    candidate_sentinel_s,
)
from modelpick.profiling._curve import (
    LENGTH_LADDER,
    batch_widths,
    held_out_lengths,
    interpolate,
    length_grid,
    _resampled_p50s,
    mixture_stats,
    p50_interval,
    ratio_interval,
    weighted_percentile,
)
from modelpick.results import CurvePoint, LatencyCurve, ProfileResult

SETTINGS = ProfileSettings(min_rounds=2, noise_threshold=0.05)


@pytest.mark.parametrize(("lengths", "max_length", "expected"), [
    ([9, 20, 95], 512, (8, 16, 32, 64, 128)),
    ([4, 4, 5], 512, (4, 8)),
    ([2, 3], 512, (2, 4)),
    ([300, 700], 512, (256, 512)),  # truncated to the model's 512
    ([100, 129], 129, (64, 128, 129)),  # RoBERTa's 129 positions are the top
    ([16, 16], 512, (16, 32)),
    ([600], 1000, (512, 1000)),
])
def test_the_grid_brackets_every_length_with_ladder_steps(lengths, max_length, expected):
    grid = length_grid(lengths, max_length=max_length)
    assert grid == expected
    assert grid[0] <= min(min(lengths), max_length) and grid[-1] >= min(max(lengths), max_length)
    assert all(n in LENGTH_LADDER or n == max_length for n in grid)


def test_held_out_lengths_lie_between_grid_points_and_are_never_grid_points():
    for grid in [(8, 16), (4, 8, 16, 32, 64, 128, 256, 512), (64, 128, 129)]:
        held = held_out_lengths(grid)
        assert 1 <= len(held) <= 3
        assert all(grid[0] < n < grid[-1] and n not in grid for n in held)
    assert held_out_lengths((8, 9)) == ()  # nothing fits between


def test_interpolation_is_exact_at_the_points_linear_between_and_conservative_outside():
    points = [(8, 2.0), (16, 3.0), (64, 9.0)]
    assert [interpolate(points, n) for n in (8, 16, 64)] == [2.0, 3.0, 9.0]
    assert interpolate(points, 40) == pytest.approx(6.0)
    assert interpolate(points, 2) == 2.0  # shorter than measured: not faster than the shortest point
    assert interpolate(points, 112) == pytest.approx(15.0)  # the last segment, extended


def test_a_weighted_percentile_is_the_percentile_of_the_repeated_values():
    rng = random.Random(4)
    for _ in range(200):
        values = [rng.uniform(0, 10) for _ in range(rng.randint(1, 6))]
        weights = [rng.randint(0, 4) for _ in values]
        if not any(weights):
            weights[0] = 1
        expanded = [v for v, w in zip(values, weights, strict=True) for _ in range(w)]
        for q in (0, 10, 50, 90, 99, 100):
            assert weighted_percentile(values, weights, q) == pytest.approx(percentile(expanded, q))


def test_a_curve_read_at_its_own_grid_lengths_gives_those_lengths_timings():
    curve = {8: [1.0, 1.1, 1.2, 1.3], 16: [2.0, 2.1, 2.2, 2.3]}
    only_8 = mixture_stats(curve, [8] * 5)
    assert only_8.p50_ms == pytest.approx(percentile([1.0, 1.1, 1.2, 1.3], 50), rel=0.05)
    # Half the texts at each length: the p50 lies between the lengths, the p90 near the slower one.
    both = mixture_stats(curve, [8, 16])
    assert 1.3 <= both.p50_ms <= 2.0 and both.p90_ms >= 2.0


def test_without_call_noise_the_p50_is_the_curve_at_the_median_length():
    curve = {8: [1.0] * 5, 32: [4.0] * 5}  # 0.125 ms per token
    lengths = [8, 12, 20, 24, 30]
    stats = mixture_stats(curve, lengths)
    assert stats.p50_ms == pytest.approx(20 * 0.125 + 0.0)
    # Each text stands for its length's five quantile levels (all equal here).
    assert stats.p90_ms == pytest.approx(percentile([n * 0.125 for n in lengths for _ in range(5)], 90))
    assert stats.mean_ms == pytest.approx(sum(n * 0.125 for n in lengths) / len(lengths))


def test_held_out_error_compares_interpolation_with_what_was_measured():
    # A quadratic cost: a straight line between 8 and 32 overestimates at 16.
    curve = LatencyCurve((CurvePoint(8, (64.0,)), CurvePoint(16, (256.0,), held_out=True), CurvePoint(32, (1024.0,))))
    interpolated = 64.0 + (1024.0 - 64.0) * (16 - 8) / (32 - 8)
    assert held_out_error(curve) == pytest.approx(abs(interpolated - 256.0) / 256.0)
    assert held_out_error(LatencyCurve((CurvePoint(8, (1.0,)), CurvePoint(16, (2.0,))))) is None


def test_intervals_cover_the_figure_and_narrow_with_steadier_timings():
    rng = random.Random(1)
    steady = {8: [1.0 + rng.gauss(0, 0.01) for _ in range(20)], 16: [2.0 + rng.gauss(0, 0.01) for _ in range(20)]}
    shaky = {8: [1.0 + rng.gauss(0, 0.2) for _ in range(20)], 16: [2.0 + rng.gauss(0, 0.4) for _ in range(20)]}
    lengths = [8, 9, 12, 16]
    for curve in (steady, shaky):
        low, high = p50_interval(curve, lengths)
        assert low <= mixture_stats(curve, lengths).p50_ms <= high
    assert (lambda i: i[1] - i[0])(p50_interval(steady, lengths)) < (lambda i: i[1] - i[0])(p50_interval(shaky, lengths))
    ratio, low, high = ratio_interval(({8: [2 * t for t in steady[8]], 16: [2 * t for t in steady[16]]}, lengths),
                                      (steady, lengths))
    assert ratio == pytest.approx(2.0) and 1.9 < low <= ratio <= high < 2.1


@pytest.mark.parametrize("grid", [(8,), (8, 16, 64), (16, 32)])
def test_the_bootstrap_is_the_mixture_p50_of_each_resample_of_whole_rounds(grid):
    # All resamples are computed at once; each must be mixture_stats' p50 of the rounds it drew, drawn here
    # with the same generator. Lengths below, inside and beyond the grid; one length has extra calls
    # where there are others (rounds beyond the fewest are not drawn); ties between lengths test the weighted median's ordering.
    rng = random.Random(7)
    curve = {x: [round(x / 8 * (1 + rng.gauss(0, 0.3)), 2) for _ in range(9)] for x in grid}
    curve[grid[0]] = [*curve[grid[0]], 99.0]
    lengths = [4, 8, 8, 11, 16, 16, 20, 40, 80, 80, 80]
    draws, rounds = random.Random(3), min(len(v) for v in curve.values())
    expected = []
    for _ in range(50):
        picks = [draws.randrange(rounds) for _ in range(rounds)]
        expected.append(mixture_stats({x: [v[i] for i in picks] for x, v in curve.items()}, lengths).p50_ms)
    assert _resampled_p50s(curve, lengths, resamples=50, seed=3) == pytest.approx(expected, rel=1e-12)


def _cost(**overrides) -> MeasuredCost:
    values = dict(
        candidate="m", device="cpu", num_threads=1, inputs_lengths=(8, 32, 16), curve=True,
        held_out=frozenset({2}), sample_lengths=(8, 8, 20, 32), lengths_source="test", sentinel="s", tokenize=None,
        throughput_batch_size=4, throughput_per_s=10.0, peak_rss_mb=5.0, peak_gpu_mb=None, parameters=10,
        weights_on_disk_mb=None, gflops_per_s=(1.0, 2.0, 1.5), machine_peak_gflops=10.0, timer="perf_counter",
        library_versions={}, measured_at="2026-11-22T00:00:00+00:00",
    )
    return MeasuredCost(**{**values, **overrides})


def test_the_calls_are_brought_to_the_reference_speed_by_the_measurements_median_sentinel():
    # The machine ran 1.5x slower than its reference over the measurement (sentinel 1, 2 and 1.5 ms).
    rounds = [TimingRound(0.001, (0.001, 0.004, 0.002), 0.01), TimingRound(0.002, (0.002, 0.008, 0.004), 0.02),
              TimingRound(0.0015, (0.0015, 0.006, 0.003), 0.02)]
    result = assemble(_cost(), rounds, reference=Reference("s", 0.001, "2026-01-01"), settings=SETTINGS)
    assert result.curve.grid == (8, 32)
    # The curve keeps the calls as measured, and each round's sentinel.
    assert result.curve.grid_timings_ms()[8] == pytest.approx((1.0, 2.0, 1.5))
    assert result.drift.round_sentinel_ms == pytest.approx((1.0, 2.0, 1.5))
    assert result.drift.reference_ms == 1.0 and result.drift.sentinel_p50_ms == pytest.approx(1.5)
    assert result.drift.drift == pytest.approx(0.5)
    # 50% slower, of which the first 3% is within the sentinel's own noise: scaled by 1.03 / 1.5.
    factor = 1.03 / 1.5
    assert result.drift.deadband == 0.03 and result.drift.correction == pytest.approx(factor)
    # Besides, each round is brought to the median round's speed (sentinel 1.5 ms), less the 5% within the
    # sentinel's noise: the round at 1 ms by 1.5 / 1 / 1.05, the one at 2 ms by 1.5 / 2 * 1.05.
    assert result.drift.round_deadband == 0.05
    rounds_factors = (1.5 / 1.05, 0.75 * 1.05, 1.0)
    grid = corrected_timings_ms(result.curve, result.drift)
    assert grid[8] == pytest.approx(tuple(t * f * factor for t, f in zip((1.0, 2.0, 1.5), rounds_factors)))
    assert grid[32] == pytest.approx(tuple(t * f * factor for t, f in zip((4.0, 8.0, 6.0), rounds_factors)))
    assert result.latency.p50_ms < result.drift.raw_p50_ms  # the raw figures stay as measured
    # Read at the sample's lengths (8, 8, 20, 32) on lines through the measured points.
    assert result.lengths.n == 4 and (result.lengths.measured_min, result.lengths.measured_max) == (8, 32)
    assert result.gflops_per_s == 1.0  # the measured length nearest the sample's median (8)
    assert ProfileResult.from_dict(result.to_dict()) == result


def test_the_runs_sentinels_give_one_factor_to_every_candidate_of_the_run():
    # Three candidates timed in turns: their processes' sentinels read 1, 3 and 2 ms (the same machine).
    mine = [TimingRound(0.001, (0.001, 0.004, 0.002), 0.01), TimingRound(0.001, (0.001, 0.004, 0.002), 0.01)]
    run = [candidate_sentinel_s(mine), 0.003, 0.002]
    result = assemble(_cost(), mine, reference=Reference("s", 0.001, "2026-01-01"), settings=SETTINGS,
                      run_sentinels_s=run)
    # The run's: the faster half of the candidates' (1 and 2 ms), not this process's 1 ms alone.
    assert result.drift.sentinel_p50_ms == pytest.approx(1.5)
    assert (result.drift.sentinel_min_ms, result.drift.sentinel_max_ms) == pytest.approx((1.0, 3.0))
    assert result.drift.round_sentinel_ms == pytest.approx((1.0, 1.0))  # its own rounds, as timed
    assert result.latency.p50_ms == pytest.approx(result.drift.raw_p50_ms * 1.03 / 1.5)


def test_a_candidates_sentinel_for_the_run_is_its_rounds_median_however_many_rounds_it_took():
    few = [TimingRound(0.003, (0.001, 0.004, 0.002), 0.01)] * 5
    many = [TimingRound(0.001, (0.001, 0.004, 0.002), 0.01)] * 47 + [TimingRound(0.009, (0.001, 0.004, 0.002), 0.01)]
    assert candidate_sentinel_s(few) == 0.003 and candidate_sentinel_s(many) == 0.001
    # Pooled, each counts once: the 48 rounds of one do not outvote the 5 of the other two (round by
    # round, the run's sentinel would be 1 ms); the faster half of the three is 1 and 3 ms.
    result = assemble(_cost(), few, reference=Reference("s", 0.001, "2026-01-01"), settings=SETTINGS,
                      run_sentinels_s=[candidate_sentinel_s(few), candidate_sentinel_s(many), candidate_sentinel_s(few)])
    assert result.drift.sentinel_p50_ms == pytest.approx(2.0)


@pytest.mark.parametrize(("sentinel_s", "factor"), [(0.00102, 1.0), (0.00098, 1.0), (0.00103, 1.0),
                                                     (0.0022, 1.03 / 2.2), (0.00044, 1 / 0.44 / 1.03)])
def test_drift_within_the_sentinels_own_noise_is_left_as_measured_and_only_the_excess_is_corrected(
        sentinel_s, factor):
    rounds = [TimingRound(sentinel_s, (0.001, 0.004, 0.002), 0.01)] * 2
    result = assemble(_cost(), rounds, reference=Reference("s", 0.001, "2026-01-01"), settings=SETTINGS)
    assert result.drift.correction == pytest.approx(factor)
    assert result.latency.p50_ms == pytest.approx(result.drift.raw_p50_ms * factor)


def test_without_a_reference_the_rounds_own_median_sentinel_is_the_reference():
    rounds = [TimingRound(0.001, (0.001, 0.004, 0.002), 0.01), TimingRound(0.003, (0.003, 0.012, 0.006), 0.02)]
    result = assemble(_cost(), rounds, reference=None, settings=SETTINGS)
    assert result.drift.reference_ms == pytest.approx(2.0) and result.drift.drift == pytest.approx(0.0)
    assert result.drift.correction == 1.0  # the run is not scaled; its rounds are brought to the median one's speed
    assert corrected_timings_ms(result.curve, result.drift)[8] == pytest.approx((2.0 / 1.05, 3.0 * 2 / 3 * 1.05))


def test_a_round_timed_in_a_slow_spell_is_brought_to_the_median_rounds_speed():
    # Five rounds; the machine ran 30% slower for the fourth, and its sentinel and calls both show it. The
    # others' sentinels stay within 5% of the median: left as measured (the sentinel's own noise).
    sentinels = (0.00100, 0.00102, 0.00099, 0.00130, 0.00101)
    rounds = [TimingRound(s, (0.002 * s / 0.001, 0.008 * s / 0.001, 0.004), 0.01) for s in sentinels]
    result = assemble(_cost(), rounds, reference=None, settings=SETTINGS)
    raw = result.curve.grid_timings_ms()[8]
    corrected = corrected_timings_ms(result.curve, result.drift)[8]
    assert corrected[:3] + corrected[4:] == pytest.approx(raw[:3] + raw[4:])
    assert corrected[3] == pytest.approx(raw[3] * 1.01 / 1.30 * 1.05)  # back to the median (1.01 ms) but 5%
    assert max(corrected) / min(corrected) < 1.08 < max(raw) / min(raw)
    # A profile recorded before measurement procedure 7 has no round band: read as it was then, every
    # round alike.
    older = dataclasses.replace(result.drift, round_deadband=None)
    assert corrected_timings_ms(result.curve, older)[8] == pytest.approx(raw)
    assert ProfileResult.from_dict(result.to_dict()).drift == result.drift


def test_a_round_is_judged_by_its_sentinels_before_and_after_it():
    # A long round: the machine was 30% slow when it began and back to speed for the rest of it (the
    # sentinel after reads the median), so its calls were only a little slow. The sentinel before alone
    # would bring them 24% down; the pair (geometric mean, 14% off the median) brings them 9% down.
    before = (0.00100, 0.00101, 0.00130, 0.00099, 0.00100)
    after = (0.00100, 0.00099, 0.00100, 0.00101, 0.00100)
    rounds = [TimingRound(b, (0.002, 0.008, 0.004), 0.5, sentinel_after_s=a) for b, a in zip(before, after, strict=True)]
    result = assemble(_cost(), rounds, reference=None, settings=SETTINGS)
    assert result.drift.round_sentinel_after_ms == pytest.approx(tuple(a * 1e3 for a in after))
    raw = result.curve.grid_timings_ms()[8]
    corrected = corrected_timings_ms(result.curve, result.drift)[8]
    assert corrected[3:] + corrected[:2] == pytest.approx(raw[3:] + raw[:2])
    assert corrected[2] == pytest.approx(raw[2] / math.sqrt(1.30) * 1.05)  # back to the median but 5%
    # Recorded before measurement procedure 8 (no sentinel after): the sentinel before alone, as then.
    older = dataclasses.replace(result.drift, round_sentinel_after_ms=())
    assert corrected_timings_ms(result.curve, older)[8][2] == pytest.approx(raw[2] / 1.30 * 1.05)
    assert ProfileResult.from_dict(result.to_dict()).drift == result.drift
    # Rounds timed with no sentinel after leave the record empty, not half filled.
    mixed = [*rounds[:4], TimingRound(0.001, (0.002, 0.008, 0.004), 0.5)]
    assert assemble(_cost(), mixed, reference=None, settings=SETTINGS).drift.round_sentinel_after_ms == ()


def test_a_new_reference_brings_a_kept_profile_to_it_without_measuring_again():
    rounds = [TimingRound(0.001, (0.001, 0.004, 0.002), 0.01), TimingRound(0.002, (0.002, 0.008, 0.004), 0.02)]
    measured = assemble(_cost(), rounds, reference=Reference("s", 0.001, "2026-01-01"), settings=SETTINGS)
    faster = at_lengths(measured, _cost().sample_lengths, "test", reused_from="cache",
                        reference=Reference("s", 0.0005, "2026-02-01"))
    assert faster.latency.p50_ms == pytest.approx(measured.latency.p50_ms / 2)
    assert faster.drift.reference_ms == 0.5 and faster.drift.reference_measured_at == "2026-02-01"
    assert faster.drift.raw_p50_ms == pytest.approx(measured.drift.raw_p50_ms)  # what was measured stays
    other = at_lengths(measured, _cost().sample_lengths, "test", reused_from="cache",
                       reference=Reference("another sentinel", 0.0005, "2026-02-01"))
    assert other.latency.p50_ms == pytest.approx(measured.latency.p50_ms)  # a reference of another sentinel


def test_a_profile_read_at_other_lengths_is_re_weighted_and_says_which_fall_outside():
    rounds = [TimingRound(0.001, (0.001, 0.004, 0.002), 0.01)] * 3
    measured = assemble(_cost(), rounds, reference=None, settings=SETTINGS)
    longer = at_lengths(measured, [32, 32, 64, 100], "their tokenizer", reused_from="cache")
    assert longer.latency.p50_ms > measured.latency.p50_ms
    assert longer.lengths.outside_range == 2 and longer.lengths.source == "their tokenizer"
    assert longer.reused_from == "cache" and longer.curve == measured.curve and longer.measured_at == measured.measured_at
    # On the line through (8, 1 ms) and (32, 4 ms), extended; each text stands for three rounds' quantiles.
    assert longer.latency.p90_ms == pytest.approx(percentile([4.0, 4.0, 8.0, 12.5] * 3, 90))
    same = at_lengths(measured, _cost().sample_lengths, "test", reused_from="profiles.json")
    assert math.isclose(same.latency.p50_ms, measured.latency.p50_ms)


@pytest.mark.parametrize("batch_size", [2, 4, 16])
def test_batch_widths_are_distributed_as_the_longest_of_batch_size_random_texts(batch_size):
    lengths = [random.Random(3).randint(5, 120) for _ in range(300)]
    widths = batch_widths(lengths, batch_size)
    assert len(widths) >= len(lengths) and set(widths) <= set(lengths)
    for x in (20, 60, 100, 120):
        share = sum(1 for n in lengths if n <= x) / len(lengths)
        assert sum(1 for w in widths if w <= x) / len(widths) == pytest.approx(share ** batch_size, abs=2e-3)
    # Checked against batches actually drawn: the median width agrees within the draw's own noise.
    rng = random.Random(0)
    drawn = [max(rng.choice(lengths) for _ in range(batch_size)) for _ in range(20000)]
    assert abs(percentile(widths, 50) - percentile(drawn, 50)) <= 2


def test_batch_size_one_reads_the_texts_own_lengths_and_a_larger_batch_never_reads_faster():
    assert batch_widths((7, 3, 9), 1) == (7, 3, 9)
    cost = _cost()
    rounds = [TimingRound(0.001, (0.001, 0.004, 0.002), 0.01)] * 3
    one = assemble(cost, rounds, reference=None, settings=SETTINGS)
    four = assemble(dataclasses.replace(cost, latency_batch_size=4), rounds, reference=None, settings=SETTINGS)
    assert one.batch_size == 1 and four.batch_size == 4
    for name in ("p50_ms", "p90_ms", "p99_ms", "mean_ms"):
        assert getattr(four.latency, name) >= getattr(one.latency, name)
    assert four.latency.p50_ms > one.latency.p50_ms  # the sample mixes lengths: batches are wider than texts
    # Read elsewhere, a profile keeps the batch size it was timed at.
    again = at_lengths(four, cost.sample_lengths, "test", reused_from="cache")
    assert again.latency.p50_ms == pytest.approx(four.latency.p50_ms)
