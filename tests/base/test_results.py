"""Result types are frozen and round-trip through dicts and JSON."""

from __future__ import annotations

import dataclasses
import json

import pytest

from modelpick.results import ProfileSet, Recommendation
from modelpick.testing.factories import make_recommendation, make_result


def _recommendation():
    results = (
        make_result("a", accuracy=0.9, p90_ms=12),
        make_result("arch", accuracy=None, p90_ms=3, weights_source="architecture-only"),
        make_result("pub", accuracy=0.84, provenance="published"),
        make_result("dead", status="failed", reason="the child process was killed by SIGKILL (out of memory?)"),
    )
    return make_recommendation(results, max_latency_ms=20.0)


def test_recommendation_round_trips_through_json():
    rec = _recommendation()
    again = Recommendation.from_json(rec.to_json())
    assert again == rec
    assert json.loads(rec.to_json())["ranked"][0]["name"] == "a"


def test_results_are_frozen():
    rec = _recommendation()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.task = "x"  # type: ignore[misc]


def test_best_ranked_and_result_lookup():
    rec = _recommendation()
    assert rec.best is not None and rec.best.name == "a"
    assert rec.satisfied
    assert rec.result("dead").status == "failed"
    with pytest.raises(KeyError, match="No candidate named 'nope'"):
        rec.result("nope")


def test_to_frame_lists_every_candidate_ranked_first():
    frame = _recommendation().to_frame()
    assert list(frame.index[:2]) == ["a", "pub"]
    assert set(frame.index) == {"a", "arch", "pub", "dead"}
    assert frame.loc["arch", "accuracy"] is None or frame.loc["arch", "accuracy"] != frame.loc["arch", "accuracy"]
    assert frame.loc["dead", "status"] == "failed"
    assert frame.loc["a", "rank"] == 1


def test_profile_set_round_trip_and_lookup():
    rec = _recommendation()
    profiles = tuple(r.profile for r in rec.results if r.profile is not None)
    saved = ProfileSet(environment=rec.environment, profiles=profiles, created_at="now", modelpick_version="0.1.0",
                       device="cpu", num_threads=2, lengths_from="demo", failed={"dead": "oom"})
    again = ProfileSet.from_json(saved.to_json())
    assert again == saved
    assert again.get("a") == profiles[0]
    assert again.get("missing") is None
