"""profile_together: real spawned children kept alive, their timing rounds taken in turns."""

from __future__ import annotations

import time

import psutil
import pytest

from modelpick.candidates._base import WeightsResolution
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.exceptions import ProfilingError
from modelpick.profiling import Reference, profile_together
from modelpick.testing import faults
from modelpick.testing.tiny_models import tiny_config


def _bert(name: str = "tiny-bert") -> TransformerCandidate:
    return TransformerCandidate(name=name, family="BERT", model_id=name, source="local path")


def _pair(tiny_bert_dir):
    return [
        (_bert(), WeightsResolution("local", str(tiny_bert_dir), "saved by the test")),
        (_bert("tiny-distilbert"), WeightsResolution("architecture-only", None, "test",
                                                     config=tiny_config("distilbert"))),
    ]


def _no_children_left() -> bool:
    alive = [c for c in psutil.Process().children(recursive=True)
             if "resource_tracker" not in " ".join(c.cmdline())]
    return not psutil.wait_procs(alive, timeout=5)[1]


def test_candidates_take_turns_round_by_round(tiny_bert_dir, split, fast_settings):
    run = profile_together(_pair(tiny_bert_dir), split, fast_settings, timeout_s=300)
    assert set(run.results) == {"tiny-bert", "tiny-distilbert"}
    for result in run.results.values():
        assert not isinstance(result, Exception), result
        assert result.curve is not None and result.drift is not None and result.peak_rss_mb is not None
    # While both were being timed, their rounds alternated: never two rounds of one in a row.
    order = [name for _, name in sorted((r.started_at, name) for name, rounds in run.rounds.items() for r in rounds)]
    shared = 2 * min(len(r) for r in run.rounds.values())
    assert all(a != b for a, b in zip(order[:shared], order[1:shared], strict=False)), order
    assert all(len(r) >= fast_settings.min_rounds for r in run.rounds.values())
    # One sentinel (torch), one reference: this run's sentinel.
    (reference,) = run.references.values()
    assert all(r.drift.reference_ms == pytest.approx(reference.seconds * 1e3) for r in run.results.values())
    # One factor for the run: both are scaled by the faster half of the candidates' median sentinels (of
    # two, the faster: each process counts once, whatever its rounds), and each keeps its own rounds'.
    import statistics

    per_candidate = [statistics.median(r.sentinel_s * 1e3 for r in rounds) for rounds in run.rounds.values()]
    assert reference.seconds * 1e3 == pytest.approx(min(per_candidate))
    for name, result in run.results.items():
        assert result.drift.sentinel_p50_ms == pytest.approx(min(per_candidate))
        assert result.drift.sentinel_min_ms == pytest.approx(min(per_candidate))
        assert result.drift.sentinel_max_ms == pytest.approx(max(per_candidate))
        assert result.drift.round_sentinel_ms == pytest.approx(tuple(r.sentinel_s * 1e3 for r in run.rounds[name]))
        assert result.drift.round_sentinel_after_ms == pytest.approx(
            tuple(r.sentinel_after_s * 1e3 for r in run.rounds[name]))
        assert all(r.sentinel_after_s > 0 for r in run.rounds[name])  # timed after every round
    assert _no_children_left()


def test_a_given_reference_is_the_speed_every_round_is_brought_to(tiny_bert_dir, split, fast_settings):
    from modelpick.profiling._drift import torch_sentinel

    name = torch_sentinel().name
    given = Reference(name, 1e-5, "2026-01-01T00:00:00+00:00")  # a machine 100x faster than this one
    run = profile_together(_pair(tiny_bert_dir)[:1], split, fast_settings, timeout_s=300, references={name: given})
    result = run.results["tiny-bert"]
    assert run.references == {name: given} and run.replaced == ()
    assert result.drift.reference_ms == 0.01 and result.drift.reference_measured_at == given.measured_at
    # Each call scaled by 10 us / a sentinel of about a millisecond: far below what was measured.
    assert result.latency.p50_ms < result.drift.raw_p50_ms / 20


def test_a_reference_taken_in_a_slow_spell_is_replaced(tiny_bert_dir, split, fast_settings):
    from modelpick.profiling._drift import torch_sentinel

    name = torch_sentinel().name
    slow = Reference(name, 0.5, "2026-01-01T00:00:00+00:00")  # a sentinel of half a second: a machine at a crawl
    run = profile_together(_pair(tiny_bert_dir)[:1], split, fast_settings, timeout_s=300, references={name: slow})
    assert run.replaced == (slow,)
    new = run.references[name]
    assert new.seconds < 0.5 and new.measured_at != slow.measured_at
    assert run.results["tiny-bert"].drift.reference_ms == pytest.approx(new.seconds * 1e3)


def test_a_failing_candidate_is_its_own_error_and_the_others_are_measured(tiny_bert_dir, split, fast_settings):
    with faults.registered():
        broken = faults.FaultyCandidate.from_name("fault:raise-on-load")
        items = [_pair(tiny_bert_dir)[0], (broken, None)]
        run = profile_together(items, split, fast_settings, timeout_s=300)
    assert isinstance(run.results["fault:raise-on-load"], ProfilingError)
    assert faults.RAISE_ON_LOAD_MESSAGE in str(run.results["fault:raise-on-load"])
    assert run.results["tiny-bert"].latency.p50_ms > 0
    assert _no_children_left()


def test_no_round_starts_after_the_deadline(tiny_bert_dir, split, fast_settings):
    run = profile_together(_pair(tiny_bert_dir), split, fast_settings, timeout_s=300, deadline=time.time() - 1)
    assert all(isinstance(r, ProfilingError) and "time budget" in str(r) for r in run.results.values())
    assert run.rounds == {} or all(not r for r in run.rounds.values())
    assert _no_children_left()


def test_a_reference_taken_in_fewer_processes_is_provisional():
    from modelpick.profiling._pool import SETTLED_PROCESSES, _references, replacement_reason

    def run_of(*sentinels_s: float) -> dict[str, list[float]]:
        return {"s": list(sentinels_s)}  # each candidate's sentinel of the run

    # One candidate whose process read its sentinel 25% slow set the reference; a 6-candidate run replaces it
    # although it is not 25% faster, and the new one says how many processes it came from.
    quirky = Reference("s", 0.00144, "2026-01-01T00:00:00+00:00", processes=1)
    used, replaced = _references(run_of(0.00115, 0.00116, 0.00118, 0.0012, 0.0014, 0.0015), {"s": quirky})
    assert replaced == (quirky,)
    assert used["s"].seconds == pytest.approx((0.00115 + 0.00116 + 0.00118) / 3) and used["s"].processes == 6
    assert replacement_reason(quirky, used["s"]) == (
        "this run timed it in 6 candidates' processes, the reference in 1")
    # A one-candidate run does not replace a reference taken over as many processes, nor a settled one.
    assert _references(run_of(0.0012), {"s": quirky}) == ({"s": quirky}, ())
    settled = Reference("s", 0.00144, "2026-01-01T00:00:00+00:00", processes=SETTLED_PROCESSES)
    assert _references(run_of(0.00115, 0.00116, 0.00118, 0.0012, 0.0014, 0.0015), {"s": settled}) == (
        {"s": settled}, ())


def test_candidates_that_do_not_fit_in_memory_together_are_measured_one_after_another(
        tiny_bert_dir, split, fast_settings, monkeypatch):
    # One CPU and room for one loaded candidate only: the second starts once the first has finished and its
    # child has ended, never beside it (30 rows kept alive at once had held 27 GB on a 24 GB machine).
    from modelpick.profiling import _pool

    monkeypatch.setattr(_pool, "MEMORY_HEADROOM", 1e9)
    monkeypatch.setattr(_pool, "STARTING_AT_ONCE", 1)
    started: list[tuple[float, str]] = []
    run = profile_together(_pair(tiny_bert_dir), split, fast_settings, timeout_s=300,
                           on_start=lambda name: started.append((time.time(), name)))
    assert all(not isinstance(result, Exception) for result in run.results.values()), run.results
    first, second = (name for _, name in started)
    assert max(r.started_at for r in run.rounds[first]) < started[1][0] < min(r.started_at for r in run.rounds[second])
    # Measured apart, they still share the run's reference and factor (one sentinel, one reference).
    (reference,) = run.references.values()
    assert all(r.drift.reference_ms == pytest.approx(reference.seconds * 1e3) for r in run.results.values())
    assert _no_children_left()
