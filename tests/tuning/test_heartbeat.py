"""A worker killed mid-trial: the RDB heartbeat turns its RUNNING trial into FAIL, and it is retried."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

optuna = pytest.importorskip("optuna")

from modelpick.tuning import SearchSpace, TunedStudy  # noqa: E402


def _one_trial(study_name, settings):  # the worker process (module level: spawned children import it)
    TunedStudy.load(study_name, settings).run_trial()


def _trials(study: TunedStudy, state):
    return [t for t in study.study.get_trials(deepcopy=False) if t.state == state]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")  # retried_trial_number is experimental
def test_a_killed_workers_trial_is_failed_by_its_heartbeat_and_retried(tiny_job, tuning_settings):
    settings = tuning_settings(heartbeat_interval_s=1, grace_period_s=2)
    study = TunedStudy.open(tiny_job(trials=3, space=SearchSpace(max_lengths=(16,), epochs=(30, 40))), settings)
    worker = multiprocessing.get_context("spawn").Process(target=_one_trial, args=(study.name, settings))
    worker.start()
    deadline = time.monotonic() + 120
    while not _trials(study, optuna.trial.TrialState.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.2)
    (running,) = _trials(study, optuna.trial.TrialState.RUNNING)
    time.sleep(1.5)  # let the worker record a heartbeat, as any real worker has
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(10)
    time.sleep(settings.grace_period_s + 1)

    # The next trial anywhere fails the stale one first, and Optuna re-enqueues its parameters.
    study.run_trial()
    trials = study.study.get_trials(deepcopy=False)
    killed = trials[running.number]
    assert killed.state == optuna.trial.TrialState.FAIL
    # Its parameters as stored when it was killed: the snapshot taken when it started RUNNING may predate them
    # (the worker suggests them just after), which a busy machine (tests in parallel workers) made visible. It
    # may also be killed between two suggestions: the retry repeats every parameter it had and suggests the rest.
    assert killed.params
    retried = [t for t in trials if optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(t)
               == running.number]
    assert len(retried) == 1 and killed.params.items() <= retried[0].params.items()
    assert retried[0].state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    assert "heartbeat" in study.progress().failures[0]
