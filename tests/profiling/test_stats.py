"""The timing statistics and the adaptive repeat loop, on synthetic timings (no model, no clock asserts)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import statistics

import pytest

from modelpick._numeric import percentile
from modelpick.exceptions import InvalidParameterError
from modelpick.profiling._stats import measure, noise_of, relative_iqr, summarize_timings


class ScriptedTimer:
    """A timer that calls the function and reports scripted durations instead of the clock's.

    It is the loop's own injection point (the CUDA timer plugs in the same way), so the stopping rules
    can be checked exactly without depending on how busy the machine is.
    """

    def __init__(self, durations):
        self._durations = itertools.cycle(durations)
        self.calls = 0

    def __call__(self, call):
        call()
        self.calls += 1
        return next(self._durations)


def test_percentile_matches_linear_interpolation():
    values = [3.0, 1.0, 2.0, 4.0, 10.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 10.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 75) == 4.0
    assert percentile(values, 90) == pytest.approx(4.0 + 0.6 * 6.0)
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_relative_iqr_and_noise_compare_each_input_with_itself():
    assert relative_iqr([2.0]) == math.inf  # a spread needs two repeats
    assert relative_iqr([2.0, 2.0, 2.0, 2.0]) == 0.0
    # Inputs of very different lengths are not noise as long as each repeats itself.
    assert noise_of([[1.0, 1.0, 1.0], [100.0, 100.0, 100.0]]) == 0.0
    assert noise_of([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]) == pytest.approx(0.5)
    assert relative_iqr([0.0, 0.0]) == 0.0
    assert relative_iqr([0.0, 0.0, 0.0, 1.0]) == 1.0  # zero median with spread: a clock too coarse


def test_summarize_timings_reports_ms_over_every_call():
    per_input = [[0.001, 0.002, 0.003], [0.010, 0.010, 0.010]]
    stats = summarize_timings(per_input, noise_threshold=0.05)
    flat_ms = [1.0, 2.0, 3.0, 10.0, 10.0, 10.0]
    assert stats.n == 6
    assert stats.p50_ms == pytest.approx(percentile(flat_ms, 50))
    assert stats.p99_ms == pytest.approx(percentile(flat_ms, 99))
    assert stats.mean_ms == pytest.approx(statistics.fmean(flat_ms))
    assert stats.stdev_ms == pytest.approx(statistics.stdev(flat_ms))
    assert stats.p50_ms <= stats.p90_ms <= stats.p95_ms <= stats.p99_ms
    assert stats.noise == pytest.approx(statistics.median([0.5, 0.0]))
    assert stats.noisy is True  # 0.25 >= 0.05


def test_summarize_never_reports_infinite_noise():
    stats = summarize_timings([[0.001], [0.002]], noise_threshold=0.05)
    assert stats.noisy is True
    assert math.isfinite(stats.noise)
    assert stats.stdev_ms > 0


def test_stable_timings_stop_after_min_rounds_and_are_not_noisy():
    timer = ScriptedTimer([0.010])
    calls = []
    m = measure(calls.append, 4, min_rounds=3, noise_threshold=0.05, max_time_s=60, warmup=2, timer=timer)
    assert m.rounds == 3
    assert m.stopped_by == "stable"
    assert m.stats.noisy is False
    assert m.stats.n == 3 * 4
    # Warm-up calls ran (2 rounds of 4 inputs) but the timer never saw them.
    assert m.warmup_calls == 8
    assert len(calls) == 8 + 12
    assert timer.calls == 12
    assert calls[:8] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert all(len(repeats) == 3 for repeats in m.per_input_s)


def test_noisy_timings_run_to_the_time_cap_and_are_flagged():
    # Every input alternates between 1 ms and 3 ms: IQR/median never drops below 5%.
    timer = ScriptedTimer([0.001, 0.001, 0.003, 0.003])
    m = measure(lambda i: None, 2, min_rounds=3, noise_threshold=0.05, max_time_s=0.05, timer=timer)
    assert m.stopped_by == "time cap"
    assert m.stats.noisy is True
    assert m.stats.noise >= 0.05
    assert m.rounds >= 3
    # Only whole rounds: every input has the same number of repeats.
    assert len({len(repeats) for repeats in m.per_input_s}) == 1
    assert m.stats.n == m.rounds * 2 == m.calls


def test_min_rounds_complete_even_past_the_time_cap():
    timer = ScriptedTimer([0.001, 0.003])
    m = measure(lambda i: None, 3, min_rounds=5, noise_threshold=0.01, max_time_s=1e-9, timer=timer)
    assert m.rounds == 5
    assert m.stats.n == 15


def test_noise_that_settles_late_stops_the_loop():
    # Input 0 is noisy for its first three repeats, then repeats itself until its median settles.
    durations = [0.001, 0.004, 0.002] + [0.002] * 50
    timer = ScriptedTimer(durations)
    m = measure(lambda i: None, 1, min_rounds=3, noise_threshold=0.05, max_time_s=60, warmup=0, timer=timer)
    assert m.stopped_by == "stable"
    assert m.rounds > 3
    assert m.stats.noisy is False
    assert m.median_s([0]) == pytest.approx(0.002)
    assert m.total_s == pytest.approx(math.fsum(m.per_input_s[0]))


def test_real_clock_gives_ordered_percentiles():
    m = measure(lambda i: sum(range(200 * (i + 1))), 3, min_rounds=3, max_time_s=0.05)
    s = m.stats
    assert s.n >= 3 * 3 and s.n % 3 == 0
    assert 0 < s.p50_ms <= s.p90_ms <= s.p95_ms <= s.p99_ms
    assert s.stdev_ms >= 0 and s.mean_ms > 0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"n_inputs": 0}, "n_inputs"), ({"min_rounds": 1}, "min_rounds"), ({"warmup": -1}, "warmup")],
)
def test_measure_rejects_bad_parameters(kwargs, name):
    args = {"n_inputs": 2, **kwargs}
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of measure"):
        measure(lambda i: None, args.pop("n_inputs"), **args)


# --- the interleaved rounds' stopping rule (profiling._base.stop_reason) -------------------------------------


def _rounds(per_round: list[float], *, wall_s: float = 0.01) -> list:
    from modelpick.profiling._base import TimingRound

    return [TimingRound(0.001, (t, t), wall_s) for t in per_round]


def test_rounds_stop_once_the_medians_are_known_to_two_percent_not_merely_once_the_noise_is_low():
    from modelpick.profiling import ProfileSettings
    from modelpick.profiling._base import MEDIAN_PRECISION, NOTCH, stop_reason

    settings = ProfileSettings(min_rounds=5, noise_threshold=0.05, max_time_s=60)
    calls = [0.97, 1.0, 1.03, 0.98, 1.02] * 8  # an IQR of a few percent: below the noise threshold
    assert noise_of([calls[:5]]) < settings.noise_threshold
    # ... but five calls know their median only to +-1.57 IQR / sqrt(5), over 2%: the rounds go on.
    assert NOTCH * noise_of([calls[:5]]) / math.sqrt(5) > MEDIAN_PRECISION
    assert stop_reason(_rounds(calls[:5]), settings) is None
    for n in range(5, len(calls) + 1):
        noise = noise_of([calls[:n]])
        known = noise < settings.noise_threshold and NOTCH * noise / math.sqrt(n) < MEDIAN_PRECISION
        assert stop_reason(_rounds(calls[:n]), settings) == ("stable" if known else None), n
    assert stop_reason(_rounds(calls), settings) == "stable"
    # Identical calls are known exactly after the minimum; noisy ones stop at the time cap.
    assert stop_reason(_rounds([1.0] * 4), settings) is None
    assert stop_reason(_rounds([1.0] * 5), settings) == "stable"
    capped = ProfileSettings(min_rounds=5, noise_threshold=0.05, max_time_s=0.04)
    assert stop_reason(_rounds([1.0, 2.0, 3.0, 1.0, 2.0]), capped) == "time cap"


def test_rounds_whose_calls_follow_their_sentinels_swings_are_stable_once_brought_to_the_median_round():
    from modelpick.profiling import ProfileSettings
    from modelpick.profiling._base import TimingRound, stop_reason

    settings = ProfileSettings(min_rounds=5, noise_threshold=0.05, max_time_s=60)
    # The machine ran 25-30% slower or faster for some rounds; the sentinel timed before each round sees it.
    speeds = [1.0, 1.3, 1.0, 0.75, 1.0, 1.25, 1.0]
    swinging = [TimingRound(0.001 * v, (0.002 * v, 0.004 * v), 0.01) for v in speeds]
    assert noise_of([[r.timings_s[0] for r in swinging]]) > settings.noise_threshold
    assert stop_reason(swinging, settings) == "stable"
    # The same calls with a steady sentinel: nothing says the machine moved, so they are noise.
    unexplained = [TimingRound(0.001, r.timings_s, 0.01) for r in swinging]
    assert stop_reason(unexplained, settings) is None
    # A sentinel after each round that says the machine was back to speed: the swing was not the machine's
    # for the whole round, so the calls are only partly brought back and stay noisy.
    recovered = [dataclasses.replace(r, sentinel_after_s=0.001) for r in swinging]
    assert stop_reason(recovered, settings) is None
    # Both sentinels saw it: stable again.
    seen = [dataclasses.replace(r, sentinel_after_s=r.sentinel_s) for r in swinging]
    assert stop_reason(seen, settings) == "stable"
