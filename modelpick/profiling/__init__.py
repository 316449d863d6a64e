"""Cost measurement: latency, throughput, memory and size of a candidate on this machine.

The rules (DESIGN.md §3): one fresh spawned child per candidate with a timeout; threads fixed before
any work; warm-up never counted; tokenization timed apart from the forward pass; inputs as long as the
user's texts; repeats until stable or a time cap (then flagged noisy); memory over a baseline child;
an implied FLOP rate above the machine's measured matmul peak is an error, not a result.

Profilers (one per candidate kind) are registered in :data:`PROFILERS`; add one by writing a
:class:`~modelpick.profiling._base.Profiler` subclass in its own module and one line here.

Example:
    >>> sorted(PROFILERS)
    ['baseline', 'transformer']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from modelpick._isolation import run_in_child
from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.data._sample import DataSplit
from modelpick.exceptions import ModelpickError, ProfilingError, UnknownNameError
from modelpick.profiling._base import Profiler, Reference, at_lengths
from modelpick.profiling._memory import measure_baseline_rss_mb
from modelpick.profiling._pool import CostJob, InterleavedRun, profile_interleaved
from modelpick.profiling._settings import ProfileSettings
from modelpick.profiling._stats import Measurement, measure
from modelpick.profiling.baseline import BaselineProfiler
from modelpick.profiling.transformer import TransformerProfiler
from modelpick.results import ProfileResult

__all__ = [
    "PROFILERS",
    "InterleavedRun",
    "Measurement",
    "ProfileSettings",
    "Profiler",
    "Reference",
    "at_lengths",
    "baseline_rss_mb",
    "get_profiler",
    "measure",
    "profile_candidate",
    "profile_in_child",
    "profile_together",
    "sample_lengths_in_child",
]

PROFILERS: dict[str, type[Profiler]] = {
    "transformer": TransformerProfiler,
    "baseline": BaselineProfiler,
}

_BASELINE_TIMEOUT_S = 300.0
_baseline_cache: dict[tuple[str, str, tuple[str, ...]], float | None] = {}


def get_profiler(kind: str) -> Profiler:
    """A new profiler for candidates of ``kind``.

    Example:
        >>> type(get_profiler("baseline")).__name__
        'BaselineProfiler'
    """
    return _profiler_class(kind)()


def _profiler_class(kind: str) -> type[Profiler]:
    try:
        return PROFILERS[kind]
    except KeyError:
        raise UnknownNameError(
            f"No profiler for candidate kind {kind!r}. Known kinds: {', '.join(sorted(PROFILERS))}."
        ) from None


def profile_candidate(
    candidate: Candidate,
    weights: WeightsResolution | None,
    split: DataSplit,
    settings: ProfileSettings,
    *,
    baseline_rss_mb: float | None = None,
) -> ProfileResult:
    """Measure ``candidate`` in this process: what :func:`profile_in_child` does in a child.

    Call it directly only in a process of its own (it sets torch's thread count for the process).
    ``peak_rss_mb`` is the peak over ``baseline_rss_mb``, or ``None`` when no baseline is given.

    Raises:
        ProfilingError: the measurement failed (third-party errors are wrapped, with a one-line
            reason) or failed the sanity gate.
        CandidateError: the model could not be loaded (modelpick's own errors pass unchanged).
        UnknownNameError: no profiler for the candidate's kind.
    """
    return get_profiler(candidate.kind).profile(candidate, weights, split, settings,
                                                baseline_rss_mb=baseline_rss_mb)


def baseline_rss_mb(kind: str, settings: ProfileSettings, *, modules: Sequence[str] | None = None) -> float | None:
    """Peak RSS (MiB) of a fresh child that only imported what the ``kind`` profiler imports.

    ``modules``: what to import, when a candidate needs more than the profiler's ``baseline_imports``
    (:meth:`Profiler.baseline_modules`: an ONNX row imports ONNX Runtime and the exporter too).
    Measured once per kind, device and modules in a process, then cached. ``None`` where the OS does not
    report peak RSS.

    Raises:
        ProfilingError: the baseline child failed.
    """
    profiler = _profiler_class(kind)
    imports = tuple(profiler.baseline_imports if modules is None else modules)
    init_cuda = settings.device == "cuda" and kind == "transformer"
    key = (kind, "cuda" if init_cuda else "cpu", imports)
    if key not in _baseline_cache:
        _baseline_cache[key] = measure_baseline_rss_mb(
            imports, attributes=profiler.baseline_attributes, init_cuda=init_cuda,
            timeout_s=_BASELINE_TIMEOUT_S,
        )
    return _baseline_cache[key]


def profile_together(
    candidates: Sequence[tuple[Candidate, WeightsResolution | None]],
    split: DataSplit,
    settings: ProfileSettings,
    *,
    timeout_s: float,
    references: Mapping[str, Reference] | None = None,
    peak_gflops: float | None = None,
    deadline: float | None = None,
    on_start: Callable[[str], None] | None = None,
) -> InterleavedRun:
    """Measure ``candidates`` in fresh spawned children kept alive, their timing rounds interleaved.

    See :func:`~modelpick.profiling._pool.profile_interleaved`; the baseline memory children run first
    (once per kind, cached), so each ``peak_rss_mb`` is the candidate's own memory. ``timeout_s`` limits
    each step of a child (loading, one round, the final figures).

    A baseline memory child that fails makes every candidate of its kind fail with its reason.
    """
    jobs = []
    failed: dict[str, ModelpickError] = {}
    for candidate, weights in candidates:
        try:
            # The profiler is built here and sent along: a spawned child starts with only the built-in
            # registry, and a profiler registered at run time (a plug-in) must measure its candidates too.
            profiler = _profiler_class(candidate.kind)()
            baseline = baseline_rss_mb(candidate.kind, settings, modules=profiler.baseline_modules(candidate))
        except ModelpickError as exc:
            failed[candidate.name] = exc
            continue
        jobs.append(CostJob(candidate, profiler, weights, baseline, timeout_s))
    run = profile_interleaved(jobs, split, settings, references=references, peak_gflops=peak_gflops,
                              deadline=deadline, on_start=on_start)
    results = {c.name: failed[c.name] if c.name in failed else run.results[c.name] for c, _ in candidates
               if c.name in failed or c.name in run.results}
    return InterleavedRun(results, run.references, run.rounds, run.lengths, run.replaced)


def profile_in_child(
    candidate: Candidate,
    weights: WeightsResolution | None,
    split: DataSplit,
    settings: ProfileSettings,
    *,
    timeout_s: float,
) -> ProfileResult:
    """Measure ``candidate`` alone in a fresh spawned child (:func:`profile_together` with one candidate).

    Raises:
        ProfilingError: the child raised (its one-line reason) or crashed (e.g. "the child process was
            killed by SIGKILL (out of memory?)"). The child's traceback is on the error's ``details``.
        CandidateTimeout: a step of the child ran past ``timeout_s`` ("timed out after N s").
    """
    outcome = profile_together([(candidate, weights)], split, settings, timeout_s=timeout_s).results[candidate.name]
    if isinstance(outcome, ModelpickError):
        raise outcome
    return outcome


def _lengths_of(candidates: Sequence[tuple[Candidate, WeightsResolution | None]], split: DataSplit,
                settings: ProfileSettings) -> dict[str, tuple[tuple[int, ...], str, int]]:
    from modelpick.profiling._base import draw_sample_texts

    texts = draw_sample_texts(split, settings)
    found = {}
    for candidate, weights in candidates:
        profiler = TransformerProfiler()
        try:
            loaded = profiler.load(candidate, weights, split, settings)
            found[candidate.name] = (*profiler.sample_lengths(loaded, texts), loaded.max_length)
        finally:
            profiler.close()
    return found


def sample_lengths_in_child(
    candidates: Sequence[tuple[Candidate, WeightsResolution | None]], split: DataSplit, settings: ProfileSettings,
    *, timeout_s: float,
) -> dict[str, tuple[tuple[int, ...], str, int]]:
    """The token lengths of the sample's texts for each transformer candidate, how they were counted, and
    the longest input the model takes.

    What a saved or cached latency curve is read at. One spawned child loads each model in turn (its
    tokenizer and position limit decide the lengths); nothing is timed.

    Raises:
        ProfilingError: a model could not be loaded, or the child failed.
    """
    if not candidates:
        return {}
    found: dict[str, tuple[tuple[int, ...], str, int]] = run_in_child(
        _lengths_of, tuple(candidates), split, settings, timeout_s=timeout_s, error=ProfilingError,
        context="Counting the sample's token lengths failed",
    )
    return found
