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

from modelpick._isolation import run_in_child
from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.data._sample import DataSplit
from modelpick.exceptions import ProfilingError, UnknownNameError
from modelpick.profiling._base import Profiler
from modelpick.profiling._memory import measure_baseline_rss_mb
from modelpick.profiling._settings import ProfileSettings
from modelpick.profiling._stats import Measurement, measure
from modelpick.profiling.baseline import BaselineProfiler
from modelpick.profiling.transformer import TransformerProfiler
from modelpick.results import ProfileResult

__all__ = [
    "PROFILERS",
    "Measurement",
    "ProfileSettings",
    "Profiler",
    "baseline_rss_mb",
    "get_profiler",
    "measure",
    "profile_candidate",
    "profile_in_child",
]

PROFILERS: dict[str, type[Profiler]] = {
    "transformer": TransformerProfiler,
    "baseline": BaselineProfiler,
}

_BASELINE_TIMEOUT_S = 300.0
_baseline_cache: dict[tuple[str, str], float | None] = {}


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


def baseline_rss_mb(kind: str, settings: ProfileSettings) -> float | None:
    """Peak RSS (MiB) of a fresh child that only imported what the ``kind`` profiler imports.

    Measured once per kind and device in a process, then cached. ``None`` where the OS does not
    report peak RSS.

    Raises:
        ProfilingError: the baseline child failed.
    """
    profiler = _profiler_class(kind)
    init_cuda = settings.device == "cuda" and kind == "transformer"
    key = (kind, "cuda" if init_cuda else "cpu")
    if key not in _baseline_cache:
        _baseline_cache[key] = measure_baseline_rss_mb(
            profiler.baseline_imports, attributes=profiler.baseline_attributes, init_cuda=init_cuda,
            timeout_s=_BASELINE_TIMEOUT_S,
        )
    return _baseline_cache[key]


def profile_in_child(
    candidate: Candidate,
    weights: WeightsResolution | None,
    split: DataSplit,
    settings: ProfileSettings,
    *,
    timeout_s: float,
) -> ProfileResult:
    """Measure ``candidate`` in a fresh spawned child, killed after ``timeout_s`` seconds.

    The baseline memory child runs first (once per kind, cached), so ``peak_rss_mb`` is the
    candidate's own memory.

    Raises:
        ProfilingError: the child raised (its one-line reason) or crashed (e.g. "the child process was
            killed by SIGKILL (out of memory?)"). The child's traceback is on the error's ``details``.
        CandidateTimeout: the child ran past ``timeout_s`` ("timed out after N s").
    """
    baseline = baseline_rss_mb(candidate.kind, settings)
    # The profiler is looked up here and sent along (a bound method pickles with its instance): a spawned
    # child starts with only the built-in registry, and a profiler registered at run time (a plug-in) must
    # measure its candidates there too.
    result: ProfileResult = run_in_child(
        _profiler_class(candidate.kind)().profile, candidate, weights, split, settings,
        baseline_rss_mb=baseline, timeout_s=timeout_s, error=ProfilingError,
    )
    return result

