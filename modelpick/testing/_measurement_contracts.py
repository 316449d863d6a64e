"""Contracts that run a profiler or a quality estimator on an example and check what comes back."""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from modelpick.testing._contract_inputs import (
    PROVENANCES,
    _check_registered,
    _check_round_trip,
    contract_estimation_settings,
    contract_profile_settings,
    contract_split,
)

if TYPE_CHECKING:  # annotations only: the checks import these where they run
    from modelpick.candidates._base import Candidate, WeightsResolution
    from modelpick.data._sample import DataSplit
    from modelpick.estimation._base import QualityEstimator
    from modelpick.estimation._settings import EstimationSettings
    from modelpick.profiling import Profiler, ProfileSettings
    from modelpick.results import LatencyStats, ProfileResult, QualityEstimate

# -- quality estimators -----------------------------------------------------------------------------


class _Default:
    """Marks "no split given": ``None`` already means "no sample", which the published estimator needs."""

    def __repr__(self) -> str:
        return "<contract_split()>"


_CONTRACT_SPLIT: Any = _Default()


def _in_unit_interval(value: Any) -> bool:
    # NaN fails both comparisons, so it is caught here too.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0


def check_quality_estimate(key: str, estimate: QualityEstimate, candidate: Candidate) -> None:
    """The rules every :class:`~modelpick.results.QualityEstimate` of estimator ``key`` obeys.

    :func:`check_quality_estimator` runs the estimator and calls this on its result; it is separate so
    a plug-in's own tests can check estimates they made some other way.

    Rules:
        * it is a ``QualityEstimate`` for ``candidate.name`` whose ``method`` is ``key``;
        * ``provenance`` is one of measured, published, estimated, unknown; published carries a citation;
        * ``accuracy`` is either in [0, 1], with ``accuracy_low`` and ``accuracy_high`` in [0, 1] and
          ``low <= accuracy <= high`` where given; or ``None`` (unknown, never guessed) with a non-empty
          ``note`` saying why, and then no interval;
        * ``macro_f1`` and ``cv_accuracy_mean`` are in [0, 1], ``cv_accuracy_std`` >= 0, ``n_train``
          and ``n_test`` >= 0, where given;
        * it round-trips through ``to_dict``/``from_dict`` and JSON.
    """
    from modelpick.results import QualityEstimate

    assert isinstance(estimate, QualityEstimate), (
        f"{key}: estimate() must return a QualityEstimate; got {type(estimate).__name__}"
    )
    assert estimate.candidate == candidate.name, (
        f"{key}: the estimate must be for candidate {candidate.name!r}; got candidate={estimate.candidate!r}"
    )
    assert estimate.method == key, (
        f"{key}: the estimate's method must be the registry key {key!r}; got method={estimate.method!r}"
    )
    assert estimate.provenance in PROVENANCES, (
        f"{key}: provenance must be one of {', '.join(PROVENANCES)}; got {estimate.provenance!r}"
    )
    if estimate.provenance == "published":
        assert estimate.citation, f"{key}: a published accuracy must carry its citation; citation is empty"
    low, acc, high = estimate.accuracy_low, estimate.accuracy, estimate.accuracy_high
    if acc is None:
        assert isinstance(estimate.note, str) and estimate.note.strip(), (
            f"{key}: accuracy None (unknown) needs a non-empty note saying why"
        )
        assert low is None and high is None, (
            f"{key}: accuracy None (unknown) cannot have an interval; got accuracy_low={low!r}, accuracy_high={high!r}"
        )
    else:
        assert _in_unit_interval(acc), f"{key}: accuracy must be in [0, 1]; got {acc!r}"
        for name, bound in (("accuracy_low", low), ("accuracy_high", high)):
            assert bound is None or _in_unit_interval(bound), f"{key}: {name} must be in [0, 1]; got {bound!r}"
        assert low is None or low <= acc, f"{key}: accuracy_low <= accuracy is broken: {low!r} > {acc!r}"
        assert high is None or acc <= high, f"{key}: accuracy <= accuracy_high is broken: {acc!r} > {high!r}"
    for name in ("macro_f1", "cv_accuracy_mean"):
        value = getattr(estimate, name)
        assert value is None or _in_unit_interval(value), f"{key}: {name} must be in [0, 1]; got {value!r}"
    std = estimate.cv_accuracy_std
    assert std is None or (math.isfinite(std) and std >= 0), f"{key}: cv_accuracy_std must be >= 0; got {std!r}"
    for name in ("n_train", "n_test"):
        count = getattr(estimate, name)
        assert count is None or count >= 0, f"{key}: {name} must be >= 0; got {count!r}"
    _check_round_trip(key, estimate)


def check_quality_estimator(
    key: str,
    estimator_class: type[QualityEstimator],
    candidate: Candidate,
    weights: WeightsResolution | None = None,
    split: DataSplit | None = _CONTRACT_SPLIT,
    *,
    task: Any = "text-classification",
    settings: EstimationSettings | None = None,
) -> QualityEstimate:
    """An estimator is registered under its method name, applies to its example, and estimates it sanely.

    The estimate runs for real, in this process (an estimator may spawn children of its own).

    Args:
        key: The registry key (``QUALITY_ESTIMATORS``) the class is, or will be, registered under.
        estimator_class: The :class:`~modelpick.estimation._base.QualityEstimator` subclass.
        candidate: An example candidate the estimator handles.
        weights: Its resolved weights (transformers), or ``None``.
        split: The labelled split to estimate on; :func:`contract_split` when not given. Pass ``None``
            for an estimator that works without a sample (``published``).
        task: The task, or its registered name, as ``estimate_quality`` passes it.
        settings: How to estimate; :func:`contract_estimation_settings` when ``None``.

    Returns:
        The estimate, for further checks of the plug-in's own.

    Rules:
        * the class subclasses ``QualityEstimator``, is concrete, and its ``name`` is ``key``;
        * ``estimate`` takes ``task`` and ``settings`` by keyword only;
        * ``applies_to(candidate, weights, split)`` is true for the example, and is a bool;
        * the estimate obeys every rule of :func:`check_quality_estimate`.

    Example:
        >>> from modelpick.candidates import baselines
        >>> from modelpick.estimation import QUALITY_ESTIMATORS
        >>> check_quality_estimator("cross-validation", QUALITY_ESTIMATORS["cross-validation"],
        ...                         baselines()[0]).method
        'cross-validation'
    """
    from modelpick.estimation._base import QualityEstimator
    from modelpick.estimation._measure import resolve_task

    _check_registered(key, estimator_class, "name", QualityEstimator)
    parameters = inspect.signature(estimator_class.estimate).parameters
    for keyword in ("task", "settings"):
        assert keyword in parameters and parameters[keyword].kind is inspect.Parameter.KEYWORD_ONLY, (
            f"{key}: estimate() must take {keyword}= by keyword"
        )
    if isinstance(split, _Default):
        split = contract_split()
    if settings is None:
        settings = contract_estimation_settings()
    estimator = estimator_class()
    applies = estimator.applies_to(candidate, weights, split)
    assert isinstance(applies, bool), f"{key}: applies_to() must return a bool; got {applies!r}"
    assert applies, (
        f"{key}: applies_to() must be true for the example candidate {candidate.name!r} "
        f"(weights={getattr(weights, 'source', None)!r}, split={'none' if split is None else 'given'})"
    )
    # estimate_quality resolves the task name before it calls an estimator on a sample; do the same.
    resolved_task = resolve_task(task) if split is not None else task
    estimate = estimator.estimate(candidate, weights, split, task=resolved_task, settings=settings)
    check_quality_estimate(key, estimate, candidate)
    return estimate


# -- profilers --------------------------------------------------------------------------------------


def _check_latency(key: str, what: str, stats: LatencyStats) -> None:
    from modelpick.results import LatencyStats

    assert isinstance(stats, LatencyStats), f"{key}: {what} must be LatencyStats; got {type(stats).__name__}"
    assert isinstance(stats.n, int) and stats.n >= 1, f"{key}: {what}.n >= 1 is broken: n={stats.n!r}"
    percentiles = [stats.p50_ms, stats.p90_ms, stats.p95_ms, stats.p99_ms]
    for name, value in zip(("p50_ms", "p90_ms", "p95_ms", "p99_ms"), percentiles, strict=True):
        assert math.isfinite(value) and value > 0, f"{key}: {what}.{name} must be finite and > 0; got {value!r}"
    assert percentiles == sorted(percentiles), (
        f"{key}: {what} p50 <= p90 <= p95 <= p99 is broken: "
        f"p50={stats.p50_ms!r}, p90={stats.p90_ms!r}, p95={stats.p95_ms!r}, p99={stats.p99_ms!r}"
    )
    for name in ("mean_ms", "stdev_ms"):
        value = getattr(stats, name)
        assert math.isfinite(value) and value >= 0, f"{key}: {what}.{name} must be finite and >= 0; got {value!r}"
    assert isinstance(stats.noisy, bool), f"{key}: {what}.noisy must be a bool; got {stats.noisy!r}"


def _check_optional_nonnegative(key: str, result: Any, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(result, name)
        assert value is None or (math.isfinite(value) and value >= 0), (
            f"{key}: {name} must be None or finite and >= 0; got {value!r}"
        )


def check_profile_result(key: str, result: ProfileResult, candidate: Candidate) -> None:
    """The rules every :class:`~modelpick.results.ProfileResult` of profiler ``key`` obeys.

    :func:`check_profiler` runs the profiler and calls this on its result; it is separate so a plug-in's
    own tests can check results they made some other way (in a child, from a file).

    Rules:
        * it is a ``ProfileResult`` for ``candidate.name`` with ``provenance == "measured"``;
        * ``latency`` (and ``tokenize`` when present): ``n >= 1``; p50, p90, p95, p99 finite and > 0
          with ``p50 <= p90 <= p95 <= p99``; mean and stdev finite and >= 0;
        * ``throughput_per_s`` finite and > 0, ``throughput_batch_size >= 1``, ``batch_size >= 1``;
        * ``peak_rss_mb``, ``peak_gpu_mb``, ``weights_on_disk_mb``, ``gflops_per_s`` and
          ``machine_peak_gflops`` are None or finite and >= 0;
        * ``parameters >= 0``, ``num_threads >= 1``;
        * ``lengths``: ``n >= 1``, ``max >= 1``, ``p50 <= p90 <= max``;
        * it round-trips through ``to_dict``/``from_dict`` and JSON.
    """
    from modelpick.results import LengthsSummary, ProfileResult

    assert isinstance(result, ProfileResult), (
        f"{key}: profile() must return a ProfileResult; got {type(result).__name__}"
    )
    assert result.candidate == candidate.name, (
        f"{key}: the result must be for candidate {candidate.name!r}; got candidate={result.candidate!r}"
    )
    assert result.provenance == "measured", (
        f"{key}: a profile is measured here: provenance must be 'measured'; got {result.provenance!r}"
    )
    _check_latency(key, "latency", result.latency)
    if result.tokenize is not None:
        _check_latency(key, "tokenize", result.tokenize)
    assert math.isfinite(result.throughput_per_s) and result.throughput_per_s > 0, (
        f"{key}: throughput_per_s must be finite and > 0; got {result.throughput_per_s!r}"
    )
    assert result.throughput_batch_size >= 1, (
        f"{key}: throughput_batch_size >= 1 is broken: {result.throughput_batch_size!r}"
    )
    assert result.batch_size >= 1, f"{key}: batch_size >= 1 is broken: {result.batch_size!r}"
    _check_optional_nonnegative(
        key, result, ("peak_rss_mb", "peak_gpu_mb", "weights_on_disk_mb", "gflops_per_s", "machine_peak_gflops")
    )
    assert isinstance(result.parameters, int) and result.parameters >= 0, (
        f"{key}: parameters must be an int >= 0; got {result.parameters!r}"
    )
    assert isinstance(result.num_threads, int) and result.num_threads >= 1, (
        f"{key}: num_threads >= 1 is broken: {result.num_threads!r}"
    )
    lengths = result.lengths
    assert isinstance(lengths, LengthsSummary), f"{key}: lengths must be a LengthsSummary; got {lengths!r}"
    assert lengths.n >= 1 and lengths.max >= 1, (
        f"{key}: lengths.n >= 1 and lengths.max >= 1 is broken: n={lengths.n!r}, max={lengths.max!r}"
    )
    assert lengths.p50 <= lengths.p90 <= lengths.max, (
        f"{key}: lengths p50 <= p90 <= max is broken: p50={lengths.p50!r}, p90={lengths.p90!r}, max={lengths.max!r}"
    )
    _check_round_trip(key, result)


def _torch_threads() -> Callable[[], int] | None:
    """``torch.get_num_threads`` when torch is already imported (never imports it for the check)."""
    torch = sys.modules.get("torch")
    return getattr(torch, "get_num_threads", None) if torch is not None else None


def check_profiler(
    key: str,
    profiler_class: type[Profiler],
    candidate: Candidate,
    weights: WeightsResolution | None = None,
    *,
    split: DataSplit | None = None,
    settings: ProfileSettings | None = None,
) -> ProfileResult:
    """A profiler is registered under its candidate kind and measures its example sanely.

    The profile runs for real, in this process, with tiny settings; its numbers are not worth
    reporting, only their invariants are checked. ``baseline_rss_mb`` is this process's peak RSS so far,
    so ``peak_rss_mb`` is exercised (it is what the model added over that peak, often 0).

    Args:
        key: The registry key (``PROFILERS``): the candidate kind the class measures.
        profiler_class: The :class:`~modelpick.profiling.Profiler` subclass.
        candidate: An example candidate of that kind.
        weights: Its resolved weights (transformers), or ``None``.
        split: The split whose texts give the input lengths (and fit baselines); :func:`contract_split`
            when ``None``.
        settings: How to measure; :func:`contract_profile_settings` when ``None``.

    Returns:
        The profile, for further checks of the plug-in's own.

    Rules:
        * the class subclasses ``Profiler``, is concrete, its ``kind`` is ``key``, and it can be built
          without arguments;
        * ``profile(candidate, weights, split, settings, baseline_rss_mb=...)`` returns a result that obeys
          every rule of :func:`check_profile_result`;
        * in-process profiling leaves torch's thread count as it found it (``close`` undoes ``configure``).

    Example:
        >>> from modelpick.candidates import baselines
        >>> from modelpick.profiling import PROFILERS
        >>> check_profiler("baseline", PROFILERS["baseline"], baselines()[0]).provenance
        'measured'
    """
    from modelpick.profiling import Profiler
    from modelpick.profiling._memory import peak_rss_mb

    _check_registered(key, profiler_class, "kind", Profiler)
    profiler = profiler_class()
    if split is None:
        split = contract_split()
    if settings is None:
        settings = contract_profile_settings()
    get_threads = _torch_threads()
    threads_before = get_threads() if get_threads is not None else None
    result = profiler.profile(candidate, weights, split, settings, baseline_rss_mb=peak_rss_mb())
    if get_threads is not None:
        threads_after = get_threads()
        assert threads_after == threads_before, (
            f"{key}: close() must undo configure(): torch threads were {threads_before}, now {threads_after}"
        )
    check_profile_result(key, result, candidate)
    return result
