"""Orchestration of the quick fine-tunes of one run (DESIGN.md section 6).

After every candidate is profiled and probed: choose what to tune (cost-feasible transformers, top-K by
pre-screen), open one Optuna study per candidate, share the time budget by successive halving, stop a
candidate whose best case cannot change the answer, then score only each study's best model on the
held-out split. Everything it decides is written into the results, with the reason and the time it saved.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelpick._errors import one_line
from modelpick._isolation import run_in_child
from modelpick.candidates._base import Candidate
from modelpick.constraints import Constraints
from modelpick.data._split import DataSplit, stratified_split
from modelpick.estimation._intervals import wilson_interval
from modelpick.estimation._measure import describe_interval, estimate_of, score_predictions
from modelpick.exceptions import ModelpickError, TuningError
from modelpick.results import CandidateResult, QualityEstimate, TuningRun, TuningSummary
from modelpick.selection._elimination import leader, plan_tuning, stop_reason
from modelpick.tuning import (
    SearchSpace,
    StudyProgress,
    TunedStudy,
    TuningJob,
    TuningSettings,
    display_url,
    halving_schedule,
    keep_after_round,
    run_worker,
    survivors,
    token_length_p99,
    trial_fits,
)

__all__ = ["TuneEmitter", "join_studies", "tune_candidates"]

# Called with (candidate, message, trials finished, trials planned) before and after each trial.
TuneEmitter = Callable[[str, str, int, int], None]

# Share of the budget kept back for scoring the best models and writing the report.
_RESERVE_FRACTION = 0.05
# Before a study has a finished trial: training costs about three forward passes per example and epoch
# (forward, backward), plus the child's start and the model's load.
_TRAIN_COST_PER_FORWARD = 3.0
_TRIAL_OVERHEAD_S = 8.0


@dataclass
class _State:
    """One candidate's tuning as it goes (mutable while the step runs)."""

    result: CandidateResult
    study: TunedStudy | None = None
    status: str = "tuned"
    reason: str = ""
    seconds: float = 0.0
    seconds_saved: float | None = None
    first_estimate_s: float = 60.0
    dropped: bool = False  # by successive halving (it may get budget the halving left unspent)


def _first_trial_estimate(result: CandidateResult, n_train: int, n_validation: int, *, max_length: int = 128) -> float:
    """Seconds the first recipe (3 epochs) should take, from the measured inference throughput.

    Throughput was measured on batches of sample texts padded to their longest (about the sample's p90
    length); a trial batches texts of similar length (about the p50) truncated to ``max_length``, so the
    per-example cost is scaled by that ratio.
    """
    profile = result.profile
    if profile is None or profile.throughput_per_s <= 0:
        return 60.0
    lengths = profile.lengths
    scale = min(1.0, min(lengths.p50, max_length) / max(lengths.p90, 1.0))
    epochs = 3
    examples = epochs * (n_train * _TRAIN_COST_PER_FORWARD + n_validation)
    return _TRIAL_OVERHEAD_S + examples * scale / profile.throughput_per_s


def _trial_estimate(state: _State, progress: StudyProgress) -> float:
    return progress.mean_trial_s if progress.mean_trial_s is not None else state.first_estimate_s


def _best_case(progress: StudyProgress, n_validation: int) -> float | None:
    """The upper bound of the 95% Wilson interval of the best validation accuracy so far."""
    if progress.best_value is None or n_validation <= 0:
        return None
    correct = round(progress.best_value * n_validation)
    return wilson_interval(correct, n_validation)[1]


def _validation_split(split: DataSplit, settings: TuningSettings, candidate: str) -> DataSplit:
    try:
        return stratified_split(
            split.train_texts, split.train_labels, test_size=settings.validation_fraction,
            random_state=settings.random_state, source="the training split",
        )
    except ModelpickError as exc:
        raise TuningError(
            f"cannot carve a validation part for tuning {candidate} out of the training split: {exc}"
        ) from exc


def _open_study(state: _State, candidate: Candidate, split: DataSplit, settings: TuningSettings) -> TunedStudy:
    weights = candidate.resolve_weights(allow_download=False, allow_pickle=settings.allow_pickle)
    if weights is None or weights.path is None or not weights.has_real_weights:
        raise TuningError(f"{candidate.name} has no pretrained weights on disk to fine-tune")
    carved = _validation_split(split, settings, candidate.name)
    p99, model_max = run_in_child(
        token_length_p99, str(weights.path), carved.train_texts, timeout_s=settings.trial_timeout_s, error=TuningError,
        context=f"Reading the token lengths of {candidate.name}", trust_remote_code=settings.trust_remote_code,
    )
    job = TuningJob(
        candidate=candidate.name,
        model_path=str(weights.path),
        labels=tuple(sorted(set(split.train_labels) | set(split.test_labels))),
        train_texts=carved.train_texts,
        train_labels=carved.train_labels,
        validation_texts=carved.test_texts,
        validation_labels=carved.test_labels,
        space=SearchSpace.for_lengths(p99_tokens=p99, model_max_length=model_max),
        trials_planned=settings.trials_per_candidate,
        trial_timeout_s=settings.trial_timeout_s,
        random_state=settings.random_state,
    )
    state.first_estimate_s = _first_trial_estimate(
        state.result, len(job.train_texts), len(job.validation_texts),
        max_length=job.space.first_recipe()["max_length"],
    )
    return TunedStudy.open(job, settings)


class _Step:
    """The tuning step of one run."""

    def __init__(
        self, results: Sequence[CandidateResult], states: dict[str, _State], settings: TuningSettings,
        constraints: Constraints, *, deadline: float | None, emit: TuneEmitter | None,
    ) -> None:
        self.results = results  # every candidate, baselines too: any of them can be the leader
        self.states = states
        self.settings = settings
        self.constraints = constraints
        self.deadline = deadline
        self.emit = emit

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.time()

    def _say(self, name: str, message: str) -> None:
        state = self.states[name]
        if self.emit is not None and state.study is not None:
            progress = state.study.progress()
            self.emit(name, message, progress.finished, state.study.job.trials_planned)

    def _leader(self) -> tuple[str, float] | None:
        return leader(self.results, self.constraints)

    def run_until(self, name: str, slice_end: float | None, *, max_trials: int | None = None) -> None:
        """Run trials of ``name`` until its plan is done, its slice or the budget is spent, it is stopped,
        or ``max_trials`` ran."""
        state = self.states[name]
        study = state.study
        assert study is not None
        ran = 0
        while state.status == "tuned" and (max_trials is None or ran < max_trials):
            ran += 1
            progress = study.progress()
            # Running trials are not counted: after a kill -9 one stays RUNNING until its heartbeat goes
            # stale, and this run must still do every trial the plan asks for.
            if progress.finished >= study.job.trials_planned:
                return
            ends = [t for t in (slice_end, self.deadline) if t is not None]
            limit = min(ends) if ends else None
            estimate = _trial_estimate(state, progress)
            if not trial_fits(estimate, None if limit is None else limit - time.time()):
                return
            best = "-" if progress.best_value is None else f"{progress.best_value:.3f}"
            left = self.remaining()
            budget = "" if left is None else f", {max(left, 0):.0f} s left in the budget"
            self._say(name, f"trial {progress.finished + 1}/{study.job.trials_planned}, best {best}{budget}")
            began = time.time()
            study.run_trial(deadline=self.deadline)
            state.seconds += time.time() - began
            progress = study.progress()
            why = stop_reason(
                name, _best_case(progress, len(study.job.validation_texts)),
                min_accuracy=self.constraints.min_accuracy, leader=self._leader(),
            )
            if why is not None:
                left_trials = study.job.trials_planned - progress.finished
                state.status, state.reason = "stopped", f"stopped after {progress.finished} trial(s): {why}"
                state.seconds_saved = left_trials * _trial_estimate(state, progress)
            self._say(name, f"trial {progress.finished}/{study.job.trials_planned} done")

    def run(self, order: Sequence[str]) -> None:
        active = [n for n in order if self.states[n].status == "tuned"]
        if self.deadline is None:
            for name in active:
                self.run_until(name, None)
            return
        budget_left = self.remaining() or 0.0
        rounds = halving_schedule(len(active), budget_left)
        for index, round_ in enumerate(rounds):
            contenders = [n for n in active if self.states[n].status == "tuned"][: round_.survivors]
            rounds_left = len(rounds) - index
            round_end = time.time() + max(self.remaining() or 0.0, 0.0) / rounds_left
            for position, name in enumerate(contenders):
                # Time a contender leaves unused goes to the ones after it in the round.
                share = max(round_end - time.time(), 0.0) / (len(contenders) - position)
                self.run_until(name, time.time() + share)
            if index + 1 < len(rounds):
                scores = {n: self._standing(n) for n in contenders if self.states[n].status == "tuned"}
                keep = survivors(scores, keep_after_round(len(contenders)))
                for name in scores:
                    if name not in keep:
                        self._drop(name, index + 1)
                active = list(keep)
        self._spend_leftover(order)

    def _next_trial_fits(self, name: str) -> bool:
        state = self.states[name]
        if state.study is None:
            return False
        progress = state.study.progress()
        if progress.finished >= state.study.job.trials_planned:
            return False
        return trial_fits(_trial_estimate(state, progress), self.remaining())

    def _spend_leftover(self, order: Sequence[str]) -> None:
        """Give budget the halving left unspent, a trial at a time, to the best-standing candidate whose
        next trial still fits: the survivor's may not, while a dropped, faster candidate's does."""
        while True:
            open_ = [n for n in order if self.states[n].status == "tuned" or self.states[n].dropped]
            ranked = sorted(open_, key=lambda n: (-(self._standing(n) or 0.0), n))
            name = next((n for n in ranked if self._next_trial_fits(n)), None)
            if name is None:
                return
            state = self.states[name]
            if state.dropped:
                state.status, state.reason, state.seconds_saved, state.dropped = "tuned", "", None, False
            self.run_until(name, None, max_trials=1)

    def _standing(self, name: str) -> float | None:
        """How good ``name`` looks so far: its best validation accuracy, or before any trial finished its
        cheap estimate, so a slow candidate is not dropped for being slow, only for being worse."""
        state = self.states[name]
        best = None if state.study is None else state.study.progress().best_value
        return best if best is not None else state.result.accuracy

    def _drop(self, name: str, round_number: int) -> None:
        state = self.states[name]
        assert state.study is not None
        progress = state.study.progress()
        best = (
            f"no finished trial; its probe accuracy {self._standing(name) or 0:.3f}" if progress.best_value is None
            else f"best validation accuracy {progress.best_value:.3f}"
        )
        state.status, state.dropped = "stopped", True
        state.reason = (
            f"dropped by successive halving after round {round_number} ({best}, not in the better half)"
        )
        left_trials = state.study.job.trials_planned - progress.finished
        state.seconds_saved = max(left_trials, 0) * _trial_estimate(state, progress)


def _fine_tuned_estimate(
    state: _State, split: DataSplit, *, task: Any, n_bootstrap: int, random_state: int
) -> QualityEstimate:
    study = state.study
    assert study is not None
    progress = study.progress()
    predicted, how = study.predict_with_best(split.test_texts)
    measurement = score_predictions(
        split.test_labels, predicted, task=task, n_train=len(study.job.train_texts),
        n_bootstrap=n_bootstrap, random_state=random_state,
    )
    spread = ""
    if progress.spread is not None:
        low, high = progress.spread
        spread = f" (best {min(3, progress.complete)} trials: {low:.3f}-{high:.3f})"
    note = (
        f"held-out accuracy on {measurement.n_test} test examples of the best of {progress.complete} complete "
        f"trial(s) of an Optuna study (TPE, median pruning) fine-tuning the whole model with transformers "
        f"Trainer on {measurement.n_train} training examples of your data; chosen on validation accuracy "
        f"{progress.best_value:.3f} over {len(study.job.validation_texts)} examples carved from the training "
        f"split{spread}; scored with {how}; {describe_interval(measurement)}"
    )
    return estimate_of(state.result.name, "fine-tune", measurement, note)


def _summary(state: _State, *, run_started: float) -> TuningSummary:
    study = state.study
    if study is None:
        return TuningSummary(
            candidate=state.result.name, status=state.status,  # type: ignore[arg-type]
            reason=state.reason, seconds=round(state.seconds, 2), seconds_saved=state.seconds_saved,
        )
    progress = study.progress(since=run_started)
    status = state.status
    if status == "tuned" and progress.complete == 0:
        status = "failed" if progress.failed else "not-started"
    reason = state.reason
    if not reason:
        done = f"{progress.finished} of {study.job.trials_planned} trials finished"
        reason = done if status != "not-started" else f"the time budget ran out before its first trial; {done}"
    return _study_summary(
        study.job, study.name, study.storage_display, progress, status=status, reason=reason,
        seconds=state.seconds, seconds_saved=state.seconds_saved,
    )


def _study_summary(
    job: TuningJob, study_name: str, storage: str, progress: StudyProgress, *, status: str, reason: str,
    seconds: float, seconds_saved: float | None = None,
) -> TuningSummary:
    """The report's record of one study: what its storage holds now, and what this run did with it."""
    return TuningSummary(
        candidate=job.candidate,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        study_name=study_name,
        storage=storage,
        trials_planned=job.trials_planned,
        trials_complete=progress.complete,
        trials_pruned=progress.pruned,
        trials_failed=progress.failed,
        trials_reused=progress.reused,
        failures=progress.failures,
        best_trial=progress.best_trial,
        best_params=progress.best_params,
        best_validation_accuracy=progress.best_value,
        validation_spread=progress.spread,
        n_validation=len(job.validation_texts),
        seconds=round(seconds, 2),
        seconds_saved=None if seconds_saved is None else round(seconds_saved, 1),
    )


def tune_candidates(
    results: Sequence[CandidateResult],
    candidates: Mapping[str, Candidate],
    split: DataSplit,
    *,
    constraints: Constraints,
    settings: TuningSettings,
    top_k: int,
    task: Any,
    n_bootstrap: int,
    deadline: float | None,
    budget_s: float | None,
    emit: TuneEmitter | None = None,
) -> tuple[tuple[CandidateResult, ...], TuningRun]:
    """Fine-tune the candidates worth it and return the results with ``fine_tuned`` and ``tuning`` set.

    Args:
        results: Every candidate's profiled and probed result.
        candidates: The run's candidates by name (to resolve their weights).
        split: The run's train/test split; trials see only the training side.
        constraints: The hard limits: cost decides who is tuned, the floor and the leader who stops.
        settings: How trials run and where studies live.
        top_k: How many candidates to tune at most.
        task: The task, for scoring.
        n_bootstrap: Resamples of the held-out interval.
        deadline: ``time.time()`` by which the run must end (``None``: no budget).
        budget_s: The run's whole budget, for the report.
        emit: Progress, before and after each trial.
    """
    started = time.time()
    plan = plan_tuning(results, constraints, top_k=top_k)
    states = {r.name: _State(r) for r in results if r.candidate.kind == "transformer" and r.status == "ok"}
    for name, why in plan.skipped.items():
        if name in states:
            states[name].status, states[name].reason = "skipped", why
    reserve = 0.0 if deadline is None else max(0.0, deadline - started) * _RESERVE_FRACTION
    step_deadline = None if deadline is None else deadline - reserve
    for name in plan.selected:
        state = states[name]
        try:
            state.study = _open_study(state, candidates[name], split, settings)
        except ModelpickError as exc:
            state.status, state.reason = "failed", str(exc)
        except Exception as exc:  # noqa: BLE001 - one candidate's bug must not end the run
            state.status, state.reason = "failed", f"internal error: {one_line(exc)}"
    # Estimated time a skipped candidate would have taken: its planned trials at its first-trial estimate.
    n_validation = round(len(split.train_texts) * settings.validation_fraction)
    for state in states.values():
        if state.status == "skipped" and state.result.profile is not None:
            per_trial = _first_trial_estimate(state.result, len(split.train_texts) - n_validation, n_validation)
            state.seconds_saved = settings.trials_per_candidate * per_trial
    step = _Step(results, states, settings, constraints, deadline=step_deadline, emit=emit)
    step.run(plan.selected)

    updated = []
    for result in results:
        if result.name not in states:
            updated.append(result)
            continue
        state = states[result.name]
        fine_tuned = None
        if state.study is not None and state.study.progress().complete:
            try:
                fine_tuned = _fine_tuned_estimate(
                    state, split, task=task, n_bootstrap=n_bootstrap, random_state=settings.random_state
                )
            except ModelpickError as exc:
                state.reason = f"{state.reason}; scoring the best model failed: {exc}".lstrip("; ")
        updated.append(dataclasses.replace(result, fine_tuned=fine_tuned, tuning=_summary(state, run_started=started)))
    return tuple(updated), _run_summary(states, settings, started=started, budget_s=budget_s, top_k=top_k)


def _run_summary(
    states: Mapping[str, _State], settings: TuningSettings, *, started: float, budget_s: float | None, top_k: int
) -> TuningRun:
    studies = [s for s in states.values() if s.study is not None]
    progresses = {s.result.name: s.study.progress() for s in studies if s.study is not None}
    finished = all(
        p.finished >= states[n].study.job.trials_planned  # type: ignore[union-attr]
        or states[n].status == "stopped"
        for n, p in progresses.items()
    )
    parts = [
        f"{name} {p.finished}/{states[name].study.job.trials_planned} trials"  # type: ignore[union-attr]
        f" ({p.complete} complete, {p.pruned} pruned, {p.failed} failed)"
        for name, p in progresses.items()
    ]
    seconds = time.time() - started
    if not studies:
        note = "no candidate was tuned"
    else:
        how_far = "every planned trial ran or was stopped by a rule" if finished else "the time budget ran out first"
        note = f"{how_far}: {'; '.join(parts)}"
    return TuningRun(
        storage=display_url(settings.storage),
        study_prefix=settings.study_prefix,
        top_k=top_k,
        trials_per_candidate=settings.trials_per_candidate,
        budget_s=budget_s,
        seconds=round(seconds, 2),
        finished=finished,
        note=note,
    )


def join_studies(
    settings: TuningSettings,
    *,
    max_trials: int | None,
    timeout_s: float | None,
    emit: TuneEmitter | None = None,
) -> tuple[TuningSummary, ...]:
    """Run trials of the studies under ``settings.study_prefix`` as one more worker (``modelpick tune``)."""

    def on_trial(study: TunedStudy, progress: StudyProgress) -> None:
        if emit is not None:
            best = "-" if progress.best_value is None else f"{progress.best_value:.3f}"
            emit(study.job.candidate, f"trial {progress.finished}/{study.job.trials_planned} done, best {best}",
                 progress.finished, study.job.trials_planned)

    started = time.time()
    progresses = run_worker(settings, max_trials=max_trials, timeout_s=timeout_s, on_trial=on_trial)
    summaries = []
    for name, (job, progress) in progresses.items():
        summaries.append(_study_summary(
            job, name, display_url(settings.storage), progress, status="tuned" if progress.complete else "failed",
            reason=f"{progress.finished} of {job.trials_planned} trials finished, by every worker",
            seconds=time.time() - started,
        ))
    return tuple(summaries)
