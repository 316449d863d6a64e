"""A ``modelpick tune`` worker: join every study of a prefix in a storage and run trials until each has
its planned number, or until the worker's own time is up. Any number of workers, on any machines,
can share one storage (Optuna's own scale-out; nothing here schedules them)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from modelpick._imports import require
from modelpick.exceptions import TuningError
from modelpick.tuning._job import TuningJob
from modelpick.tuning._settings import TuningSettings
from modelpick.tuning._storage import display_url, open_storage
from modelpick.tuning._study import StudyProgress, TunedStudy

__all__ = ["run_worker", "study_names"]


def study_names(storage_url: str, prefix: str) -> list[str]:
    """The studies under ``prefix`` in the storage (``prefix/candidate/fingerprint``), sorted."""
    optuna = require("optuna", purpose="tune quick fine-tunes")
    storage = open_storage(storage_url)
    try:
        names = optuna.study.get_all_study_names(storage=storage)
    except Exception as exc:
        raise TuningError(f"Could not list the studies in {display_url(storage_url)}: {exc}") from exc
    return sorted(n for n in names if n == prefix or n.startswith(prefix + "/"))


def _wants_more(study: TunedStudy) -> bool:
    progress = study.progress()
    # Trials running on other workers count, so several workers do not overshoot the plan.
    return progress.finished + progress.running < study.job.trials_planned


def run_worker(
    settings: TuningSettings,
    *,
    max_trials: int | None = None,
    timeout_s: float | None = None,
    on_trial: Callable[[TunedStudy, StudyProgress], Any] | None = None,
) -> dict[str, tuple[TuningJob, StudyProgress]]:
    """Run trials of the studies under ``settings.study_prefix`` in turn until none wants more.

    Args:
        settings: Storage, prefix, threads and device of this worker.
        max_trials: Most trials this worker runs in all (``None``: no limit).
        timeout_s: This worker's time; a trial that would run past it is stopped at the deadline.
        on_trial: Called after each trial with the study and its progress.

    Returns:
        Each study's job and progress when the worker stopped, by study name.

    Raises:
        TuningError: the storage cannot be opened, or holds no study under the prefix.
    """
    names = study_names(settings.storage, settings.study_prefix)
    if not names:
        raise TuningError(
            f"No study named {settings.study_prefix!r} or starting with {settings.study_prefix + '/'!r} in "
            f"{display_url(settings.storage)}. Start one with modelpick advise --tune --storage ... --study "
            f"{settings.study_prefix}."
        )
    studies = [TunedStudy.load(name, settings) for name in names]
    deadline = None if timeout_s is None else time.time() + timeout_s
    ran = 0
    while max_trials is None or ran < max_trials:
        pending = [s for s in studies if _wants_more(s)]
        if not pending or (deadline is not None and time.time() >= deadline):
            break
        for study in pending:
            if (max_trials is not None and ran >= max_trials) or (deadline is not None and time.time() >= deadline):
                break
            study.run_trial(deadline=deadline)
            ran += 1
            if on_trial is not None:
                on_trial(study, study.progress())
    return {s.name: (s.job, s.progress()) for s in studies}
