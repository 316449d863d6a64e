"""Reusing cost measurements: the measurement cache and saved profiles, read at the sample's own lengths.

Real runs (a tiny saved BERT and a baseline, real children, a real SQLite cache in the test's cache dir).
"""

from __future__ import annotations

import dataclasses
import json

import pytest

import modelpick
from modelpick import _costs
from modelpick.profiling._cache import MeasurementCache, default_cache_path
from modelpick.testing.tiny_models import save_tiny_model

pytestmark = pytest.mark.slow

# Eager rows only: the variants have tests of their own (tests/test_advisor_variants.py).
FAST = {"num_threads": 1, "max_profile_time_s": 0.2, "allow_download": False, "estimate_quality": False,
        "variants": ["eager"]}
_WORDS = "refund payment invoice card delivery parcel tracking login crash error slow screen".split()


def _sample(words_per_text: int, n: int = 24) -> list[dict[str, str]]:
    labels = ("billing", "shipping", "technical")
    return [{"text": " ".join(_WORDS[(i + j) % len(_WORDS)] for j in range(words_per_text)) + f" {i}",
             "label": labels[i % 3]} for i in range(n)]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return str(save_tiny_model("bert", tmp_path_factory.mktemp("models") / "tiny-bert"))


def _profiles(rec):
    return {r.name: r.profile for r in rec.results}


def test_a_second_identical_run_reads_every_cost_from_the_cache(tiny_bert):
    candidates = [tiny_bert, "tfidf-logreg"]
    first = modelpick.recommend(sample=_sample(6), candidates=candidates, **FAST)
    assert all(p.reused_from is None and p.measured_at for p in _profiles(first).values())
    cache = MeasurementCache(default_cache_path())
    stored = {(e.kind, e.digest): e.measured_at for e in cache.entries()}
    assert {kind for kind, _ in stored} >= {"cost", "token-lengths", "drift-reference", "matmul-peak"}

    second = modelpick.recommend(sample=_sample(6), candidates=candidates, **FAST)
    for name, profile in _profiles(second).items():
        measured = _profiles(first)[name]
        assert profile.reused_from == "cache" and profile.measured_at == measured.measured_at
        assert profile.latency == measured.latency and profile.curve == measured.curve
    assert second.durations_s["cost"] < first.durations_s["cost"]
    from modelpick.report import render

    assert "from the measurement cache, measured" in render(second, "text")

    # --no-cache: measured again, and the cached measurements left exactly as they were. (The machine's
    # calibration is still read and may be replaced, e.g. by a reference taken in a faster spell.)
    again = modelpick.recommend(sample=_sample(6), candidates=candidates, use_cache=False, **FAST)
    assert all(p.reused_from is None for p in _profiles(again).values())

    def measurements(entries: dict) -> dict:
        return {(kind, digest): at for (kind, digest), at in entries.items() if kind in ("cost", "token-lengths")}

    assert measurements({(e.kind, e.digest): e.measured_at for e in cache.entries()}) == measurements(stored)


def test_a_changed_machine_or_library_version_is_measured_again(tiny_bert, split_for_costs):
    from modelpick.candidates import resolve_candidates
    from modelpick.hardware import detect_hardware
    from modelpick.profiling import ProfileSettings

    (candidate,) = resolve_candidates([tiny_bert])
    items = [(candidate, candidate.resolve_weights(allow_download=False))]
    settings = ProfileSettings(num_threads=1, max_time_s=0.2)
    cache = MeasurementCache(default_cache_path())
    hardware = detect_hardware()

    def costs(machine=hardware):
        result = _costs.measure_costs(items, split_for_costs, settings, machine, cache=cache, timeout_s=300)
        return result.profiles[candidate.name]

    assert costs().reused_from is None
    assert costs().reused_from == "cache"
    assert costs(dataclasses.replace(hardware, cpu_model=hardware.cpu_model + " (another)")).reused_from is None
    original = _costs._versions

    def newer_torch(kind: str) -> dict[str, str]:
        return {**original(kind), "torch": "99.0"}

    _costs._versions = newer_torch
    try:
        assert costs().reused_from is None
    finally:
        _costs._versions = original
    assert costs().reused_from == "cache"  # the first entry is still there for the unchanged machine


def test_a_variant_row_is_keyed_by_its_runtime_versions_too(tiny_bert):
    # A new onnxruntime times differently, and a new exporter may export what an older one could not.
    pytest.importorskip("onnxruntime")
    from importlib import metadata

    from modelpick.candidates import resolve_candidates
    from modelpick.hardware import detect_hardware
    from modelpick.profiling import ProfileSettings

    (eager,) = resolve_candidates([tiny_bert])
    keys = _costs._Keys(_costs.hardware_fingerprint(detect_hardware()), ProfileSettings(num_threads=1), "sample")
    onnx_versions = keys.cost(eager.with_variant("onnx"), None, [8, 16])["versions"]
    assert onnx_versions["onnxruntime"] == metadata.version("onnxruntime")
    assert onnx_versions["onnxscript"] == metadata.version("onnxscript")
    assert "onnxruntime" not in keys.cost(eager, None, [8, 16])["versions"]
    assert keys.failure(eager.with_variant("onnx"), None)["versions"] == onnx_versions


@pytest.fixture
def split_for_costs():
    from modelpick.data import DataSplit

    texts = tuple(row["text"] for row in _sample(6))
    labels = tuple(row["label"] for row in _sample(6))
    return DataSplit(texts[:18], labels[:18], texts[18:], labels[18:], 0)


def test_saved_profiles_are_read_at_your_lengths_and_warn_outside_them(tiny_bert, tmp_path):
    saved = tmp_path / "machine.json"
    modelpick.profile(sample=_sample(3), candidates=[tiny_bert], save=saved, num_threads=1, max_profile_time_s=0.2,
                      allow_download=False, variants=["eager"])
    recorded = json.loads(saved.read_text())["profiles"][0]
    assert recorded["curve"]["points"] and recorded["lengths"]["max"] <= recorded["lengths"]["measured_max"]

    short = modelpick.recommend(sample=_sample(3), candidates=[tiny_bert], profiles=saved, **FAST)
    assert short.warnings == ()
    long = modelpick.recommend(sample=_sample(40), candidates=[tiny_bert], profiles=saved, **FAST)
    profile = long.results[0].profile
    assert profile.reused_from == str(saved)
    assert profile.lengths.outside_range == profile.lengths.n  # every text is longer than the measured grid
    # Longer than every measured length: each quantile is the curve's last segment extended, never below the top.
    from modelpick._numeric import percentile
    from modelpick.profiling._base import corrected_timings_ms

    top = corrected_timings_ms(profile.curve, profile.drift)[profile.curve.grid[-1]]
    assert profile.latency.p50_ms >= percentile(list(top), 50) * (1 - 1e-9)
    (warning,) = long.warnings
    assert tiny_bert in warning and "outside" in warning and "\n" not in warning

    # Timed one text per call: a run that deploys batches of two cannot use it, and says how to record one.
    batched = modelpick.recommend(sample=_sample(3), candidates=[tiny_bert], profiles=saved, latency_batch_size=2,
                                  **FAST)
    (result,) = batched.results
    assert result.status == "skipped" and result.profile is None
    assert "batch size 1, not the 2 asked for" in result.reason and "--batch-size 2" in result.reason


def test_the_latency_batch_size_is_measured_and_cached_apart(tiny_bert, split_for_costs):
    from modelpick.candidates import resolve_candidates
    from modelpick.hardware import detect_hardware
    from modelpick.profiling import ProfileSettings

    (candidate,) = resolve_candidates([tiny_bert])
    items = [(candidate, candidate.resolve_weights(allow_download=False))]
    cache = MeasurementCache(default_cache_path())

    def costs(batch_size):
        settings = ProfileSettings(num_threads=1, max_time_s=0.2, latency_batch_size=batch_size)
        result = _costs.measure_costs(items, split_for_costs, settings, detect_hardware(), cache=cache, timeout_s=300)
        return result.profiles[candidate.name]

    assert costs(1).batch_size == 1
    four = costs(4)
    assert four.batch_size == 4 and four.reused_from is None  # not the batch-1 entry
    assert costs(4).reused_from == "cache" and costs(4).batch_size == 4


def test_a_profiles_file_of_the_old_format_is_refused_with_how_to_re_record_it(tmp_path, capsys):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"format": "modelpick-profiles/1", "profiles": []}))
    from modelpick.exceptions import DataError

    with pytest.raises(DataError, match=r"Re-record it on the machine it describes: modelpick profile --save"):
        modelpick.recommend(sample=_sample(3), candidates=["tfidf-logreg"], profiles=old, **FAST)
    from modelpick.cli import main

    assert main(["advise", "--demo", "--candidate", "tfidf-logreg", "--profiles", str(old)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "modelpick-profiles/1" in err[0] and "modelpick profile --save" in err[0]
