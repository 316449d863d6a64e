"""The tuning step of a run: who is tuned, how far it got, and what the recommendation says about it."""

from __future__ import annotations

import json
import time

import pytest

import modelpick
from modelpick._tuner import tune_candidates
from modelpick.candidates import resolve_candidate
from modelpick.constraints import Constraints
from modelpick.data._split import DataSplit
from modelpick.exceptions import InvalidParameterError
from modelpick.results import Recommendation, TuningRun
from modelpick.tasks import get_task
from modelpick.testing.factories import make_result
from modelpick.tuning import study_names

optuna = pytest.importorskip("optuna")


def _sample(n_per_class: int = 15) -> list[dict[str, str]]:
    words = ("movie", "film", "food", "service", "delivery")
    rows = []
    for i in range(n_per_class):
        rows.append({"text": f"good great {words[i % 5]} {i}", "label": "pos"})
        rows.append({"text": f"awful bad {words[i % 5]} {i}", "label": "neg"})
    return rows


def _split() -> DataSplit:
    rows = _sample(10)
    train, test = rows[:14], rows[14:]
    return DataSplit(
        tuple(r["text"] for r in train), tuple(r["label"] for r in train),
        tuple(r["text"] for r in test), tuple(r["label"] for r in test), 0,
    )


def _tune(results, candidates, settings, *, constraints=None, deadline=None, budget_s=None):
    return tune_candidates(
        results, candidates, _split(), constraints=constraints or Constraints(), settings=settings, top_k=3,
        task=get_task("text-classification"), n_bootstrap=50, deadline=deadline, budget_s=budget_s,
    )


# --- the whole run ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_recommend_with_tune_fine_tunes_the_transformer_and_reports_it(tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELPICK_CACHE_DIR", str(tmp_path / "cache"))
    storage = f"sqlite:///{tmp_path}/s.db"
    events = []
    rec = modelpick.recommend(
        sample=_sample(), candidates=[str(tiny_bert), "tfidf-logreg"], tune=True, tune_trials=2, storage=storage,
        random_state=0, num_threads=1, max_profile_time_s=0.2, progress=events.append,
        variants=["eager"],  # only eager rows are tuned (variant rows: tests/test_advisor_variants.py)
    )
    by_name = {r.name: r for r in rec.results}
    bert = next(r for r in rec.results if r.candidate.kind == "transformer")
    baseline = by_name["tfidf-logreg"]

    # A local tiny BERT has weights on disk: the probe measured it, so tuning applies.
    assert bert.status == "ok" and bert.quality.provenance == "measured"
    summary = bert.tuning
    assert summary is not None
    assert summary.status in ("tuned", "stopped"), summary
    assert summary.reason
    assert summary.storage == storage
    assert summary.study_name.startswith("modelpick/")
    assert summary.trials_planned == 2
    finished = summary.trials_complete + summary.trials_pruned + summary.trials_failed
    assert 1 <= finished <= 2
    if summary.status == "tuned":
        assert finished == 2
    assert summary.trials_reused == 0
    assert summary.n_validation and summary.n_validation > 0
    if summary.trials_complete:
        # The best model was scored on the held-out split, which trials never saw.
        assert bert.fine_tuned is not None and bert.fine_tuned.method == "fine-tune"
        assert bert.fine_tuned.n_test == rec.sample.n_test
        assert summary.best_trial is not None and summary.best_validation_accuracy is not None
        assert set(summary.best_params) == {
            "learning_rate", "num_train_epochs", "per_device_train_batch_size", "weight_decay", "warmup_ratio",
            "max_length",
        }

    assert baseline.tuning is None and baseline.fine_tuned is None

    assert isinstance(rec.tuning, TuningRun)
    assert rec.tuning.finished is True  # no budget: every planned trial ran or a rule stopped it
    assert rec.tuning.note
    assert rec.tuning.storage == storage and rec.tuning.study_prefix == "modelpick"
    assert rec.tuning.trials_per_candidate == 2 and rec.tuning.budget_s is None

    # The study is in the storage the run was given, with the trials the summary counts.
    assert study_names(storage, "modelpick") == [summary.study_name]
    trials = optuna.load_study(study_name=summary.study_name, storage=storage).get_trials(deepcopy=False)
    assert sum(t.state.is_finished() for t in trials) == finished
    # The best model was kept under the cache dir the environment names, nowhere else.
    assert (tmp_path / "cache" / "tuning-models").is_dir()

    assert any(e.stage == "tune" for e in events)
    # Its JSON is valid against the published schema (the tuning parts: a dict of mixed values, a fixed-length
    # pair) and reads back equal.
    from jsonschema import Draft202012Validator

    from modelpick.report import schema_for

    text = rec.to_json()
    assert list(Draft202012Validator(schema_for("advise")).iter_errors(json.loads(text))) == []
    assert bert.tuning.validation_spread is not None or not summary.trials_complete
    assert Recommendation.from_json(text) == rec


def test_tune_without_a_sample_is_refused_before_measuring(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELPICK_CACHE_DIR", str(tmp_path / "cache"))
    events = []
    with pytest.raises(InvalidParameterError, match="sample") as caught:
        modelpick.recommend(candidates=["tfidf-logreg"], tune=True, storage=f"sqlite:///{tmp_path}/s.db",
                            progress=events.append)
    assert "tune" in str(caught.value)
    assert events == []  # nothing was measured
    assert not (tmp_path / "s.db").exists()


def test_tune_without_quality_estimates_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELPICK_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(InvalidParameterError, match="estimate_quality"):
        modelpick.recommend(sample=_sample(), candidates=["tfidf-logreg"], tune=True, estimate_quality=False,
                            storage=f"sqlite:///{tmp_path}/s.db")


# --- the tuning step on given measurements ---------------------------------------------------------------


def test_a_transformer_over_the_latency_limit_is_skipped_and_no_trial_is_made(tmp_path, make_settings):
    settings = make_settings(tmp_path)
    results = (make_result("tiny-bert", p90_ms=10.0), make_result("tfidf-logreg", kind="baseline", p90_ms=1.0))
    # The candidates mapping is empty: a skipped candidate's weights are never even looked up.
    updated, run = _tune(results, {}, settings, constraints=Constraints(max_latency_ms=0.0001))
    bert, baseline = updated
    assert bert.tuning is not None
    assert bert.tuning.status == "skipped"
    assert "never tuned" in bert.tuning.reason and "ms > 0.0001 ms" in bert.tuning.reason
    assert bert.tuning.study_name is None and bert.tuning.trials_complete == 0
    assert bert.tuning.seconds_saved is not None and bert.tuning.seconds_saved > 0
    assert bert.fine_tuned is None
    assert baseline.tuning is None and baseline == results[1]
    assert run.note == "no candidate was tuned" and run.finished
    assert study_names(settings.storage, settings.study_prefix) == []


def test_only_measured_transformers_get_a_tuning_summary(tmp_path, make_settings):
    settings = make_settings(tmp_path)
    results = (
        make_result("random-weights", accuracy=None),
        make_result("broken", status="failed", reason="out of memory"),
    )
    updated, run = _tune(results, {}, settings)
    random_weights, broken = updated
    assert random_weights.tuning.status == "skipped"
    assert random_weights.tuning.reason.startswith("no measured accuracy")
    assert "architecture-only" in random_weights.tuning.reason
    assert broken.tuning is None and broken == results[1]  # its failure is its reason already
    assert run.note == "no candidate was tuned"
    assert study_names(settings.storage, settings.study_prefix) == []


@pytest.mark.slow
def test_a_spent_budget_leaves_the_study_not_started_and_says_so(tiny_bert, tmp_path, make_settings):
    settings = make_settings(tmp_path)
    candidate = resolve_candidate(str(tiny_bert))
    results = (make_result(candidate.name, accuracy=0.7), make_result("tfidf-logreg", kind="baseline"))
    started = time.time()
    updated, run = _tune(
        results, {candidate.name: candidate}, settings, deadline=started - 1.0, budget_s=60.0,
    )
    summary = updated[0].tuning
    assert summary.status == "not-started", summary
    assert "time budget ran out" in summary.reason and "0 of 2" in summary.reason
    assert summary.study_name is not None and summary.trials_complete == 0
    assert updated[0].fine_tuned is None
    assert run.finished is False
    assert "time budget ran out" in run.note
    assert run.budget_s == 60.0
    # The study exists (a later run resumes it) but holds only the enqueued first recipe.
    trials = optuna.load_study(study_name=summary.study_name, storage=settings.storage).get_trials(deepcopy=False)
    assert [t.state for t in trials] == [optuna.trial.TrialState.WAITING]
