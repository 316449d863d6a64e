"""Logging runs to MLflow (``--mlflow``, :func:`modelpick.log_to_mlflow`), read back from a real local file
store with MLflow's own client.

MLflow 3.13+ refuses the file store unless ``MLFLOW_ALLOW_FILE_STORE=true``; the tests set it, as a user
keeping a plain ``mlruns`` directory would.
"""

from __future__ import annotations

import json
import sys

import pytest

import modelpick
from modelpick.cli import main
from modelpick.exceptions import InvalidParameterError
from modelpick.selection import compare_results
from modelpick.testing.factories import make_recommendation, make_result

FAST = ["--max-profile-time-s", "0.2", "--threads", "1", "--offline", "--quiet"]


@pytest.fixture
def mlflow(monkeypatch):
    mlflow = pytest.importorskip("mlflow", reason="mlflow is not installed: pip install 'modelpick[mlflow]'")
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return mlflow


@pytest.fixture
def file_store(mlflow, tmp_path, monkeypatch):
    """A local file-store tracking URI, given the way MLflow users give it: in MLFLOW_TRACKING_URI."""
    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


def _only_run(mlflow, uri, experiment):
    client = mlflow.tracking.MlflowClient(uri)
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment!r} at {uri}"
    runs = client.search_runs([found.experiment_id])
    assert len(runs) == 1, runs
    return client, runs[0]


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ") and "Traceback" not in err
    return err


@pytest.mark.slow
def test_advise_logs_options_metrics_tags_and_report_files_to_a_file_store(mlflow, file_store, tmp_path, capsys):
    html, report_json = tmp_path / "out" / "r.html", tmp_path / "out" / "r.json"
    code = main(["advise", "--demo", "--candidate", "majority-class", "--candidate", "tfidf-logreg",
                 "--max-latency-ms", "500", "--min-accuracy", "0.5", *FAST,
                 "--report", str(html), "--report", str(report_json), "--mlflow", "--mlflow-experiment", "reviews"])
    assert code == 0, capsys.readouterr().err
    written = json.loads(report_json.read_text())
    client, run = _only_run(mlflow, file_store, "reviews")
    assert run.info.status == "FINISHED"

    params = run.data.params
    assert (params["max_latency_ms"], params["min_accuracy"], params["latency_percentile"]) == ("500", "0.5", "p90")
    assert json.loads(params["candidates"]) == ["majority-class", "tfidf-logreg"]
    assert params["num_threads"] == "1" and params["settings.profiling.max_time_s"] == "0.2"
    assert params["hardware.cpu_model"] == written["environment"]["cpu_model"]
    assert params["modelpick_version"] == modelpick.__version__
    assert params["sample.source"] == "builtin:demo_reviews"

    metrics = run.data.metrics
    for result in written["results"]:
        name = result["candidate"]["name"]
        assert metrics[f"{name}.latency_p90_ms"] == pytest.approx(result["profile"]["latency"]["p90_ms"])
        assert metrics[f"{name}.peak_memory_mb"] == pytest.approx(result["profile"]["peak_rss_mb"])
        assert metrics[f"{name}.throughput_per_s"] == pytest.approx(result["profile"]["throughput_per_s"])
        assert metrics[f"{name}.accuracy"] == pytest.approx(result["quality"]["accuracy"])
        assert metrics[f"{name}.accuracy_low"] == pytest.approx(result["quality"]["accuracy_low"])
    best = written["ranked"][0]["name"]
    assert metrics[f"{best}.rank"] == 1.0

    tags = run.data.tags
    assert tags["modelpick.recommended"] == best and tags["modelpick.satisfied"] == "true"
    assert tags["modelpick.schema_version"] == written["schema_version"]
    assert tags["mlflow.runName"] == f"modelpick-recommendation-{best}"

    run_id = run.info.run_id
    assert sorted(a.path for a in client.list_artifacts(run_id)) == ["recommendation.json", "reports"]
    assert sorted(a.path for a in client.list_artifacts(run_id, "reports")) == ["reports/r.html", "reports/r.json"]
    client.download_artifacts(run_id, "", str(tmp_path / "back"))
    assert (tmp_path / "back" / "reports" / "r.html").read_bytes() == html.read_bytes()
    assert json.loads((tmp_path / "back" / "recommendation.json").read_text()) == written


def test_the_api_logs_a_comparison_with_names_mlflow_would_refuse(mlflow, file_store, monkeypatch):
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "from-env")
    results = (
        make_result("org/model:v2", accuracy=0.9, p90_ms=20.0),
        make_result("org_model_v2", accuracy=0.85, p90_ms=10.0),  # the same key once refused characters go
        make_result("/models/my model", accuracy=None, p90_ms=5.0),  # accuracy unknown
        make_result("broken", status="failed", reason="could not load"),
    )
    comparison = compare_results(make_recommendation(results))
    run_id = modelpick.log_to_mlflow(comparison)

    client, run = _only_run(mlflow, file_store, "from-env")
    assert run.info.run_id == run_id
    metrics = run.data.metrics
    assert metrics["org_model_v2.latency_p90_ms"] == pytest.approx(20.0)
    assert metrics["org_model_v2-2.latency_p90_ms"] == pytest.approx(10.0)
    assert metrics["models_my model.latency_p90_ms"] == pytest.approx(5.0)
    # Unknown stays absent (never 0), and a failed candidate has no figures at all.
    assert "models_my model.accuracy" not in metrics
    assert not any(key.startswith("broken.") for key in metrics)
    assert run.data.tags["modelpick.document"] == "comparison"
    text = client.download_artifacts(run_id, "comparison.json")
    with open(text, encoding="utf-8") as handle:
        assert modelpick.Comparison.from_json(handle.read()) == comparison


def test_a_failed_logging_marks_the_run_failed_and_says_why_in_one_line(mlflow, file_store, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    client = mlflow.tracking.MlflowClient(file_store)
    # The experiment's artifacts go where no directory can be made: parameters log, artifacts cannot.
    client.create_experiment("blocked", artifact_location=(blocker / "artifacts").as_uri())
    report = tmp_path / "r.md"
    report.write_text("# report\n")
    rec = make_recommendation((make_result("a"), make_result("b", p90_ms=1.0)))
    with pytest.raises(InvalidParameterError, match=r"^Logging MLflow run \w+ at 'file://.*' failed: ") as info:
        modelpick.log_to_mlflow(rec, experiment="blocked", report_files=[report])
    assert "\n" not in str(info.value)
    _, run = _only_run(mlflow, file_store, "blocked")
    assert run.info.status == "FAILED" and run.data.params["num_threads"] == "2"


@pytest.mark.parametrize("command", ["advise", "compare"])
def test_a_missing_mlflow_is_refused_before_measuring(command, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # what an environment without mlflow imports
    report = tmp_path / "r.html"
    # Progress stays on (no --quiet): nothing may be measured, so the error must be the only line.
    names = ["majority-class", "tfidf-logreg"] if command == "compare" else ["--candidate", "majority-class"]
    code = main([command, *names, "--demo", "--threads", "1", "--report", str(report), "--mlflow"])
    assert code == 2
    assert _one_line_error(capsys) == (
        "error: The 'mlflow' package is needed to log runs to MLflow but it is not installed. "
        "Install it with: pip install 'modelpick[mlflow]'"
    )
    assert not report.exists()


def test_a_tracking_store_that_cannot_be_opened_is_refused_before_measuring(mlflow, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    uri = (blocker / "mlruns").as_uri()
    code = main(["advise", "--demo", "--candidate", "majority-class", "--threads", "1", "--mlflow-tracking-uri", uri])
    assert code == 2
    err = _one_line_error(capsys)
    assert err.startswith(f"error: Cannot log to MLflow at '{uri}': ") and "a-file" in err


def test_a_deleted_experiment_is_refused_before_measuring(mlflow, file_store, capsys):
    client = mlflow.tracking.MlflowClient(file_store)
    client.delete_experiment(client.create_experiment("gone"))
    code = main(["advise", "--demo", "--candidate", "majority-class", "--threads", "1", "--mlflow-experiment", "gone"])
    assert code == 2
    err = _one_line_error(capsys)
    assert err.startswith(f"error: The MLflow experiment 'gone' at '{file_store}' is deleted. Restore it (")


@pytest.mark.slow
def test_logging_that_fails_after_measuring_keeps_the_reports_and_says_so_in_one_line(
    mlflow, file_store, tmp_path, capsys
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    # Opening the store and finding the experiment work (so the check before measuring passes); storing
    # the artifacts then fails, as a full disk or an expired credential would only at the end.
    mlflow.tracking.MlflowClient(file_store).create_experiment(
        "blocked", artifact_location=(blocker / "artifacts").as_uri()
    )
    report = tmp_path / "r.json"
    code = main(["advise", "--demo", "--candidate", "majority-class", "--no-quality", *FAST,
                 "--report", str(report), "--mlflow-experiment", "blocked"])
    assert code == 2
    err = _one_line_error(capsys)
    assert err.startswith("error: Logging MLflow run ") and err.endswith(f" The reports were written ({report}).")
    assert json.loads(report.read_text())["results"][0]["status"] == "ok"
    _, run = _only_run(mlflow, file_store, "blocked")
    assert run.info.status == "FAILED"


def test_a_server_that_does_not_answer_is_refused_before_measuring_without_showing_its_password(
    mlflow, monkeypatch, capsys
):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # MLflow's own retries take minutes
    code = main(["advise", "--demo", "--candidate", "majority-class", "--threads", "1",
                 "--mlflow-tracking-uri", "http://me:s3cret@127.0.0.1:1/"])
    assert code == 2
    err = _one_line_error(capsys)
    assert err.startswith("error: Cannot log to MLflow at 'http://me:***@127.0.0.1:1/': ") and "s3cret" not in err
