"""The CLI in-process: exit codes, one-line errors, JSON on stdout, progress on stderr."""

from __future__ import annotations

import json

import pytest

from modelpick.cli import main

FAST = ["--max-profile-time-s", "0.2", "--threads", "1", "--offline", "--quiet"]
BASELINES = ["--candidate", "tfidf-logreg", "--candidate", "majority-class"]


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_candidates_lists_catalog_and_baselines(capsys):
    assert main(["candidates"]) == 0
    out = capsys.readouterr().out
    for name in ("bert-base-uncased", "albert-base-v2", "microsoft/deberta-v3-small", "tfidf-logreg", "majority-class"):
        assert name in out
    assert main(["candidates", "--json"]) == 0
    assert any(row["name"] == "roberta-base" for row in json.loads(capsys.readouterr().out))


def test_no_command_is_usage_error(capsys):
    assert main([]) == 2


def test_unknown_option_is_one_line_usage_error(capsys):
    assert main(["advise", "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in _one_line_error(capsys)


def test_missing_file(capsys, tmp_path):
    missing = tmp_path / "nope.csv"
    assert main(["advise", "--data", str(missing), *FAST]) == 2
    assert "nope.csv" in _one_line_error(capsys)


def test_negative_budget_names_the_option(capsys, reviews_csv):
    assert main(["advise", "--data", str(reviews_csv), "--max-latency-ms", "-5", *FAST]) == 2
    err = _one_line_error(capsys)
    assert "--max-latency-ms option must be a number > 0" in err and "-5" in err


def test_a_batch_size_of_zero_names_the_option(capsys, reviews_csv):
    assert main(["advise", "--data", str(reviews_csv), "--batch-size", "0", *FAST]) == 2
    err = _one_line_error(capsys)
    assert "--batch-size option must be an integer >= 1" in err and "Got 0" in err


def test_gate_cannot_change_the_batch_size_a_report_was_measured_at(capsys):
    assert main(["gate", "--report", "r.json", "--batch-size", "4"]) == 2
    assert "unrecognized arguments: --batch-size 4" in _one_line_error(capsys)


def test_wrong_column_lists_the_columns(capsys, reviews_csv):
    assert main(["advise", "--data", str(reviews_csv), "--text-column", "txt", *FAST]) == 2
    err = _one_line_error(capsys)
    assert "'txt'" in err and "review" in err


def test_single_class_is_rejected(capsys, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("text,label\n" + "".join(f"hello {i},pos\n" for i in range(10)))
    assert main(["advise", "--data", str(path), *FAST]) == 2
    assert "one class" in _one_line_error(capsys)


def test_unknown_candidate(capsys, reviews_csv):
    assert main(["advise", "--data", str(reviews_csv), "--candidate", "no-such-model-xyz", *FAST]) == 2
    assert "no-such-model-xyz" in _one_line_error(capsys)


@pytest.mark.slow
def test_advise_json_exit_codes_and_output_file(capsys, reviews_csv, tmp_path):
    out_file = tmp_path / "report.json"
    code = main(["advise", "--data", str(reviews_csv), *BASELINES, *FAST, "--json", "--output", str(out_file)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    payload = json.loads(captured.out)
    assert payload["ranked"][0]["name"] == "tfidf-logreg"
    assert json.loads(out_file.read_text()) == payload
    statuses = {r["candidate"]["name"]: r["status"] for r in payload["results"]}
    assert statuses == {"tfidf-logreg": "ok", "majority-class": "ok"}

    # An impossible latency budget: exit 3, and the report still names what came closest.
    code = main(["advise", "--data", str(reviews_csv), *BASELINES, *FAST, "--max-latency-ms", "0.000001"])
    text = capsys.readouterr().out
    assert code == 3
    assert "No candidate meets the constraints. Closest:" in text


@pytest.mark.slow
def test_profile_save_then_advise_from_profiles(capsys, reviews_csv, tmp_path):
    saved = tmp_path / "profiles" / "this-machine.json"
    assert main(["profile", "--data", str(reviews_csv), "--candidate", "tfidf-logreg", *FAST, "--save", str(saved)]) == 0
    capsys.readouterr()
    profiles = json.loads(saved.read_text())
    assert [p["candidate"] for p in profiles["profiles"]] == ["tfidf-logreg"]

    code = main(["advise", "--data", str(reviews_csv), *BASELINES, *FAST, "--profiles", str(saved), "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    by_name = {r["candidate"]["name"]: r for r in payload["results"]}
    # The recorded profile is used as saved, and says so; a candidate without one is skipped, not measured here.
    assert by_name["tfidf-logreg"]["profile"] == {**profiles["profiles"][0], "reused_from": str(saved)}
    assert by_name["majority-class"]["status"] == "skipped"
    assert "no recorded profile" in by_name["majority-class"]["reason"]


def test_bad_profiles_file_keeps_earlier_results(capsys, reviews_csv, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    report = tmp_path / "report.txt"
    report.write_text("an earlier report")
    assert main(["advise", "--data", str(reviews_csv), "--profiles", str(broken), "--output", str(report), *FAST]) == 2
    assert "not a modelpick profiles file" in _one_line_error(capsys)
    assert report.read_text() == "an earlier report"


@pytest.mark.slow
def test_compare_prints_a_comparison_page_and_writes_report_files(capsys, reviews_csv, tmp_path):
    html, md = tmp_path / "cmp.html", tmp_path / "cmp.md"
    code = main(["compare", "tfidf-linearsvm", "majority-class", "--data", str(reviews_csv), *FAST,
                 "--format", "markdown", "--report", str(html), "--report", str(md)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("# tfidf-linearsvm vs majority-class")
    assert "## Verdict" in out and "## Comparison matrix" in out and "(rule: " in out
    assert md.read_text() == out
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and '<section id="verdict">' in page and "<svg" in page


def test_compare_json_is_the_comparison(capsys, reviews_csv):
    from modelpick.results import Comparison

    assert main(["compare", "tfidf-linearsvm", "majority-class", "--data", str(reviews_csv), *FAST, "--json"]) == 0
    comparison = Comparison.from_json(capsys.readouterr().out)
    assert comparison.candidates == ("tfidf-linearsvm", "majority-class") and len(comparison.verdicts) == 1


def test_compare_needs_two_candidates(capsys, reviews_csv):
    assert main(["compare", "tfidf-logreg", "--data", str(reviews_csv), *FAST]) == 2
    assert _one_line_error(capsys) == (
        "error: compare needs two or more candidates; got 1: tfidf-logreg. "
        "Name another one too, e.g. tfidf-logreg and majority-class."
    )


def test_advise_writes_each_report_file_in_the_format_its_name_asks_for(capsys, reviews_csv, tmp_path):
    paths = [tmp_path / "r.html", tmp_path / "r.json", tmp_path / "r.txt"]
    code = main(["advise", "--data", str(reviews_csv), *BASELINES, *FAST, *(a for p in paths for a in ("--report", str(p)))])
    assert code == 0
    out = capsys.readouterr().out
    assert paths[0].read_text().startswith("<!DOCTYPE html>")
    assert json.loads(paths[1].read_text())["schema_version"] == "1.2"
    assert paths[2].read_text() == out


@pytest.mark.parametrize("report", ["report.pdf", "report"])
def test_a_report_name_without_a_known_suffix_is_refused_before_measuring(capsys, reviews_csv, tmp_path, report):
    path = tmp_path / report
    code = main(["advise", "--data", str(reviews_csv), *BASELINES, "--threads", "1", "--report", str(path)])
    assert code == 2
    err = _one_line_error(capsys)
    assert str(path) in err and ".html" in err
    assert "measuring" not in capsys.readouterr().err and not path.exists()


def test_an_unwritable_report_path_names_the_report_option(capsys, reviews_csv, tmp_path):
    (tmp_path / "d.html").mkdir()
    code = main(["advise", "--data", str(reviews_csv), *BASELINES, "--quiet", "--report", str(tmp_path / "d.html")])
    assert code == 2
    assert "The --report option must be a writable file path (it is a directory)" in _one_line_error(capsys)


@pytest.mark.slow
def test_profile_where_everything_fails_keeps_the_earlier_file(capsys, tmp_path):
    unlabelled = tmp_path / "texts.csv"
    unlabelled.write_text("text\nhello there\nmy app crashes\n")
    saved = tmp_path / "profiles.json"
    saved.write_text('{"earlier": "profiles"}')
    code = main(["profile", "--data", str(unlabelled), "--candidate", "tfidf-logreg", *FAST, "--save", str(saved)])
    captured = capsys.readouterr()
    assert code == 3
    assert "has no labels" in captured.out
    assert saved.read_text() == '{"earlier": "profiles"}'


def test_internal_error_is_exit_1_in_one_line_and_debug_shows_it(capsys, monkeypatch, reviews_csv):
    import modelpick.api

    def broken_advisor(*args, **kwargs):  # a bug inside the pipeline, injected where recommend calls it
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(modelpick.api, "advise", broken_advisor)
    assert main(["advise", "--data", str(reviews_csv), *FAST]) == 1
    err = _one_line_error(capsys)
    assert err == "internal error: RuntimeError: something inside broke (run with --debug for the traceback)"
    with pytest.raises(RuntimeError, match="something inside broke"):
        main(["advise", "--data", str(reviews_csv), *FAST, "--debug"])


def test_a_test_size_that_leaves_one_training_example_is_refused_before_measuring(capsys, reviews_csv):
    # 8 examples per class: holding out 0.8 would leave 1 or 2 per class to train on.
    code = main(["advise", "--data", str(reviews_csv), "--test-size", "0.8", "--candidate", "tfidf-logreg", "--threads", "1"])
    err = _one_line_error(capsys)
    assert code == 2
    assert err == (
        "error: test_size=0.8 leaves 4 of 24 examples for training, fewer than 2 for each of the 3 classes; "
        "every class needs 2 training examples. Use test_size <= 0.75."
    )


def test_a_class_too_small_to_train_and_test_is_refused_before_measuring(capsys, tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("text,label\n" + "".join(f"refund please {i},billing\n" for i in range(6)) + "app crash,technical\nslow app,technical\n")
    assert main(["advise", "--data", str(path), "--candidate", "tfidf-logreg", "--threads", "1"]) == 2
    assert _one_line_error(capsys) == (
        f"error: Class 'technical' has only 2 examples in the sample ({path}); a stratified split needs at least "
        "3 per class: 2 to train on, 1 to test on. Add examples of that class or remove it."
    )


def test_an_unusable_measurement_cache_is_one_warning_line_and_the_run_goes_on(capsys, reviews_csv, tmp_path):
    broken = tmp_path / "measurements.sqlite3"
    broken.write_bytes(b"not a database at all" * 100)
    code = main(["advise", "--data", str(reviews_csv), *BASELINES, *FAST, "--cache", str(broken), "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and str(broken) in warnings[0] and "--no-cache" in warnings[0], captured.err
    assert "Traceback" not in captured.err and json.loads(captured.out)["ranked"]
    assert broken.read_bytes() == b"not a database at all" * 100  # never written to
