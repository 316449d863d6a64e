"""One Optuna study per candidate: open or resume it, run trials in spawned children, read its progress.

Each trial is one ``study.optimize(objective, n_trials=1)``: Optuna runs the heartbeat, fails stale
trials of killed workers, and records a crash or timeout as a FAIL trial (its reason in the trial's
``fail_reason`` user attribute) while the study goes on. The objective draws the parameters with the
seeded TPE sampler and trains in a spawned child with a deadline.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelpick._errors import one_line
from modelpick._imports import require
from modelpick._isolation import run_in_child
from modelpick.exceptions import ModelpickError, TuningError
from modelpick.tuning._job import JOB_ATTRIBUTE, TuningJob
from modelpick.tuning._search import make_pruner, make_sampler
from modelpick.tuning._settings import TuningSettings
from modelpick.tuning._storage import display_url, open_storage
from modelpick.tuning._trial import TrialOutcome, TrialRequest, predict_labels, train_trial

__all__ = ["INTERRUPTED_ATTRIBUTE", "StudyProgress", "TunedStudy"]

logger = logging.getLogger("modelpick.tuning")

# User attribute of a trial that ended FAIL because the run was interrupted (Ctrl-C, SIGTERM) while it ran.
INTERRUPTED_ATTRIBUTE = "interrupted"


@dataclass(frozen=True)
class StudyProgress:
    """How far a study is, read from its storage (every worker's trials count)."""

    complete: int
    pruned: int
    failed: int
    running: int
    reused: int  # finished before ``since``
    best_trial: int | None
    best_value: float | None
    best_params: dict[str, Any]
    spread: tuple[float, float] | None  # lowest and highest value of the best (up to 3) complete trials
    mean_trial_s: float | None  # mean wall time of finished trials (complete or pruned)
    failures: tuple[str, ...]

    @property
    def finished(self) -> int:
        return self.complete + self.pruned + self.failed


class TunedStudy:
    """A candidate's study in a storage, with its job: run trials, read progress, score the best model."""

    def __init__(self, study: Any, job: TuningJob, settings: TuningSettings) -> None:
        self.study = study
        self.job = job
        self.settings = settings

    @property
    def name(self) -> str:
        return str(self.study.study_name)

    @property
    def storage_display(self) -> str:
        return display_url(self.settings.storage)

    @classmethod
    def open(cls, job: TuningJob, settings: TuningSettings) -> TunedStudy:
        """Create the study for ``job`` or resume it (same data, candidate and space: same name).

        Raises:
            TuningError: the storage cannot be opened or is not an Optuna storage.
        """
        optuna = require("optuna", purpose="tune quick fine-tunes")
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        storage = _heartbeat_storage(settings)
        name = job.study_name(settings.study_prefix)
        try:
            study = optuna.create_study(
                study_name=name, storage=storage, direction="maximize", load_if_exists=True,
                sampler=make_sampler(job.random_state), pruner=make_pruner(),
            )
            if JOB_ATTRIBUTE not in study.user_attrs:
                study.set_user_attr(JOB_ATTRIBUTE, job.to_dict())
                # The common recipe first, so the tuned result is never worse than it on validation.
                study.enqueue_trial(job.space.first_recipe())
            elif study.user_attrs[JOB_ATTRIBUTE].get("trials_planned") != job.trials_planned:
                study.set_user_attr(JOB_ATTRIBUTE, job.to_dict())
        except ModelpickError:
            raise
        except Exception as exc:
            raise TuningError(
                f"Could not open study {name!r} in {display_url(settings.storage)}: {one_line(exc)}. "
                "Is it an Optuna storage? Give another --storage, or delete the file to start over."
            ) from exc
        return cls(study, job, settings)

    @classmethod
    def load(cls, study_name: str, settings: TuningSettings) -> TunedStudy:
        """Join an existing study (a ``modelpick tune`` worker); its job comes from the study itself."""
        optuna = require("optuna", purpose="tune quick fine-tunes")
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        storage = _heartbeat_storage(settings)
        try:
            study = optuna.load_study(study_name=study_name, storage=storage, pruner=make_pruner())
            raw = study.user_attrs.get(JOB_ATTRIBUTE)
        except Exception as exc:
            raise TuningError(f"Could not load study {study_name!r}: {one_line(exc)}") from exc
        if raw is None:
            raise TuningError(f"Study {study_name!r} was not made by modelpick (no {JOB_ATTRIBUTE} attribute).")
        job = TuningJob.from_dict(raw)
        study.sampler = make_sampler(job.random_state)
        return cls(study, job, settings)

    # -- progress -------------------------------------------------------------------------------------

    def progress(self, *, since: float | None = None) -> StudyProgress:
        """Counts, best trial and mean trial time, from the storage (``since``: a ``time.time()``)."""
        optuna = require("optuna", purpose="tune quick fine-tunes")
        states = optuna.trial.TrialState
        # A trial cut short by Ctrl-C says nothing about its parameters: it neither counts nor reads as a
        # failure, so the plan still asks for it and the run that resumes does it again.
        trials = [
            t for t in self.study.get_trials(deepcopy=False)
            if not (t.state == states.FAIL and t.user_attrs.get(INTERRUPTED_ATTRIBUTE))
        ]
        complete = [t for t in trials if t.state == states.COMPLETE and t.value is not None]
        finished = [t for t in trials if t.state in (states.COMPLETE, states.PRUNED) and t.datetime_complete]
        durations = [(t.datetime_complete - t.datetime_start).total_seconds() for t in finished if t.datetime_start]
        best = max(complete, key=lambda t: (t.value, -t.number), default=None)
        top = sorted((t.value for t in complete), reverse=True)[:3]
        reused = 0
        if since is not None:
            reused = sum(
                1 for t in trials
                if t.state.is_finished() and t.datetime_complete is not None
                and t.datetime_complete.timestamp() < since
            )
        failed = [t for t in trials if t.state == states.FAIL]
        failures = tuple(f"trial {t.number}: {_fail_reason(t)}" for t in failed)
        return StudyProgress(
            complete=len(complete),
            pruned=sum(t.state == states.PRUNED for t in trials),
            failed=len(failed),
            running=sum(t.state == states.RUNNING for t in trials),
            reused=reused,
            best_trial=best.number if best else None,
            best_value=float(best.value) if best else None,
            best_params=dict(best.params) if best else {},
            spread=(float(top[-1]), float(top[0])) if top else None,
            mean_trial_s=sum(durations) / len(durations) if durations else None,
            failures=failures,
        )

    # -- trials ---------------------------------------------------------------------------------------

    def _model_dir(self, number: int) -> Path:
        return Path(self.settings.artifacts_dir) / self.name.replace("/", "__") / f"trial-{number}"

    def _request(self, params: dict[str, Any], output_dir: Path, **reporting: Any) -> TrialRequest:
        """What a child needs to train ``params`` on this study's job and save the model to ``output_dir``."""
        job, settings = self.job, self.settings
        return TrialRequest(
            model_path=job.model_path, labels=job.labels, train_texts=job.train_texts, train_labels=job.train_labels,
            validation_texts=job.validation_texts, validation_labels=job.validation_labels, params=params,
            seed=job.random_state, num_threads=settings.num_threads, device=settings.device,
            trust_remote_code=settings.trust_remote_code, allow_pickle=settings.allow_pickle,
            output_dir=str(output_dir), **reporting,
        )

    def run_trial(self, *, deadline: float | None = None) -> TrialOutcome | None:
        """Run one trial to its end (complete, pruned or failed), stopping it at ``deadline`` (``time.time()``).

        Returns its outcome, or ``None`` when it failed (the reason is stored with the trial).
        """
        optuna = require("optuna", purpose="tune quick fine-tunes")
        outcomes: list[TrialOutcome] = []

        def objective(trial: Any) -> float:
            params = self.job.space.suggest(trial)
            trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
            output_dir = self._model_dir(trial.number)
            request = self._request(
                params, output_dir, deadline=deadline, storage_url=self.settings.storage, study_name=self.name,
                trial_id=trial._trial_id,  # noqa: SLF001 - the child reports to this trial
            )
            timeout = self.job.trial_timeout_s
            if deadline is not None:
                timeout = min(timeout, max(1.0, deadline - time.time()) + self.settings.stop_grace_s)
            try:
                outcome: TrialOutcome = run_in_child(
                    train_trial, request, timeout_s=timeout, error=TuningError,
                    context=f"trial {trial.number} of {self.job.candidate}",
                )
            except ModelpickError as exc:  # a CandidateTimeout too
                trial.set_user_attr("fail_reason", _reason(exc))
                shutil.rmtree(output_dir, ignore_errors=True)
                raise
            except KeyboardInterrupt:
                # Optuna records the trial as FAIL and lets the interrupt go on; marked, the trial is not
                # counted by progress().
                trial.set_user_attr(INTERRUPTED_ATTRIBUTE, True)
                trial.set_user_attr("fail_reason", "interrupted (Ctrl-C or SIGTERM) while it ran")
                shutil.rmtree(output_dir, ignore_errors=True)
                raise
            outcomes.append(outcome)
            trial.set_user_attr("epochs_done", outcome.epochs_done)
            trial.set_user_attr("seconds", round(outcome.seconds, 2))
            if outcome.stopped is not None:
                trial.set_user_attr("stopped", outcome.stopped)
                raise optuna.TrialPruned(f"{outcome.stopped} after {outcome.epochs_done} epoch(s)")
            if outcome.validation_accuracy is None:
                raise TuningError("training finished without a validation score")
            return outcome.validation_accuracy

        self.study.optimize(objective, n_trials=1, catch=(ModelpickError,))
        self._keep_only_best_model()
        return outcomes[0] if outcomes else None

    def _keep_only_best_model(self) -> None:
        """Delete the saved models of finished trials other than the best (disk stays one model per study)."""
        progress = self.progress()
        folder = Path(self.settings.artifacts_dir) / self.name.replace("/", "__")
        if not folder.is_dir():
            return
        running = {t.number for t in self.study.get_trials(deepcopy=False) if not t.state.is_finished()}
        for path in folder.glob("trial-*"):
            number = int(path.name.split("-", 1)[1]) if path.name.split("-", 1)[1].isdigit() else None
            if number is not None and number != progress.best_trial and number not in running:
                shutil.rmtree(path, ignore_errors=True)

    # -- the final score ------------------------------------------------------------------------------

    def predict_with_best(self, texts: tuple[str, ...]) -> tuple[list[str], str]:
        """The best trial's predictions for ``texts`` and how its model was obtained.

        The saved model is used when this machine has it; a best trial trained by a worker elsewhere is
        retrained here from its parameters (same seed) first.

        Raises:
            TuningError: the study has no complete trial, or the child failed.
        """
        progress = self.progress()
        if progress.best_trial is None:
            raise TuningError(f"the study of {self.job.candidate} has no complete trial to score")
        model_dir = self._model_dir(progress.best_trial)
        how = f"the saved model of trial {progress.best_trial}"
        timeout = self.job.trial_timeout_s
        if not (model_dir / "config.json").is_file():
            request = self._request(progress.best_params, model_dir)
            run_in_child(train_trial, request, timeout_s=timeout, error=TuningError,
                         context=f"Retraining the best trial of {self.job.candidate}")
            how = f"trial {progress.best_trial}'s parameters, retrained here (its model was trained by another worker)"
        labels = run_in_child(
            predict_labels, str(model_dir), texts, timeout_s=timeout, error=TuningError,
            context=f"Scoring the fine-tuned {self.job.candidate}",
            max_length=int(progress.best_params.get("max_length", 512)), num_threads=self.settings.num_threads,
            device=self.settings.device, trust_remote_code=self.settings.trust_remote_code,
        )
        return list(labels), how


def _heartbeat_storage(settings: TuningSettings) -> Any:
    """The settings' storage with the heartbeat on, as every process that runs trials opens it."""
    return open_storage(
        settings.storage, heartbeat_interval_s=settings.heartbeat_interval_s, grace_period_s=settings.grace_period_s
    )


def _fail_reason(trial: Any) -> str:
    reason = trial.user_attrs.get("fail_reason") or trial.system_attrs.get("fail_reason")
    # A trial failed by the heartbeat has no reason of its own: its worker was gone.
    return reason or "its worker stopped sending heartbeats (killed or cut off); the trial was failed and retried"


def _reason(exc: BaseException) -> str:
    # The context ("trial 3 of bert") is already in the trial's own record; keep the cause.
    text = str(exc)
    return text.split(": ", 1)[1] if text.startswith("trial ") and ": " in text else text
