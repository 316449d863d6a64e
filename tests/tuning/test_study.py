"""One candidate's Optuna study, for real: a SQLite file, a tiny BERT fine-tuned in spawned children.

The tests that train share one finished trial (module fixture ``trained``); the others open studies
without running a child, or run children that fail fast.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from modelpick.exceptions import TuningError
from modelpick.tuning import SearchSpace, TunedStudy, run_worker, study_names

optuna = pytest.importorskip("optuna")

States = optuna.trial.TrialState


def _trials(study: TunedStudy, *states):
    trials = study.study.get_trials(deepcopy=False)
    return [t for t in trials if not states or t.state in states]


def _replace_text(job, index: int, text: str):
    texts = list(job.train_texts)
    texts[index] = text
    return dataclasses.replace(job, train_texts=tuple(texts))


@pytest.fixture(scope="module")
def trained(tiny_bert, tmp_path_factory, make_job, make_settings):
    """A study of the tiny BERT after one real trial (the enqueued first recipe) ran to its end."""
    root = tmp_path_factory.mktemp("trained")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HF_HUB_OFFLINE", "1")
        env.setenv("TRANSFORMERS_OFFLINE", "1")
        env.setenv("MODELPICK_CACHE_DIR", str(root / "cache"))
        job = make_job(tiny_bert)
        settings = make_settings(root)
        study = TunedStudy.open(job, settings)
        started = time.time()
        outcome = study.run_trial()
        seconds = time.time() - started
    return study, outcome, seconds


# --- opening a study: no child needed ------------------------------------------------------------------


def test_a_new_study_has_the_job_and_the_first_recipe_enqueued(tmp_path, make_job, make_settings):
    job = make_job(tmp_path / "model")
    study = TunedStudy.open(job, make_settings(tmp_path))
    assert study.name == job.study_name("t")
    assert study.study.direction == optuna.study.StudyDirection.MAXIMIZE
    (waiting,) = _trials(study)
    assert waiting.state == States.WAITING
    assert waiting.system_attrs["fixed_params"] == job.space.first_recipe()
    assert study.progress().finished == 0 and study.progress().best_trial is None
    assert study_names(make_settings(tmp_path).storage, "t") == [study.name]


def test_reopening_before_any_trial_enqueues_nothing_more(tmp_path, make_job, make_settings):
    job = make_job(tmp_path / "model")
    first = TunedStudy.open(job, make_settings(tmp_path))
    again = TunedStudy.open(job, make_settings(tmp_path))
    assert again.name == first.name
    assert len(_trials(again)) == 1


def test_a_changed_sample_gets_its_own_study(tmp_path, make_job, make_settings):
    settings = make_settings(tmp_path)
    job = make_job(tmp_path / "model")
    changed = _replace_text(job, 3, "love love 42")
    a, b = TunedStudy.open(job, settings), TunedStudy.open(changed, settings)
    assert a.name != b.name
    assert a.name.rsplit("/", 1)[0] == b.name.rsplit("/", 1)[0] == "t/tiny-bert"
    assert study_names(settings.storage, "t") == sorted([a.name, b.name])
    # Each has its own job and its own first recipe.
    assert TunedStudy.load(b.name, settings).job == changed
    assert [t.system_attrs["fixed_params"] for t in _trials(b)] == [changed.space.first_recipe()]
    assert len(_trials(a)) == 1


def test_a_changed_trial_count_resumes_the_same_study_and_updates_the_plan(tmp_path, make_job, make_settings):
    settings = make_settings(tmp_path)
    job = make_job(tmp_path / "model")
    first = TunedStudy.open(job, settings)
    more = TunedStudy.open(dataclasses.replace(job, trials_planned=7), settings)
    assert more.name == first.name
    assert TunedStudy.load(first.name, settings).job.trials_planned == 7
    assert len(_trials(more)) == 1  # the first recipe is not enqueued twice


def test_load_reads_the_job_back_from_the_study(tmp_path, make_job, make_settings):
    settings = make_settings(tmp_path)
    job = make_job(tmp_path / "model", candidate="org/tiny bert", random_state=7)
    name = TunedStudy.open(job, settings).name
    loaded = TunedStudy.load(name, settings)
    assert loaded.job == job
    assert loaded.name == name
    assert loaded.storage_display == settings.storage


def test_load_of_a_missing_study_is_a_tuning_error_naming_it(tmp_path, make_settings):
    settings = make_settings(tmp_path)
    with pytest.raises(TuningError, match="'t/nothing/here'"):
        TunedStudy.load("t/nothing/here", settings)


def test_load_of_a_study_not_made_by_modelpick_is_refused(tmp_path, make_settings):
    settings = make_settings(tmp_path)
    optuna.create_study(study_name="t/foreign/1", storage=settings.storage)
    with pytest.raises(TuningError, match="not made by modelpick"):
        TunedStudy.load("t/foreign/1", settings)


def test_open_on_a_file_that_is_not_a_database_is_a_one_line_tuning_error(tmp_path, make_job, make_settings):
    (tmp_path / "s.db").write_bytes(b"\x00garbage, not SQLite" * 64)
    with pytest.raises(TuningError) as caught:
        TunedStudy.open(make_job(tmp_path / "model"), make_settings(tmp_path))
    assert "\n" not in str(caught.value)
    assert f"sqlite:///{tmp_path}/s.db" in str(caught.value)


def test_a_worker_needs_a_study_under_its_prefix(tmp_path, make_job, make_settings):
    # A study under "tt" is not under "t": the prefix is a whole name part, not a string prefix.
    TunedStudy.open(make_job(tmp_path / "model"), make_settings(tmp_path, study_prefix="tt"))
    with pytest.raises(TuningError) as caught:
        run_worker(make_settings(tmp_path, study_prefix="t"))
    assert "'t'" in str(caught.value) and "'t/'" in str(caught.value)
    assert str(tmp_path / "s.db") in str(caught.value)


def test_a_worker_on_an_empty_storage_names_the_prefix(tmp_path, make_settings):
    with pytest.raises(TuningError, match="'reviews-v1'"):
        run_worker(make_settings(tmp_path, study_prefix="reviews-v1"))


# --- a real trial (module fixture: one fine-tune for all of these) -------------------------------------


@pytest.mark.slow
def test_a_tiny_fine_tune_completes_and_is_stored(trained):
    study, outcome, _ = trained
    (trial,) = _trials(study)
    assert trial.state == States.COMPLETE
    assert outcome is not None and outcome.stopped is None
    # The value is a validation accuracy over the job's 8 validation texts.
    n_validation = len(study.job.validation_texts)
    assert 0.0 <= trial.value <= 1.0
    assert round(trial.value * n_validation) == pytest.approx(trial.value * n_validation)
    assert trial.value == outcome.validation_accuracy
    # The first trial is the common recipe, enqueued when the study was made.
    assert trial.params == study.job.space.first_recipe()
    assert trial.user_attrs["epochs_done"] == trial.params["num_train_epochs"] == 3
    assert ":" in trial.user_attrs["worker"]


@pytest.mark.slow
def test_the_child_reports_one_validation_accuracy_per_epoch(trained):
    study, outcome, _ = trained
    (trial,) = _trials(study)
    epochs = trial.params["num_train_epochs"]
    assert sorted(trial.intermediate_values) == list(range(1, epochs + 1))
    assert tuple(trial.intermediate_values[e] for e in range(1, epochs + 1)) == outcome.history
    assert trial.intermediate_values[epochs] == trial.value


@pytest.mark.slow
def test_the_best_model_is_saved_under_the_artifacts_dir(trained):
    study, outcome, _ = trained
    folder = Path(outcome.saved_to)
    # One folder per study under the artifacts dir, one per trial in it.
    assert folder.parent.parent == Path(study.settings.artifacts_dir)
    assert folder.name == "trial-0"
    assert (folder / "config.json").is_file()
    assert any(folder.glob("*.safetensors"))
    progress = study.progress()
    assert (progress.complete, progress.failed, progress.best_trial) == (1, 0, 0)
    assert progress.best_value == _trials(study)[0].value
    assert progress.best_params == study.job.space.first_recipe()
    assert progress.mean_trial_s is not None and progress.mean_trial_s > 0


@pytest.mark.slow
def test_predict_with_best_uses_the_saved_model(trained):
    study, _, _ = trained
    texts = (*study.job.validation_texts, "good great", "awful bad")
    labels, how = study.predict_with_best(texts)
    assert len(labels) == len(texts)
    assert set(labels) <= set(study.job.labels)
    assert "trial 0" in how and "saved model" in how
    # The saved model is the one the trial scored: its validation accuracy comes out again.
    n = len(study.job.validation_texts)
    correct = sum(p == g for p, g in zip(labels[:n], study.job.validation_labels, strict=True))
    assert correct / n == pytest.approx(_trials(study)[0].value)


@pytest.mark.slow
def test_reopening_the_same_job_resumes_the_study(trained):
    study, _, _ = trained
    again = TunedStudy.open(study.job, study.settings)
    assert again.name == study.name
    trials = _trials(again)
    assert [t.state for t in trials] == [States.COMPLETE]  # the trial is there, no recipe enqueued again
    assert again.progress(since=time.time() + 1).reused == 1
    assert again.progress(since=0.0).reused == 0


@pytest.mark.slow
def test_a_study_with_one_text_changed_does_not_reuse_the_trial(trained):
    study, _, _ = trained
    changed = TunedStudy.open(_replace_text(study.job, 0, "excellent love 99"), study.settings)
    assert changed.name != study.name
    assert [t.state for t in _trials(changed)] == [States.WAITING]
    assert changed.progress().best_trial is None


# --- trials that fail or are stopped --------------------------------------------------------------------


@pytest.mark.slow
def test_a_crashing_child_is_a_fail_trial_and_the_study_goes_on(tmp_path, make_job, make_settings):
    empty = tmp_path / "empty-model"
    empty.mkdir()
    study = TunedStudy.open(make_job(empty), make_settings(tmp_path))
    assert study.run_trial() is None
    (first,) = _trials(study)
    assert first.state == States.FAIL
    reason = first.user_attrs["fail_reason"]
    assert reason and "\n" not in reason
    assert not reason.startswith("trial 0 of")  # the trial's own record already says which trial

    # The study is not broken: the next trial runs (and fails the same way).
    assert study.run_trial() is None
    trials = _trials(study)
    assert [t.state for t in trials] == [States.FAIL, States.FAIL]
    progress = study.progress()
    assert (progress.failed, progress.complete, progress.best_trial) == (2, 0, None)
    assert progress.failures == (f"trial 0: {reason}", f"trial 1: {trials[1].user_attrs['fail_reason']}")
    assert not any((tmp_path / "art").rglob("config.json"))
    with pytest.raises(TuningError, match="no complete trial"):
        study.predict_with_best(("good",))


@pytest.mark.slow
def test_a_deadline_stops_training(tiny_bert, tmp_path, make_job, make_settings):
    # 200 epochs: left alone, this trial would train for a minute or more.
    space = SearchSpace(max_lengths=(16,), epochs=(200, 200))
    settings = make_settings(tmp_path)
    study = TunedStudy.open(make_job(tiny_bert, space=space), settings)
    began = time.time()
    deadline = began + 1.0
    outcome = study.run_trial(deadline=deadline)
    elapsed = time.time() - began
    (trial,) = _trials(study)
    assert trial.state in (States.PRUNED, States.FAIL), trial.state
    if trial.state == States.PRUNED:
        assert trial.user_attrs["stopped"] == "deadline"
        assert outcome is not None and outcome.stopped == "deadline" and outcome.epochs_done < 200
        assert outcome.saved_to is None  # a stopped trial keeps no model
    else:
        assert outcome is None and trial.user_attrs["fail_reason"]
    # Stopped at the deadline plus the grace to stop (and the kill's own wait), far from a minute of training.
    assert elapsed < (deadline - began) + settings.stop_grace_s + 15


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used with Study.optimize")
def test_a_worker_runs_trials_until_the_plan_counting_finished_ones(tmp_path, make_job, make_settings):
    empty = tmp_path / "empty-model"
    empty.mkdir()
    settings = make_settings(tmp_path)
    study = TunedStudy.open(make_job(empty, trials_planned=2), settings)
    # One trial finished elsewhere (told without a child): the worker owes the plan one more.
    earlier = study.study.ask()
    study.study.tell(earlier, state=States.FAIL)
    seen = []
    result = run_worker(settings, max_trials=5, on_trial=lambda s, p: seen.append(p.finished))
    assert seen == [2]
    job, progress = result[study.name]
    assert job == study.job
    assert progress.finished == 2 and progress.failed == 2
    # With the plan done, a second worker has nothing to do.
    again = run_worker(settings, max_trials=5, on_trial=lambda s, p: seen.append(p.finished))
    assert seen == [2]
    assert again[study.name][1].finished == 2


def test_the_trial_body_stops_itself_at_its_deadline(tiny_bert, tmp_path, make_job):
    # The child's own stop, without the parent's kill: train_trial in this process, its deadline already past.
    import torch

    from modelpick.tuning import TrialRequest, train_trial

    job = make_job(tiny_bert)
    params = {**SearchSpace(max_lengths=(16,), epochs=(200, 200)).first_recipe(), "per_device_train_batch_size": 8}
    request = TrialRequest(
        model_path=job.model_path, labels=job.labels, train_texts=job.train_texts, train_labels=job.train_labels,
        validation_texts=job.validation_texts, validation_labels=job.validation_labels, params=params, seed=0,
        num_threads=1, deadline=time.time() - 1.0, output_dir=str(tmp_path / "model"),
    )
    threads = torch.get_num_threads()
    try:
        outcome = train_trial(request)
    finally:
        torch.set_num_threads(threads)  # train_trial sets the thread count of the process it runs in
    assert outcome.stopped == "deadline"
    assert outcome.epochs_done <= 1 and len(outcome.history) == outcome.epochs_done
    assert outcome.saved_to is None and not (tmp_path / "model").exists()


@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used with Study.optimize")
def test_a_trial_cut_short_by_ctrl_c_is_not_counted_so_a_resumed_run_does_it_again(tmp_path, make_job, make_settings):
    # What run_trial's objective leaves when the run is interrupted (tests/test_fault_injection.py sends the real
    # SIGINT): a FAIL trial marked interrupted. Beside it, one trial complete and one that really failed.
    from modelpick.tuning._study import INTERRUPTED_ATTRIBUTE

    study = TunedStudy.open(make_job(tmp_path, trials_planned=4), make_settings(tmp_path))
    complete, cut, failed = study.study.ask(), study.study.ask(), study.study.ask()
    study.study.tell(complete, 0.75)
    cut.set_user_attr(INTERRUPTED_ATTRIBUTE, True)
    cut.set_user_attr("fail_reason", "interrupted (Ctrl-C or SIGTERM) while it ran")
    study.study.tell(cut, state=States.FAIL)
    failed.set_user_attr("fail_reason", "the child process was killed by SIGKILL (out of memory?)")
    study.study.tell(failed, state=States.FAIL)

    progress = study.progress(since=time.time() + 1)
    assert (progress.complete, progress.failed, progress.finished, progress.reused) == (1, 1, 2, 2)
    assert progress.failures == (f"trial {failed.number}: the child process was killed by SIGKILL (out of memory?)",)
    assert progress.best_value == 0.75
