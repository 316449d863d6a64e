"""Two `modelpick tune` worker processes share one study on a real PostgreSQL server (issue 6, point 5)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

optuna = pytest.importorskip("optuna")

from modelpick.tuning import TunedStudy  # noqa: E402


@pytest.mark.slow
def test_two_workers_on_two_processes_land_their_trials_in_one_study(postgres_url, tiny_job, tuning_settings, tmp_path):
    settings = tuning_settings(postgres_url, study_prefix="shared")
    study = TunedStudy.open(tiny_job(trials=4), settings)
    command = [sys.executable, "-m", "modelpick", "tune", "--storage", postgres_url, "--study", "shared",
               "--threads", "1", "--quiet", "--json"]
    env = {**os.environ, "MODELPICK_CACHE_DIR": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [w.communicate(timeout=300) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err

    trials = optuna.load_study(study_name=study.name, storage=postgres_url).get_trials(deepcopy=False)
    finished = [t for t in trials if t.state.is_finished()]
    assert 4 <= len(finished) <= 5  # the plan; at most one more when both workers start the last one at once
    assert all(t.state != optuna.trial.TrialState.FAIL for t in finished), [t.user_attrs for t in finished]
    pids = {t.user_attrs["worker"].rsplit(":", 1)[1] for t in finished}
    assert pids == {str(w.pid) for w in workers}  # both processes ran trials of the one study
