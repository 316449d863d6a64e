"""Orchestration: run the advise pipeline from a config to a :class:`Recommendation`.

inputs -> facts (task, sample, candidates, hardware) -> measurements (profile, quality) -> decision.
A candidate that fails at any stage becomes a ``CandidateResult(status="failed", reason=...)`` and the
run goes on; only bad input (the user's to fix) stops the run, before any measuring starts.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from modelpick._costs import measure_costs
from modelpick._errors import add_note, one_line
from modelpick._tuner import join_studies as _join_studies
from modelpick._tuner import tune_candidates
from modelpick._validation import closest_name, invalid_parameter
from modelpick._version import __version__
from modelpick.candidates import TransformerCandidate, resolve_candidates
from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.candidates.variants import VARIANTS, get_variant
from modelpick.config import AdviseConfig
from modelpick.data import DatasetSample, DataSplit, load_builtin_sample
from modelpick.estimation import EstimationSettings, accuracy_delta, estimate_quality
from modelpick.exceptions import CandidateTimeout, EstimationError, InvalidParameterError, ModelpickError
from modelpick.hardware import default_num_threads, detect_gpu, detect_hardware, resolve_device
from modelpick.profiling import ProfileSettings
from modelpick.profiling._cache import MeasurementCache, default_cache_path
from modelpick.results import (
    AccuracyDelta,
    CandidateInfo,
    CandidateResult,
    HardwareInfo,
    LatencyRatio,
    ProfileSet,
    QualityEstimate,
    Recommendation,
    TuningRun,
    TuningSummary,
)
from modelpick.selection import decide
from modelpick.tasks import Task, get_task
from modelpick.tuning import TuningSettings, default_cache_dir, default_storage_url, display_url, open_storage

__all__ = [
    "ProgressEvent",
    "advise",
    "join_studies",
    "measurement_settings",
    "profile_candidates",
    "resolve_variants",
    "tuning_settings",
]

MEASURED_BASIS = "measured on your sample (held-out split, same for every candidate)"
PUBLISHED_BASIS = "published figures (no sample given): {metric}, each with its citation"
_INTERRUPTED_REASON = "not measured: the run was interrupted"


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a run, for progress displays. ``stage`` is one of
    ``"start"``, ``"resolve"``, ``"profile"``, ``"estimate"``, ``"done"``, ``"failed"``, ``"finish"``,
    and ``"tune"`` (a trial of a candidate's study: ``step`` of ``steps`` trials finished)."""

    stage: str
    index: int  # 0-based index of the candidate; total for "finish"
    total: int
    candidate: str = ""
    message: str = ""
    step: int = 0
    steps: int = 0


ProgressCallback = Callable[[ProgressEvent], None]


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class _Run:
    """The facts one run resolved from its config."""

    config: AdviseConfig
    task: Task
    sample: DatasetSample
    split: DataSplit
    measured_quality: bool
    candidates: tuple[Candidate, ...]  # the rows: each transformer once per deployment variant
    hardware: HardwareInfo
    # Threads and device, resolved once, live in the settings (profile_settings.num_threads / .device).
    profile_settings: ProfileSettings
    estimation_settings: EstimationSettings
    deadline: float | None  # time.time() by which the run must end (time_budget_s), or None
    tuning_settings: TuningSettings | None  # how quick fine-tunes run, when the run tunes
    models: tuple[Candidate, ...] = ()  # the candidates as named, before their variants made rows of them
    variants: tuple[str, ...] | None = None  # the variants used (None: no transformer, nothing resolved)
    unavailable: dict[str, str] = dataclasses.field(default_factory=dict)  # row -> why its variant cannot run


def resolve_variants(requested: tuple[str, ...] | None, device: str, *, caller: str = "recommend",
                     check: bool = True) -> tuple[tuple[str, ...], dict[str, str]]:
    """The deployment variants of a run, and why each named one that cannot run on ``device`` cannot.

    ``requested`` ``None`` means every registered variant that can run on ``device`` (eager and int8 on a
    CPU, onnx with ONNX Runtime installed, fp16 and bf16 on CUDA); named variants are kept as named, and
    those that cannot run become skipped rows. ``check=False`` only validates the names (nothing imported).

    Raises:
        InvalidParameterError: an unknown variant (the message names the closest one) or one named twice.

    Example:
        >>> resolve_variants(("eager", "fp16"), "cpu")[1]["fp16"]
        'fp16 runs on CUDA only; on CPU use the eager, int8 or onnx variant'
    """
    known = list(VARIANTS)
    if requested is None:
        if not check:
            return (), {}
        # Asked cheaply: no variant imports its runtime to say whether it is installed.
        return tuple(name for name in known if get_variant(name).unavailable_reason(device) is None), {}
    for name in requested:
        if name not in VARIANTS:
            close = closest_name(name, known)
            hint = f" (did you mean {close!r}?)" if close else ""
            raise invalid_parameter("variants", caller, f"variant names among {', '.join(map(repr, known))}{hint}",
                                    name)
    if len(set(requested)) != len(requested):
        raise invalid_parameter("variants", caller, "a list of variant names without duplicates", list(requested))
    reasons = {}
    if check:
        for name in requested:
            reason = get_variant(name).unavailable_reason(device)
            if reason is not None:
                reasons[name] = " ".join(reason.split())  # one line, whatever a variant wrote
    return tuple(requested), reasons


def _rows(models: tuple[Candidate, ...], variants: tuple[str, ...]) -> tuple[Candidate, ...]:
    """Each transformer once per variant, next to each other (eager first when asked); others as they are."""
    rows: list[Candidate] = []
    for model in models:
        if isinstance(model, TransformerCandidate):
            rows += [model.with_variant(variant) for variant in variants]
        else:
            rows.append(model)
    return tuple(rows)


def _resolve_facts(config: AdviseConfig, sample: DatasetSample | None, *, started: float,
                   caller: str = "recommend") -> _Run:
    task = get_task(config.task)
    measured_quality = sample is not None
    if config.tune and (sample is None or not config.estimate_quality):
        raise InvalidParameterError(
            "tune=True (--tune) fine-tunes on your labelled sample; give one (sample=, --data) and keep "
            "estimate_quality on, or drop tune."
        )
    if sample is None:
        # No data: profile at the built-in sample's lengths; quality comes from published figures.
        sample = load_builtin_sample(task.builtin_sample)
    if sample.labels is not None:
        task.validate_labels(sample.labels, source=sample.source)
    elif measured_quality and config.estimate_quality:
        from modelpick.exceptions import DataError

        raise DataError(
            f"The sample from {sample.source} has no label column, so accuracy cannot be measured. "
            "Give label_column= (--label-column), or estimate_quality=False (--no-quality) for cost only."
        )
    if sample.labels is not None:
        split = sample.split(test_size=config.test_size, random_state=config.random_state)
    else:
        # Cost only, no labels: every text sets the input lengths; nothing is held out or fitted.
        split = DataSplit(sample.texts, (), (), (), config.random_state)
    models = tuple(resolve_candidates(config.candidates))
    for candidate in models:
        # A model the user named that would run code they have not allowed: theirs to fix, before measuring.
        candidate.check_safe_to_load(allow_pickle=config.allow_pickle, trust_remote_code=config.trust_remote_code)
    device = resolve_device(config.device)
    has_transformers = any(isinstance(m, TransformerCandidate) for m in models)
    variants, reasons = resolve_variants(config.variants, device, caller=caller, check=has_transformers)
    candidates = _rows(models, variants) if has_transformers else models
    unavailable = {c.name: reasons[c.variant] for c in candidates
                   if isinstance(c, TransformerCandidate) and c.variant in reasons}
    hardware = detect_hardware()
    if device == "cuda":
        hardware = detect_gpu(hardware)
    num_threads = config.num_threads or default_num_threads()
    deadline = None if config.time_budget_s is None else started + config.time_budget_s
    tuning = tuning_settings(config, num_threads=num_threads, device=device) if config.tune else None
    if tuning is not None:
        # A storage that cannot be opened is the user's to fix, and must be found before minutes of measuring.
        open_storage(tuning.storage)
    return _Run(
        config, task, sample, split, measured_quality, candidates, hardware,
        *measurement_settings(config, num_threads=num_threads, device=device), deadline, tuning,
        models=models, variants=variants if has_transformers or config.variants is not None else None,
        unavailable=unavailable,
    )


def measurement_settings(
    config: AdviseConfig, *, num_threads: int, device: str
) -> tuple[ProfileSettings, EstimationSettings]:
    """The settings each measurement needs, from the options; threads and device already resolved.

    The orchestrator is the one place that translates options into settings: measurement never reads
    the config (an import-linter contract holds it to that).
    """
    shared: dict[str, Any] = {
        "num_threads": num_threads, "device": device, "random_state": config.random_state,
        "trust_remote_code": config.trust_remote_code,
    }
    profiling = ProfileSettings(
        max_time_s=config.max_profile_time_s, throughput_batch_size=config.throughput_batch_size,
        latency_batch_size=config.latency_batch_size, **shared
    )
    return profiling, EstimationSettings(timeout_s=config.timeout_s, **shared)


def tuning_settings(config: AdviseConfig, *, num_threads: int, device: str) -> TuningSettings:
    """How the quick fine-tunes run: the studies' storage (a SQLite file under the cache dir by default)."""
    return TuningSettings(
        num_threads=num_threads, device=device, random_state=config.random_state,
        trust_remote_code=config.trust_remote_code, allow_pickle=config.allow_pickle,
        storage=config.storage or default_storage_url(),
        study_prefix=config.study or "modelpick",
        artifacts_dir=str(default_cache_dir() / "tuning-models"),
        trials_per_candidate=config.tune_trials,
        trial_timeout_s=config.timeout_s,
    )


def _estimate(candidate: Candidate, weights: WeightsResolution | None, run: _Run) -> QualityEstimate:
    try:
        return estimate_quality(
            candidate,
            weights,
            run.split if run.measured_quality else None,
            task=run.task,
            settings=dataclasses.replace(run.estimation_settings, timeout_s=_child_timeout(run)),
        )
    except (EstimationError, CandidateTimeout) as exc:
        # The cost was measured and stays useful; only the accuracy is unknown, and says why.
        return QualityEstimate(candidate.name, "none", "unknown", None, note=f"estimation failed: {exc}")


def _child_timeout(run: _Run) -> float:
    """A child's time limit: the option's, or less when the time budget ends sooner."""
    if run.deadline is None:
        return run.config.timeout_s
    return max(1.0, min(run.config.timeout_s, run.deadline - time.time()))


def _open_cache(config: AdviseConfig) -> MeasurementCache:
    return MeasurementCache(config.cache_path or default_cache_path())


@dataclass
class _Steps:
    """What the steps of a run found besides the results: warnings, latency ratios, their durations."""

    warnings: tuple[str, ...] = ()
    ratios: tuple[LatencyRatio, ...] = ()
    durations_s: dict[str, float] = dataclasses.field(default_factory=dict)


def _run_candidates(
    run: _Run,
    *,
    saved: ProfileSet | None,
    saved_from: str,
    progress: ProgressCallback | None,
    results: list[CandidateResult] | None = None,
    steps: _Steps | None = None,
) -> tuple[CandidateResult, ...]:
    """Resolve every candidate, measure their costs together (interleaved), then estimate each one's quality.

    ``results``: a list each result is appended to as soon as it is known, so a caller still holds the
    finished ones when the run is interrupted (Ctrl-C raises ``KeyboardInterrupt`` out of here).
    ``steps``: filled with the warnings, latency ratios and step durations of the run.
    """
    total = len(run.candidates)
    results = [] if results is None else results
    steps = _Steps() if steps is None else steps
    index_of = {c.name: i for i, c in enumerate(run.candidates)}

    def emit(stage: str, name: str, message: str = "") -> None:
        if progress is not None:
            progress(ProgressEvent(stage, index_of[name], total, name, message))

    started = time.perf_counter()
    early: dict[str, CandidateResult] = {}  # failed or skipped before measuring
    resolved: list[tuple[Candidate, WeightsResolution | None, CandidateInfo]] = []
    # The rows of one model (its variants) share one resolution of its weights: model name -> outcome.
    found: dict[str, WeightsResolution | None | CandidateResult] = {}
    for candidate in run.candidates:
        if candidate.name in run.unavailable:
            early[candidate.name] = CandidateResult(candidate.info(), "skipped", run.unavailable[candidate.name])
            continue
        if run.deadline is not None and time.time() >= run.deadline:
            reason = f"not measured: the time budget of {run.config.time_budget_s:g} s was spent"
            early[candidate.name] = CandidateResult(candidate.info(), "skipped", reason)
            continue
        emit("start", candidate.name)
        emit("resolve", candidate.name)
        model = getattr(candidate, "variant_of", None) or candidate.name
        if model not in found:
            found[model] = _resolve_weights(candidate, run)
        outcome = found[model]
        if isinstance(outcome, CandidateResult):
            early[candidate.name] = dataclasses.replace(outcome, candidate=candidate.info())
        else:
            resolved.append((candidate, outcome, candidate.info(outcome)))
    steps.durations_s["resolve"] = time.perf_counter() - started
    # Candidates are measured by kind, each kind's timing rounds interleaved (transformers with transformers):
    # a kind's figures are complete, and kept on Ctrl-C, before the next kind starts.
    by_name = {c.name: (c, w, info) for c, w, info in resolved}
    kinds: dict[str, list[tuple[Candidate, WeightsResolution | None]]] = {}
    for candidate, weights, _ in resolved:
        kinds.setdefault(candidate.kind, []).append((candidate, weights))
    cache = _open_cache(run.config)
    done: dict[str, CandidateResult] = {}
    for name, result in early.items():
        done[name] = result
        results.append(result)
        if result.status != "skipped":
            emit("failed", name, result.reason)
    for group in kinds.values():
        started = time.perf_counter()
        costs = measure_costs(
            group, run.split, run.profile_settings, run.hardware, saved=saved, saved_from=saved_from, cache=cache,
            reuse=run.config.use_cache, timeout_s=_child_timeout(run), deadline=run.deadline,
            on_start=lambda name: emit("profile", name),
        )
        _add_time(steps, "cost", started)
        steps.warnings += costs.warnings
        steps.ratios += costs.ratios
        started = time.perf_counter()
        for candidate, weights in group:
            name = candidate.name
            info = by_name[name][2]
            if name in costs.failures:
                status, reason = costs.failures[name]
                result = CandidateResult(info, "failed" if status == "failed" else "skipped", reason)
            else:
                quality = None
                if run.config.estimate_quality:
                    emit("estimate", name)
                    quality = _estimate(candidate, weights, run)
                result = CandidateResult(info, "ok", "", costs.profiles[name], quality,
                                         accuracy_delta=_delta_to_eager(info, quality, done, run))
            done[name] = result
            results.append(result)
            emit("done" if result.status == "ok" else "failed", name, result.reason)
        _add_time(steps, "accuracy", started)
    if progress is not None:
        progress(ProgressEvent("finish", total, total))
    return tuple(done[c.name] for c in run.candidates if c.name in done)


def _resolve_weights(candidate: Candidate, run: _Run) -> WeightsResolution | None | CandidateResult:
    """The candidate's weights, or its failed result."""
    try:
        return candidate.resolve_weights(allow_download=run.config.allow_download, allow_pickle=run.config.allow_pickle)
    except ModelpickError as exc:
        return CandidateResult(candidate.info(), "failed", str(exc))
    except Exception as exc:  # noqa: BLE001 - one candidate's bug must not end the run
        return CandidateResult(candidate.info(), "failed", f"internal error: {one_line(exc)}")


def _delta_to_eager(info: CandidateInfo, quality: QualityEstimate | None, done: dict[str, CandidateResult],
                    run: _Run) -> AccuracyDelta | None:
    """A variant row's accuracy against its eager row's, paired over the held-out examples (rows are listed
    eager first, so the eager row is done by now); ``None`` for the eager row or without both figures."""
    if info.variant_of is None or info.variant_of not in done:
        return None
    return accuracy_delta(quality, done[info.variant_of].quality, versus=info.variant_of,
                          n_resamples=run.estimation_settings.n_bootstrap, random_state=run.config.random_state)


def _add_time(steps: _Steps, step: str, started: float) -> None:
    steps.durations_s[step] = steps.durations_s.get(step, 0.0) + time.perf_counter() - started


def _resolved_config(run: _Run, saved: ProfileSet | None) -> dict[str, Any]:
    """The options as the run used them: threads and device resolved (or as recorded), candidates named."""
    used = run.config.replace(
        num_threads=saved.num_threads if saved is not None else run.profile_settings.num_threads,
        device=_option_device(saved.device if saved is not None else run.profile_settings.device),
        candidates=tuple(c.name for c in run.models or run.candidates),
        variants=run.variants or None,
    )
    echo = used.to_dict()
    if echo.get("storage"):
        echo["storage"] = display_url(echo["storage"])  # a report must not carry a database password
    return echo


def _option_device(device: str) -> str:
    # Profiles record the device used ("cuda:0"); the option names its kind.
    return "cuda" if device.startswith("cuda") else device


def advise(
    config: AdviseConfig,
    sample: DatasetSample | None,
    *,
    profiles: ProfileSet | None = None,
    profiles_source: str = "",
    progress: ProgressCallback | None = None,
) -> Recommendation:
    """Run the whole pipeline and return the recommendation.

    Args:
        config: What to measure and the constraints.
        sample: The user's validated sample, or ``None`` for published-quality mode.
        profiles: Recorded profiles to use instead of measuring cost on this machine.
        profiles_source: Where ``profiles`` came from (for reasons in the report).
        progress: Called with a :class:`ProgressEvent` at every step.
    """
    started = time.time()
    run = _resolve_facts(config, sample, started=started, caller="recommend")
    steps = _Steps()
    results = _run_candidates(run, saved=profiles, saved_from=profiles_source, progress=progress, steps=steps)
    tuning = None
    if config.tune:
        try:
            results, tuning = _tune(run, results, progress)
        except KeyboardInterrupt as interrupt:
            assert run.tuning_settings is not None  # built whenever the config tunes
            add_note(interrupt, _trials_kept(run.tuning_settings.storage))
            raise
    decision = decide(results, config.constraints)
    if run.measured_quality:
        basis = MEASURED_BASIS
    else:
        from modelpick.candidates import PUBLISHED_QUALITY_METRIC

        basis = PUBLISHED_BASIS.format(metric=PUBLISHED_QUALITY_METRIC)
    summary = run.sample.summary(run.split)
    if not run.measured_quality:
        summary = dataclasses.replace(summary, source=f"{summary.source} (built-in; used for token lengths only)")
    environment = profiles.environment if profiles is not None else run.hardware
    return Recommendation(
        task=run.task.name,
        results=results,
        ranked=decision.ranked,
        pareto_front=decision.pareto_front,
        rejected=decision.rejected,
        closest=decision.closest,
        constraints=config.constraints,
        config=_resolved_config(run, profiles),
        environment=environment,
        sample=summary,
        quality_basis=basis,
        created_at=_now(),
        modelpick_version=__version__,
        # Recorded profiles were measured with their own settings (in the profiles file), not these.
        settings=_settings_echo(run, profiled=profiles is None),
        tuning=tuning,
        warnings=steps.warnings,
        latency_ratios=steps.ratios,
        durations_s={**steps.durations_s, "total": time.time() - started},
    )


def _tune(
    run: _Run, results: tuple[CandidateResult, ...], progress: ProgressCallback | None
) -> tuple[tuple[CandidateResult, ...], TuningRun]:
    assert run.tuning_settings is not None  # built whenever the config tunes
    # A fine-tune trains the fp32 model: the same for every variant of it, so only eager rows are tuned.
    variant_rows = {r.name: r for r in results if r.candidate.variant_of is not None}
    everything, results = results, tuple(r for r in results if r.name not in variant_rows)
    names = [r.name for r in results]

    def emit(candidate: str, message: str, done: int, planned: int) -> None:
        if progress is not None:
            progress(ProgressEvent("tune", names.index(candidate), len(names), candidate, message, done, planned))

    tuned = tune_candidates(
        results, {c.name: c for c in run.candidates}, run.split,
        constraints=run.config.constraints,
        settings=run.tuning_settings,
        top_k=run.config.tune_top_k,
        task=run.task,
        n_bootstrap=run.estimation_settings.n_bootstrap,
        deadline=run.deadline,
        budget_s=run.config.time_budget_s,
        emit=emit,
    )
    if progress is not None:
        progress(ProgressEvent("finish", len(names), len(names)))
    tuned_by_name = {r.name: r for r in tuned[0]}
    return tuple(tuned_by_name.get(r.name, r) for r in everything), tuned[1]


def _settings_echo(run: _Run, *, profiled: bool = True) -> dict[str, Any]:
    """The measurement settings the run used, for the report: how every number was obtained."""
    echo: dict[str, Any] = {}
    if profiled:
        echo["profiling"] = dataclasses.asdict(run.profile_settings)
    if run.config.estimate_quality:
        echo["estimation"] = dataclasses.asdict(run.estimation_settings)
    if run.tuning_settings is not None:
        tuning = dataclasses.asdict(run.tuning_settings)
        tuning["storage"] = display_url(tuning["storage"])
        echo["tuning"] = tuning
    return echo


def _trials_kept(storage: str) -> str:
    """What an interrupted tuning run keeps, for the ``KeyboardInterrupt``'s note."""
    return (
        f"the finished trials are kept in {display_url(storage)}; the same command resumes from them "
        "(a trial cut short is run again)"
    )


def profile_candidates(
    config: AdviseConfig,
    sample: DatasetSample | None,
    *,
    progress: ProgressCallback | None = None,
    on_interrupt: Callable[[ProfileSet], None] | None = None,
) -> tuple[ProfileSet, tuple[CandidateResult, ...]]:
    """Measure cost only (no quality) and return the profiles as a :class:`ProfileSet` to save.

    ``on_interrupt``: called with the profiles finished so far when the run is interrupted (Ctrl-C),
    before the ``KeyboardInterrupt`` goes on; the candidates not measured are in its ``failed``.
    """
    config = config.replace(estimate_quality=False, tune=False)
    run = _resolve_facts(config, sample, started=time.time(), caller="profile")
    finished: list[CandidateResult] = []
    try:
        results = _run_candidates(run, saved=None, saved_from="", progress=progress, results=finished)
    except KeyboardInterrupt:
        if on_interrupt is not None:
            done = {r.name for r in finished}
            cut = [CandidateResult(c.info(), "skipped", _INTERRUPTED_REASON)
                   for c in run.candidates if c.name not in done]
            on_interrupt(_profile_set(run, (*finished, *cut)))
        raise
    return _profile_set(run, results), results


def _profile_set(run: _Run, results: tuple[CandidateResult, ...]) -> ProfileSet:
    return ProfileSet(
        environment=run.hardware,
        profiles=tuple(r.profile for r in results if r.profile is not None),
        created_at=_now(),
        modelpick_version=__version__,
        device=run.profile_settings.device,
        num_threads=run.profile_settings.num_threads,
        lengths_from=run.sample.source,
        failed={r.name: r.reason for r in results if r.profile is None},
        config=_resolved_config(run, None),
        settings=_settings_echo(run),
    )


def join_studies(
    config: AdviseConfig, *, max_trials: int | None, progress: ProgressCallback | None = None
) -> tuple[TuningSummary, ...]:
    """Work on the studies of ``config.storage`` / ``config.study`` as one more worker (``modelpick tune``)."""
    device = resolve_device(config.device)
    settings = tuning_settings(config, num_threads=config.num_threads or default_num_threads(), device=device)
    names: list[str] = []

    def emit(candidate: str, message: str, done: int, planned: int) -> None:
        if candidate not in names:
            names.append(candidate)
        if progress is not None:
            progress(ProgressEvent("tune", names.index(candidate), len(names), candidate, message, done, planned))

    try:
        return _join_studies(settings, max_trials=max_trials, timeout_s=config.time_budget_s, emit=emit)
    except KeyboardInterrupt as interrupt:
        add_note(interrupt, _trials_kept(settings.storage))
        raise
