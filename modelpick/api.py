"""The public functions: :func:`recommend` and friends. The CLI is a thin layer over these.

The options of :func:`recommend` and :func:`profile` are the fields of
:class:`~modelpick.config.AdviseConfig`: their defaults are read from it, and a test checks that every
option of a command is a parameter here and vice versa.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modelpick._advisor import ProgressCallback, ProgressEvent, advise, profile_candidates
from modelpick._errors import add_note, one_line
from modelpick._files import check_writable, write_atomically
from modelpick.config import AdviseConfig
from modelpick.data import DatasetSample, load_builtin_sample, load_sample
from modelpick.exceptions import DataError, DataFileNotFoundError, InvalidParameterError
from modelpick.results import Comparison, ProfileSet, Recommendation, TuningSummary

__all__ = [
    "ProgressEvent",
    "available_candidates",
    "available_tasks",
    "builtin_sample",
    "compare",
    "load_profiles",
    "profile",
    "recommend",
    "tune",
]

_C = AdviseConfig  # every default below is read from the one declaration


def _as_sample(
    sample: Any, *, text_column: str | None, label_column: str | None, require_labels: bool
) -> DatasetSample | None:
    if sample is None or isinstance(sample, DatasetSample):
        return sample
    return load_sample(sample, text_column=text_column, label_column=label_column, require_labels=require_labels)


def load_profiles(path: str | Path) -> ProfileSet:
    """Read profiles written by ``modelpick profile --save`` (or :func:`profile` with ``save=``).

    Raises:
        DataFileNotFoundError: the file does not exist.
        DataError: the file is not a modelpick profile set.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileNotFoundError(
            f"Profiles file '{path}' does not exist. Write one with: modelpick profile --save {path}"
        )
    try:
        return ProfileSet.from_json(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DataError(
            f"'{path}' is not a modelpick profiles file ({one_line(exc)}). "
            "Write one with: modelpick profile --save FILE"
        ) from exc


def recommend(
    task: str = _C.task,
    sample: Any = None,
    *,
    max_latency_ms: float | None = _C.max_latency_ms,
    max_memory_mb: float | None = _C.max_memory_mb,
    min_accuracy: float | None = _C.min_accuracy,
    latency_percentile: str = _C.latency_percentile,
    candidates: Sequence[str] | None = _C.candidates,
    text_column: str | None = _C.text_column,
    label_column: str | None = _C.label_column,
    profiles: str | Path | ProfileSet | None = None,
    test_size: float = _C.test_size,
    random_state: int = _C.random_state,
    num_threads: int | None = _C.num_threads,
    device: str = _C.device,
    timeout_s: float = _C.timeout_s,
    max_profile_time_s: float = _C.max_profile_time_s,
    throughput_batch_size: int = _C.throughput_batch_size,
    allow_download: bool = _C.allow_download,
    trust_remote_code: bool = _C.trust_remote_code,
    estimate_quality: bool = _C.estimate_quality,
    tune: bool = _C.tune,
    tune_top_k: int = _C.tune_top_k,
    tune_trials: int = _C.tune_trials,
    time_budget_s: float | None = _C.time_budget_s,
    storage: str | None = _C.storage,
    study: str | None = _C.study,
    progress: ProgressCallback | None = None,
) -> Recommendation:
    """Measure candidate models on this machine and the given data, and recommend one.

    Args:
        task: The task, e.g. ``"text-classification"`` (see :func:`available_tasks`).
        sample: The data: a path (.csv, .tsv, .jsonl, .json, .parquet), a pandas DataFrame, a list of
            dicts, or ``None``. Without a sample, latency is measured at the built-in sample's token
            lengths and quality is ranked by published figures, each labelled ``published``.
        max_latency_ms: Limit on ``latency_percentile`` latency at batch size 1.
        max_memory_mb: Limit on peak memory above a process that only imported the libraries.
        min_accuracy: Floor on estimated accuracy; a candidate of unknown accuracy cannot meet it.
        candidates: Catalog names, baseline names, Hub ids or local paths; ``None`` means the default
            catalog and the baselines (see :func:`available_candidates`).
        profiles: Recorded profiles (a path or a :class:`ProfileSet`) to use instead of measuring here.
        tune: Fine-tune the ``tune_top_k`` best candidates by pre-screen score, each tuned by an Optuna
            study of ``tune_trials`` trials kept in ``storage``; the ranking then uses the better of the
            probe and the fine-tune, and says which.
        time_budget_s: Wall-clock budget of the whole run, in seconds.
        progress: Called with a :class:`ProgressEvent` at each step.

        The other arguments are the options of :class:`~modelpick.config.AdviseConfig`, with its defaults.

    Returns:
        A :class:`Recommendation`: ``.best``, ``.ranked``, ``.pareto_front``, ``.rejected``,
        ``.to_frame()``, ``.to_json()``.

    Example:
        >>> rec = recommend(sample=[{"text": "refund please", "label": "billing"}] * 2
        ...     + [{"text": "app crashes", "label": "technical"}] * 2, max_latency_ms=-1)
        Traceback (most recent call last):
        ...
        modelpick.exceptions.InvalidParameterError: The 'max_latency_ms' parameter of recommend must be a number > 0
        or None. Got -1 instead.
    """
    config = AdviseConfig.for_caller(
        "recommend",
        task=task, max_latency_ms=max_latency_ms, max_memory_mb=max_memory_mb, min_accuracy=min_accuracy,
        latency_percentile=latency_percentile, candidates=candidates, text_column=text_column,
        label_column=label_column, test_size=test_size, random_state=random_state, num_threads=num_threads,
        device=device, timeout_s=timeout_s, max_profile_time_s=max_profile_time_s,
        throughput_batch_size=throughput_batch_size, allow_download=allow_download,
        trust_remote_code=trust_remote_code, estimate_quality=estimate_quality, tune=tune,
        tune_top_k=tune_top_k, tune_trials=tune_trials, time_budget_s=time_budget_s, storage=storage, study=study,
    )
    saved, saved_from = None, ""
    if isinstance(profiles, ProfileSet):
        saved, saved_from = profiles, "the given profiles"
    elif profiles is not None:
        saved, saved_from = load_profiles(profiles), str(profiles)
    data = _as_sample(sample, text_column=text_column, label_column=label_column, require_labels=estimate_quality)
    return advise(config, data, profiles=saved, profiles_source=saved_from, progress=progress)


def compare(
    candidates: Sequence[str],
    sample: Any = None,
    *,
    task: str = _C.task,
    progress: ProgressCallback | None = None,
    **options: Any,
) -> Comparison:
    """Measure two or more candidates side by side and compare them, as "X vs Y" pages do, with numbers
    measured here: a matrix, a verdict for each pair, strengths and weaknesses by stated rules, and
    common claims about their families checked against the measurements.

    Args:
        candidates: Two or more catalog names, baseline names, Hub ids or local paths.
        sample: The data, as for :func:`recommend`; without one, accuracy is published figures only.
        options: Any other option of :func:`recommend` (``num_threads``, ``tune``, ...).

    Returns:
        A :class:`~modelpick.results.Comparison`; ``.recommendation`` holds every measurement.

    Example:
        >>> compare(["tfidf-logreg"])
        Traceback (most recent call last):
        ...
        modelpick.exceptions.InvalidParameterError: compare needs two or more candidates; got 1: tfidf-logreg.
        Name another one too, e.g. tfidf-logreg and majority-class.
    """
    from modelpick.candidates import common_claims
    from modelpick.selection import compare_results

    names = [candidates] if isinstance(candidates, str) else list(candidates)
    if len(names) < 2:
        # One message for the API and the CLI (it has no parameter to reword): what was given and a pair to try.
        example = ("tfidf-logreg" if names[:1] != ["tfidf-logreg"] else "majority-class") if names else "tfidf-logreg"
        raise InvalidParameterError(
            f"compare needs two or more candidates; got {len(names)}: {', '.join(names) or 'none'}. "
            f"Name another one too, e.g. {names[0] if names else 'majority-class'} and {example}."
        )
    rec = recommend(task, sample, candidates=candidates, progress=progress, **options)
    return compare_results(rec, common_claims())


def profile(
    task: str = _C.task,
    sample: Any = None,
    *,
    candidates: Sequence[str] | None = _C.candidates,
    text_column: str | None = _C.text_column,
    label_column: str | None = _C.label_column,
    save: str | Path | None = None,
    random_state: int = _C.random_state,
    num_threads: int | None = _C.num_threads,
    device: str = _C.device,
    timeout_s: float = _C.timeout_s,
    max_profile_time_s: float = _C.max_profile_time_s,
    throughput_batch_size: int = _C.throughput_batch_size,
    allow_download: bool = _C.allow_download,
    trust_remote_code: bool = _C.trust_remote_code,
    progress: ProgressCallback | None = None,
) -> ProfileSet:
    """Measure cost only (latency, throughput, memory) and optionally save it for :func:`recommend`.

    Profiles taken on the deployment machine can be saved here and used to advise anywhere with
    ``recommend(..., profiles=FILE)``. Candidates that fail are left out of the set, with their reasons
    in ``ProfileSet.failed``; when every candidate fails, ``save`` is left untouched. ``label_column``
    matters to the baselines, which are fitted on the sample's labels before they are timed.

    Interrupted (Ctrl-C), it still writes the profiles that finished to ``save``, and the
    ``KeyboardInterrupt`` carries a note saying so (the command line prints it).

    Raises:
        InvalidParameterError: an option is out of range, or ``save`` cannot be written (checked before
            anything is measured).
    """
    config = AdviseConfig.for_caller(
        "profile",
        task=task, candidates=candidates, text_column=text_column, label_column=label_column,
        random_state=random_state, num_threads=num_threads, device=device, timeout_s=timeout_s,
        max_profile_time_s=max_profile_time_s, throughput_batch_size=throughput_batch_size,
        allow_download=allow_download, trust_remote_code=trust_remote_code, estimate_quality=False,
    )
    target = check_writable(save, parameter="save", caller="profile") if save is not None else None
    data = _as_sample(sample, text_column=text_column, label_column=label_column, require_labels=False)
    interrupted: list[ProfileSet] = []
    try:
        profile_set, _ = profile_candidates(config, data, progress=progress, on_interrupt=interrupted.append)
    except KeyboardInterrupt as interrupt:
        if target is not None and interrupted:
            add_note(interrupt, _save_finished(interrupted[0], target))
        raise
    # A run where every candidate failed must not replace profiles recorded earlier.
    if target is not None and profile_set.profiles:
        write_atomically(target, profile_set.to_json())
    return profile_set


def _save_finished(partial: ProfileSet, target: Path) -> str:
    """Save what an interrupted run finished (Ctrl-C must not throw away measurements); say what was done."""
    if not partial.profiles:
        return f"nothing had finished, so {target} was not written"
    write_atomically(target, partial.to_json())
    return (
        f"saved the {len(partial.profiles)} finished profile(s) to {target}; "
        f"{len(partial.failed)} candidate(s) without a profile are listed there under 'failed'"
    )


def tune(
    storage: str | None = _C.storage,
    *,
    study: str | None = _C.study,
    max_trials: int | None = None,
    time_budget_s: float | None = _C.time_budget_s,
    num_threads: int | None = _C.num_threads,
    device: str = _C.device,
    trust_remote_code: bool = _C.trust_remote_code,
    progress: ProgressCallback | None = None,
) -> tuple[TuningSummary, ...]:
    """Join the studies an ``advise --tune`` run started, as one more worker, on this or any machine.

    Every study whose name starts with ``study`` in ``storage`` gets trials until it has its planned
    number (counting every worker's), this worker has run ``max_trials``, or ``time_budget_s`` is spent
    (a running trial is stopped at that deadline). The data, the candidate and the search space are read
    from the study itself. Run ``advise --tune`` again with the same options to use the new trials.

    Returns:
        One :class:`~modelpick.results.TuningSummary` per study, as the storage has it now.

    Raises:
        TuningError: the storage cannot be opened, or holds no study under ``study``.
        InvalidParameterError: an option is out of range.

    Example:
        >>> tune("sqlite:///studies.db", study="reviews-v1", max_trials=4)  # doctest: +SKIP
    """
    from modelpick._advisor import join_studies

    config = AdviseConfig.for_caller(
        "tune", storage=storage, study=study, time_budget_s=time_budget_s, num_threads=num_threads,
        device=device, trust_remote_code=trust_remote_code,
    )
    from modelpick._validation import COUNT, validate_params

    validate_params({"max_trials": max_trials}, {"max_trials": [COUNT, None]}, caller="tune")
    return join_studies(config, max_trials=max_trials, progress=progress)


def available_tasks() -> list[str]:
    """Names of the registered tasks.

    Example:
        >>> available_tasks()
        ['text-classification']
    """
    from modelpick.tasks import available_tasks as _tasks

    return _tasks()


def available_candidates() -> list[dict[str, Any]]:
    """The default candidates: catalog transformers and baselines, with their published figures."""
    from modelpick.candidates import default_candidates

    return [c.info().to_dict() for c in default_candidates()]


def builtin_sample(name: str = "demo_reviews") -> DatasetSample:
    """The labelled demo dataset that ships with modelpick."""
    return load_builtin_sample(name)
