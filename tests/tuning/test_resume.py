"""A run killed with SIGKILL mid-study resumes: finished trials are reused, not redone (issue 6, point 6)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

optuna = pytest.importorskip("optuna")

from modelpick.testing.tiny_models import save_tiny_model  # noqa: E402
from modelpick.tuning import study_names  # noqa: E402


def _finished_trials(storage: str, prefix: str) -> list:
    names = study_names(storage, prefix) if os.path.exists(storage[len("sqlite:///"):]) else []
    if not names:
        return []
    study = optuna.load_study(study_name=names[0], storage=storage)
    return [t for t in study.get_trials(deepcopy=False) if t.state.is_finished()]


@pytest.mark.slow
def test_a_killed_advise_tune_resumes_with_its_finished_trials(tmp_path):
    model = save_tiny_model("bert", tmp_path / "bert")
    rows = ["text,label"]
    for i in range(14):
        rows += [f"great product works well {i},pos", f"terrible broken refund {i},neg"]
    (tmp_path / "s.csv").write_text("\n".join(rows) + "\n")
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    command = [
        sys.executable, "-m", "modelpick", "advise", "--data", str(tmp_path / "s.csv"), "--candidate", str(model),
        "--tune", "--tune-trials", "3", "--storage", storage, "--study", "resume", "--threads", "1",
        "--max-profile-time-s", "0.2", "--quiet", "--json", "--variant", "eager",  # only eager rows are tuned
    ]
    env = {**os.environ, "MODELPICK_CACHE_DIR": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}

    # First run: killed (the whole process group, as a CI runner or the OOM killer would) once a trial finished.
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and not _finished_trials(storage, "resume"):
            assert first.poll() is None, first.stderr.read().decode() if first.stderr else "first run ended early"
            time.sleep(0.5)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
    before = {t.number: t.datetime_start for t in _finished_trials(storage, "resume")}
    assert 1 <= len(before) < 3, "the kill must land mid-study"

    # Second run, same command: the finished trials are reused and only the rest run.
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    tuning = next(r["tuning"] for r in report["results"] if r["tuning"] is not None)
    assert tuning["trials_reused"] == len(before)
    finished = _finished_trials(storage, "resume")
    assert {t.number: t.datetime_start for t in finished if t.number in before} == before  # not redone
    done = [t for t in finished if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)]
    assert len(done) == 3  # the plan, not the plan again
    assert tuning["study_name"].startswith("resume/")
