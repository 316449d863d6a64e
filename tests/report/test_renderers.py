"""Renderers show what the recommendation holds, and nothing they computed themselves."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from modelpick.exceptions import UnknownNameError
from modelpick.report import RENDERERS, render
from modelpick.report._format import PRESCREEN_TITLE
from modelpick.results import Recommendation, TransferabilityScore
from modelpick.testing.factories import make_recommendation, make_result


@pytest.fixture
def rec():
    return make_recommendation(
        (
            make_result("fast-model", accuracy=0.88, p90_ms=8),
            make_result("slow-model", accuracy=0.93, p90_ms=31.2),
            make_result("random-arch", accuracy=None, p90_ms=4, weights_source="architecture-only"),
            make_result("crashy", status="failed", reason="timed out after 30 s"),
        ),
        max_latency_ms=20.0,
    )


def test_text_report_has_verdict_table_rejections_and_method(rec):
    text = render(rec, "text")
    assert "Recommended: fast-model." in text
    assert "slow-model: p90 31.2 ms > 20 ms" in text
    assert "crashy: failed: timed out after 30 s" in text
    assert "architecture-only" in text and "accuracy is unknown" in text
    assert "p90 latency at batch 1 <= 20 ms" in text
    assert "\x1b[" not in text  # no colour codes unless asked


def test_markdown_report(rec):
    text = render(rec, "markdown")
    assert text.startswith("# modelpick: text-classification")
    assert "| 1 | `fast-model` |" in text
    assert "## Rejected" in text


def test_json_report_is_the_recommendation(rec):
    text = render(rec, "json")
    assert Recommendation.from_dict(json.loads(text)) == rec


def test_unmet_constraints_say_what_came_closest():
    rec = make_recommendation((make_result("a", p90_ms=25), make_result("b", p90_ms=60)), max_latency_ms=20.0)
    text = render(rec, "text")
    assert "No candidate meets the constraints. Closest: a (p90 25.0 ms > 20 ms)." in text


def test_unknown_format_lists_the_choices(rec):
    with pytest.raises(UnknownNameError, match="Choose one of: html, json, markdown, text"):
        render(rec, "pdf")
    assert sorted(RENDERERS) == ["html", "json", "markdown", "text"]


def test_the_profile_table_shows_memory_as_the_report_does():
    from modelpick.report import profiles_table
    from modelpick.results import HardwareInfo, ProfileSet

    tiny = make_result("tiny", memory_mb=0.3).profile
    big = make_result("big", memory_mb=246.4).profile
    profile_set = ProfileSet(
        environment=HardwareInfo(platform="Linux", python="3.11", cpu_model="Test CPU", logical_cpus=2,
                                 usable_cpus=2, total_memory_mb=1024.0),
        profiles=(tiny, big), created_at="2026-11-21T00:00:00+00:00", modelpick_version="0.1.0", device="cpu",
        num_threads=2, lengths_from="test", failed={"broken": "timed out after 30 s"},
    )
    lines = profiles_table(profile_set).splitlines()
    assert lines[0].startswith("tiny") and lines[0].endswith("<1 MB")
    assert lines[1].startswith("big") and lines[1].endswith("246 MB")
    assert lines[2].startswith("broken") and lines[2].endswith("FAILED: timed out after 30 s")


def _with_prescreen(result, **values):
    """``result`` whose cheap estimate carries pre-screen scores (``logme=..., h_score=...``)."""
    scores = tuple(TransferabilityScore(method.replace("_", "-"), value) for method, value in values.items())
    return replace(result, quality=replace(result.quality, prescreen=scores))


@pytest.fixture
def scored_rec():
    return make_recommendation(
        (
            _with_prescreen(make_result("fast-model", accuracy=0.88, p90_ms=8), logme=-0.512, h_score=1.234),
            _with_prescreen(make_result("slow-model", accuracy=0.93, p90_ms=31.2), logme=0.75),  # H-score failed
            make_result("tfidf", accuracy=0.70, kind="baseline"),
        ),
        max_latency_ms=20.0,
    )


def _prescreen_section(text: str, title: str, end: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if title in line)
    stop = next(i for i, line in enumerate(lines) if i > start and end in line)
    return lines[start:stop]


@pytest.mark.parametrize(("fmt", "title"), [("text", PRESCREEN_TITLE), ("markdown", f"## {PRESCREEN_TITLE}")])
def test_pre_screen_scores_appear_under_their_method_names_and_never_as_accuracies(scored_rec, fmt, title):
    text = render(scored_rec, fmt)
    section = _prescreen_section(text, title, "How these numbers were obtained")
    table = "\n".join(section[1:])
    assert "LogME" in table and "H-score" in table
    assert "accuracy" not in table.lower()
    fast = next(line for line in section if "fast-model" in line)
    slow = next(line for line in section if "slow-model" in line)
    assert "-0.512" in fast and "1.234" in fast
    assert "0.750" in slow and slow.rstrip(" |│").endswith("-")  # no H-score for it: shown as missing
    assert not any("tfidf" in line for line in section)  # a baseline has no frozen features to score
    # The main table's accuracy column still shows the probes' accuracies, not the scores.
    assert "-0.512" not in text.split(title)[0]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_no_pre_screen_section_without_scores(rec, fmt):
    text = render(rec, fmt)
    assert "Pre-screen" not in text and "LogME" not in text


def test_the_method_notes_cite_the_pre_screen_scores_and_say_they_rank(scored_rec):
    text = render(scored_rec, "markdown")
    note = next(line for line in text.splitlines() if line.startswith("- Pre-screen scores"))
    assert "LogME (You et al., ICML 2021)" in note and "H-score (Bao et al., ICIP 2019" in note
    assert "not accuracies" in note


def test_json_carries_the_pre_screen_scores(scored_rec):
    data = json.loads(render(scored_rec, "json"))
    fast = next(r for r in data["results"] if r["candidate"]["name"] == "fast-model")
    assert [s["method"] for s in fast["quality"]["prescreen"]] == ["logme", "h-score"]
    assert Recommendation.from_dict(data) == scored_rec


def test_the_text_report_says_how_many_rounds_were_brought_to_the_median_rounds_speed(rec):
    from modelpick.results import DriftCorrection

    def drifting(result, band):
        drift = DriftCorrection("s", 1.2, "2026-12-01", 1.2, 1.1, 1.3, 9.0, 12.0,
                                round_sentinel_ms=(1.2, 1.21, 1.6, 1.19, 0.9), factor=1.0, round_deadband=band)
        return replace(result, profile=replace(result.profile, drift=drift))

    results = (drifting(rec.results[0], 0.05), drifting(rec.results[1], None)) + rec.results[2:]
    text = render(replace(rec, results=results), "text")
    assert ("2 of 5 rounds, timed while the machine was more than 5% off its median speed, brought to it"
            in text)
    # A profile of an older procedure (no round band) was not corrected round by round, and says nothing.
    assert text.count("rounds, timed while") == 1
