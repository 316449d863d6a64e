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
from modelpick._mlflow import log_to_mlflow
from modelpick._validation import invalid_parameter
from modelpick.candidates import common_claims
from modelpick.config import AdviseConfig
from modelpick.data import DatasetSample, load_builtin_sample, load_sample
from modelpick.exceptions import DataError, DataFileNotFoundError, InvalidParameterError
from modelpick.results import PROFILE_SET_FORMAT, Comparison, ProfileSet, Recommendation, TuningSummary
from modelpick.selection import GateVerdict, compare_results, gate_model, tighten

__all__ = [
    "ProgressEvent",
    "available_candidates",
    "available_tasks",
    "builtin_sample",
    "compare",
    "gate",
    "load_profiles",
    "log_to_mlflow",
    "profile",
    "recommend",
    "tune",
]

_C = AdviseConfig  # every default below is read from the one declaration


def _as_sample(
    sample: Any, *, text_column: str | None, label_column: str | None, require_labels: bool
) -> DatasetSample | None:
    if sample is None or isinstance(sample, DatasetSample):
        for parameter, column in (("text_column", text_column), ("label_column", label_column)):
            if column is not None:
                # Silently ignoring a column the user named would advise on data they did not mean.
                given = "no sample (no --data)" if sample is None else f"a sample already loaded ({sample.source})"
                raise InvalidParameterError(
                    f"{parameter}={column!r} (--{parameter.replace('_', '-')}) names a column of a sample file or "
                    f"table, but there is {given}, so nothing would read it. Give sample= (--data FILE), or drop it."
                )
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
        text = path.read_text(encoding="utf-8")
        found = json.loads(text).get("format") if text.lstrip().startswith("{") else None
    except (json.JSONDecodeError, ValueError) as exc:
        raise DataError(
            f"'{path}' is not a modelpick profiles file ({one_line(exc)}). "
            "Write one with: modelpick profile --save FILE"
        ) from exc
    if isinstance(found, str) and found.startswith("modelpick-profiles/") and found != PROFILE_SET_FORMAT:
        raise DataError(
            f"'{path}' holds profiles of format {found!r}, measured at one sample's token lengths only; this "
            f"modelpick reads {PROFILE_SET_FORMAT!r} (latency by sequence length). Re-record it on the machine "
            f"it describes: modelpick profile --save {path}"
        )
    try:
        return ProfileSet.from_json(text)
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
    latency_batch_size: int = _C.latency_batch_size,
    candidates: Sequence[str] | None = _C.candidates,
    variants: Sequence[str] | None = _C.variants,
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
    allow_pickle: bool = _C.allow_pickle,
    estimate_quality: bool = _C.estimate_quality,
    tune: bool = _C.tune,
    tune_top_k: int = _C.tune_top_k,
    tune_trials: int = _C.tune_trials,
    time_budget_s: float | None = _C.time_budget_s,
    storage: str | None = _C.storage,
    study: str | None = _C.study,
    use_cache: bool = _C.use_cache,
    cache_path: str | None = _C.cache_path,
    progress: ProgressCallback | None = None,
) -> Recommendation:
    """Measure candidate models on this machine and the given data, and recommend one.

    Args:
        task: The task, e.g. ``"text-classification"`` (see :func:`available_tasks`).
        sample: The data: a path (.csv, .tsv, .jsonl, .json, .parquet), a pandas DataFrame, a list of
            dicts, or ``None``. Without a sample, latency is measured at the built-in sample's token
            lengths and quality is ranked by published figures, each labelled ``published``.
        max_latency_ms: Limit on ``latency_percentile`` latency of one call on ``latency_batch_size`` texts.
        latency_batch_size: Texts the deployment serves per call (1 by default); latency figures are one call
            on that many texts, padded to the longest.
        max_memory_mb: Limit on peak memory above a process that only imported the libraries.
        min_accuracy: Floor on estimated accuracy; a candidate of unknown accuracy cannot meet it.
        candidates: Catalog names, baseline names, Hub ids or local paths; ``None`` means the default
            catalog and the baselines (see :func:`available_candidates`).
        variants: Deployment variants of each transformer, each its own row named ``"<name> [<variant>]"``
            (the eager row keeps the plain name): ``"eager"``, ``"int8"``, ``"onnx"``, ``"fp16"``, ``"bf16"``.
            ``None``: those that can run here. A variant row's accuracy is measured on that variant, and
            ``CandidateResult.accuracy_delta`` compares it with the eager row's, paired.
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
        latency_percentile=latency_percentile, latency_batch_size=latency_batch_size, candidates=candidates,
        variants=variants, text_column=text_column,
        label_column=label_column, test_size=test_size, random_state=random_state, num_threads=num_threads,
        device=device, timeout_s=timeout_s, max_profile_time_s=max_profile_time_s,
        throughput_batch_size=throughput_batch_size, allow_download=allow_download,
        trust_remote_code=trust_remote_code, allow_pickle=allow_pickle, estimate_quality=estimate_quality, tune=tune,
        tune_top_k=tune_top_k, tune_trials=tune_trials, time_budget_s=time_budget_s, storage=storage, study=study,
        use_cache=use_cache, cache_path=cache_path,
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
    names = [candidates] if isinstance(candidates, str) else list(candidates)
    if len(names) < 2:
        # One message for the API and the CLI (it has no parameter to reword): what was given and a pair to try.
        example = ("tfidf-logreg" if names[:1] != ["tfidf-logreg"] else "majority-class") if names else "tfidf-logreg"
        raise InvalidParameterError(
            f"compare needs two or more candidates; got {len(names)}: {', '.join(names) or 'none'}. "
            f"Name another one too, e.g. {names[0] if names else 'majority-class'} and {example}."
        )
    rec = recommend(task, sample, candidates=names, progress=progress, **options)
    return compare_results(rec, common_claims())


def profile(
    task: str = _C.task,
    sample: Any = None,
    *,
    candidates: Sequence[str] | None = _C.candidates,
    variants: Sequence[str] | None = _C.variants,
    text_column: str | None = _C.text_column,
    label_column: str | None = _C.label_column,
    save: str | Path | None = None,
    random_state: int = _C.random_state,
    num_threads: int | None = _C.num_threads,
    device: str = _C.device,
    timeout_s: float = _C.timeout_s,
    max_profile_time_s: float = _C.max_profile_time_s,
    throughput_batch_size: int = _C.throughput_batch_size,
    latency_batch_size: int = _C.latency_batch_size,
    allow_download: bool = _C.allow_download,
    trust_remote_code: bool = _C.trust_remote_code,
    allow_pickle: bool = _C.allow_pickle,
    use_cache: bool = _C.use_cache,
    cache_path: str | None = _C.cache_path,
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
        task=task, candidates=candidates, variants=variants, text_column=text_column, label_column=label_column,
        random_state=random_state, num_threads=num_threads, device=device, timeout_s=timeout_s,
        max_profile_time_s=max_profile_time_s, throughput_batch_size=throughput_batch_size,
        latency_batch_size=latency_batch_size, allow_download=allow_download, trust_remote_code=trust_remote_code,
        allow_pickle=allow_pickle, estimate_quality=False, use_cache=use_cache, cache_path=cache_path,
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
    allow_pickle: bool = _C.allow_pickle,
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
        device=device, trust_remote_code=trust_remote_code, allow_pickle=allow_pickle,
    )
    from modelpick._validation import COUNT, validate_params

    validate_params({"max_trials": max_trials}, {"max_trials": [COUNT, None]}, caller="tune")
    return join_studies(config, max_trials=max_trials, progress=progress)


_REPORT_HINT = "gate reads the JSON of 'modelpick advise --report FILE.json' (or of 'compare --json')"


def _read_report(path: Path) -> Recommendation:
    """The recommendation in a report file: an advise JSON report or a compare JSON (its recommendation)."""
    if not path.exists():
        target = path if path.suffix == ".json" else "FILE.json"
        raise DataFileNotFoundError(
            f"Report '{path}' does not exist. Write one with: modelpick advise --report {target}"
        )
    if not path.is_file():
        raise DataError(f"Report '{path}' is not a file; {_REPORT_HINT}.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"Report '{path}' is not JSON ({one_line(exc)}); {_REPORT_HINT}.") from exc
    if not isinstance(data, dict) or not ("recommendation" in data or {"ranked", "results"} <= data.keys()):
        what = "a profiles file ('modelpick profile --save')" if isinstance(data, dict) and "profiles" in data else (
            "JSON of another kind"
        )
        raise DataError(f"Report '{path}' is {what}, not a recommendation; {_REPORT_HINT}.")
    try:
        if "recommendation" in data:
            return Comparison.from_dict(data).recommendation
        return Recommendation.from_dict(data)
    except DataError as exc:  # a newer schema_version: the message says to upgrade
        raise DataError(f"Report '{path}': {exc}") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(f"Report '{path}' is not a complete modelpick recommendation ({one_line(exc)}).") from exc


def gate(
    report: str | Path | Recommendation | Comparison,
    *,
    model: str | None = None,
    max_latency_ms: float | None = None,
    max_memory_mb: float | None = None,
    min_accuracy: float | None = None,
    latency_percentile: str | None = None,
) -> GateVerdict:
    """Check a model against the constraints a saved report records, from its figures: nothing is measured.

    A pipeline that pins a model re-checks it against each fresh report. With no limit given, the verdict is
    the report's own (the same check, the same figures). A limit given may only tighten the recorded one (a
    lower ``max_latency_ms`` or ``max_memory_mb``, a higher ``min_accuracy`` or ``latency_percentile``); a
    limit the report lacks is added.

    Args:
        report: The JSON of ``modelpick advise --report FILE.json`` or ``compare --json`` (a path), or a
            :class:`Recommendation` or :class:`Comparison`.
        model: The candidate to check; ``None`` checks the one the report recommends.
        max_latency_ms / max_memory_mb / min_accuracy / latency_percentile: Stricter limits than the
            report's; ``None`` keeps the recorded one.

    Returns:
        A :class:`~modelpick.selection.GateVerdict`: ``.passed`` and ``.reason`` (one line).

    Raises:
        DataFileNotFoundError: ``report`` does not exist.
        DataError: ``report`` is not a modelpick recommendation or comparison, or has a newer schema.
        UnknownNameError: the report holds no candidate called ``model``.
        InvalidParameterError: a limit is invalid or would loosen the report's.

    Example:
        >>> from modelpick.testing.factories import make_recommendation, make_result
        >>> rec = make_recommendation((make_result("small", p90_ms=8), make_result("big", p90_ms=30)),
        ...                           max_latency_ms=20)
        >>> gate(rec).reason
        'small passes: p90 8 ms <= 20 ms'
        >>> gate(rec, model="big").reason
        'big fails: p90 30 ms > 20 ms'
        >>> gate(rec, max_latency_ms=5).passed
        False
    """
    if model is not None and not (isinstance(model, str) and model):
        raise invalid_parameter("model", "gate", "a candidate name from the report", model, accepts_none=True)
    if isinstance(report, Comparison):
        rec = report.recommendation
    elif isinstance(report, Recommendation):
        rec = report
    else:
        rec = _read_report(Path(report))
    constraints = tighten(
        rec.constraints, max_latency_ms=max_latency_ms, max_memory_mb=max_memory_mb, min_accuracy=min_accuracy,
        latency_percentile=latency_percentile, caller="gate",
    )
    return gate_model(rec, model=model, constraints=constraints)


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
