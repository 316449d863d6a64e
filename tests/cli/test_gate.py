"""``modelpick gate`` on real reports written by ``modelpick advise --report``: exit codes and one-line verdicts."""

from __future__ import annotations

import json
import re

import pytest

from modelpick.cli import main
from modelpick.results import Recommendation
from modelpick.testing.factories import make_recommendation, make_result

MEASURE = ["--demo", "--candidate", "majority-class", "--candidate", "tfidf-logreg",
           "--max-profile-time-s", "0.2", "--threads", "1", "--offline", "--quiet"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Two real reports: one whose constraints tfidf-logreg meets (majority-class misses the accuracy floor;
    the latency limit is loose enough for a busy machine), one whose floor no candidate meets."""
    folder = tmp_path_factory.mktemp("reports")
    met, unmet = folder / "met.json", folder / "unmet.json"
    assert main(["advise", *MEASURE, "--max-latency-ms", "1000", "--min-accuracy", "0.5", "--report", str(met)]) == 0
    assert main(["advise", *MEASURE, "--min-accuracy", "0.99", "--report", str(unmet)]) == 3
    return met, unmet


def _gate(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["gate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_line(text: str) -> str:
    assert len(text.strip().splitlines()) == 1, text
    assert "Traceback" not in text
    return text.strip()


def test_an_unchanged_report_gets_its_own_verdict(reports, capsys):
    for path in reports:
        rec = Recommendation.from_json(path.read_text())
        code, out, err = _gate(capsys, "--report", str(path))
        assert code == (0 if rec.satisfied else 3), out
        assert err == ""
        for result in rec.results:
            code, out, _ = _gate(capsys, "--report", str(path), "--model", result.name)
            assert code == (0 if rec.rank_of(result.name) is not None else 3), (path.name, out)
            _one_line(out)


def _latency_in(line: str) -> float:
    match = re.search(r" p9\d ([\d.]+) ms ", line)
    assert match, line
    return float(match.group(1))


def test_the_recommended_model_passes_with_its_figures(reports, capsys):
    rec = Recommendation.from_json(reports[0].read_text())
    assert rec.ranked[0].name == "tfidf-logreg"
    p90 = rec.result("tfidf-logreg").profile.latency.p90_ms
    code, out, _ = _gate(capsys, "--report", str(reports[0]))
    assert code == 0
    line = _one_line(out)
    interval = r"\[0\.\d{3}-0\.\d{3}\]"
    assert re.fullmatch(rf"tfidf-logreg passes: p90 [\d.]+ ms <= 1000 ms, accuracy 0\.\d{{3}} {interval} >= 0\.5", line)
    assert _latency_in(line) == pytest.approx(p90, rel=5e-3)


def test_a_pinned_model_the_report_rejected_fails_with_its_figure(reports, capsys):
    code, out, _ = _gate(capsys, "--report", str(reports[0]), "--model", "majority-class")
    assert code == 3
    assert _one_line(out).startswith("majority-class fails: accuracy 0.")
    assert out.strip().endswith("< 0.5")


def test_a_report_that_recommends_nothing_exits_3(reports, capsys):
    code, out, _ = _gate(capsys, "--report", str(reports[1]))
    assert code == 3
    assert _one_line(out).startswith("the report recommends no candidate: none meets accuracy >= 0.99; closest: ")


def test_tightening_can_make_the_recommendation_fail(reports, capsys):
    rec = Recommendation.from_json(reports[0].read_text())
    p90 = rec.result("tfidf-logreg").profile.latency.p90_ms
    code, out, _ = _gate(capsys, "--report", str(reports[0]), "--max-latency-ms", f"{p90 / 2}")
    assert code == 3
    line = _one_line(out)
    assert line.startswith("tfidf-logreg fails: p90 ")
    assert line.endswith(f" ms > {p90 / 2:g} ms (tightened from 1000 ms)")
    assert _latency_in(line) == pytest.approx(p90, rel=5e-3)
    code, out, _ = _gate(capsys, "--report", str(reports[0]), "--max-latency-ms", f"{p90 * 2}")
    assert code == 0, out
    code, out, _ = _gate(capsys, "--report", str(reports[0]), "--min-accuracy", "0.999")
    assert code == 3 and "< 0.999 (tightened from 0.5)" in out
    memory = rec.result("tfidf-logreg").profile.memory_mb
    assert memory is not None and memory > 0
    code, out, _ = _gate(capsys, "--report", str(reports[0]), "--max-memory-mb", f"{memory / 2}")
    assert code == 3 and out.strip().endswith(f"> {memory / 2:g} MB (not in the report)")


def test_a_higher_percentile_is_judged_on_that_recorded_percentile(reports, capsys):
    rec = Recommendation.from_json(reports[0].read_text())
    p99 = rec.result("tfidf-logreg").profile.latency.p99_ms
    code, out, _ = _gate(capsys, "--report", str(reports[0]), "--latency-percentile", "p99", "--json")
    verdict = json.loads(out)
    assert verdict["checks"][0]["value"] == p99
    assert verdict["constraints"]["latency_percentile"] == "p99"
    assert code == (0 if p99 <= 1000 else 3)


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--max-latency-ms", "2000"], "--max-latency-ms option must be at most the report's limit of 1000 ms"),
        (["--min-accuracy", "0.4"], "--min-accuracy option must be at least the report's floor of 0.5"),
        (["--latency-percentile", "p50"], "--latency-percentile option must be p90, p95 or p99"),
        (["--max-memory-mb", "0"], "--max-memory-mb option must be a number > 0. Got 0 instead."),
    ],
)
def test_a_looser_or_invalid_limit_is_a_one_line_usage_error(reports, capsys, flags, named):
    code, out, err = _gate(capsys, "--report", str(reports[0]), *flags)
    assert code == 2 and out == ""
    line = _one_line(err)
    assert line.startswith("error: The ") and named in line
    assert flags[1] in line  # the value given, beside the report's


def test_json_prints_the_verdict(reports, capsys):
    code, out, _ = _gate(capsys, "--report", str(reports[0]), "--model", "majority-class", "--json")
    verdict = json.loads(out)
    assert code == 3
    assert (verdict["passed"], verdict["model"]) == (False, "majority-class")
    assert verdict["report_recommends"] == "tfidf-logreg"
    assert [c["constraint"] for c in verdict["checks"] if not c["passed"]] == ["min_accuracy"]


def test_an_unknown_model_is_refused_with_the_names_in_the_report(reports, capsys):
    code, _, err = _gate(capsys, "--report", str(reports[0]), "--model", "tfidf-logrg")
    assert code == 2
    assert _one_line(err) == (
        "error: No candidate named 'tfidf-logrg' in the report. Did you mean 'tfidf-logreg'? "
        "It holds: majority-class, tfidf-logreg."
    )


def test_a_comparison_json_is_read_through_its_recommendation(reports, capsys, tmp_path):
    from modelpick.candidates import common_claims
    from modelpick.selection import compare_results

    comparison = compare_results(Recommendation.from_json(reports[0].read_text()), common_claims())
    path = tmp_path / "comparison.json"
    path.write_text(comparison.to_json())
    assert _gate(capsys, "--report", str(path))[0] == 0
    assert _gate(capsys, "--report", str(path), "--model", "majority-class")[0] == 3


def test_a_candidate_that_failed_in_the_report_exits_3_with_its_reason(capsys, tmp_path):
    rec = make_recommendation(
        (make_result("small", p90_ms=5.0), make_result("crashed", status="failed", reason="killed (out of memory)")),
        max_latency_ms=20,
    )
    path = tmp_path / "rec.json"
    path.write_text(rec.to_json())
    code, out, _ = _gate(capsys, "--report", str(path), "--model", "crashed")
    assert code == 3
    assert _one_line(out) == "crashed failed in the report: killed (out of memory)"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "does not exist. Write one with: modelpick advise --report {path}"),
        ("{\"ranked\": [", "is not JSON (JSONDecodeError: "),
        ("<!doctype html><html></html>", "is not JSON (JSONDecodeError: "),
        ("[1, 2]", "is JSON of another kind, not a recommendation"),
        ("{\"profiles\": [], \"format\": \"modelpick-profiles/1\"}", "is a profiles file ('modelpick profile --save')"),
        ("{\"ranked\": [], \"results\": []}", "is not a complete modelpick recommendation"),
    ],
)
def test_a_missing_or_unreadable_report_is_a_one_line_error_naming_the_file(capsys, tmp_path, content, expected):
    path = tmp_path / "rec.json"
    if content is not None:
        path.write_text(content)
    code, out, err = _gate(capsys, "--report", str(path))
    assert code == 2 and out == ""
    line = _one_line(err)
    assert line.startswith(f"error: Report '{path}' ")
    assert expected.format(path=path) in line


def test_a_report_of_a_newer_schema_is_refused_with_the_upgrade_hint(reports, capsys, tmp_path):
    data = json.loads(reports[0].read_text())
    data["schema_version"] = "2.0"
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    code, _, err = _gate(capsys, "--report", str(path))
    assert code == 2
    assert _one_line(err) == (
        f"error: Report '{path}': This recommendation has schema_version 2.0; this modelpick reads schema_version "
        "1.x only. Upgrade modelpick (pip install -U modelpick) to read it."
    )


def test_a_directory_or_no_report_flag_is_a_usage_error(capsys, tmp_path):
    code, _, err = _gate(capsys, "--report", str(tmp_path))
    assert code == 2 and "is not a file" in _one_line(err)
    code, _, err = _gate(capsys)
    assert code == 2 and "the following arguments are required: --report" in _one_line(err)


def test_the_tightening_flags_come_from_the_constraint_declarations(capsys):
    from modelpick._validation import declared_options
    from modelpick.cli import build_parser
    from modelpick.cli._options import flag_of
    from modelpick.constraints import Constraints

    # Every constraint but the batch size: the shape the report's figures were measured at.
    declared = {n: d for n, d in declared_options(Constraints).items() if n != "latency_batch_size"}
    args = build_parser().parse_args(["gate", "--report", "rec.json"])
    assert {name: getattr(args, name) for name in declared} == dict.fromkeys(declared)  # None: keep the report's
    with pytest.raises(SystemExit):
        build_parser().parse_args(["gate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for name, (_, spec) in declared.items():
        assert f"{flag_of(name, spec)} " in help_text and " ".join(spec.help.split()) in help_text, name
