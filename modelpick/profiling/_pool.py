"""Interleaved profiling: one child per candidate, kept alive, their timing rounds taken in turns.

Measured one after another, two candidates are timed minutes apart, and on a shared machine the clock
drifts by more than the gap between close candidates. Here every candidate's child loads its model and
warms up first; then rounds go in turns (A, B, C, A, B, C, ...), one child working at a time, each round
preceded by the drift sentinel. Every candidate's timings thus span the same stretch of time, and the
run is brought to the machine's reference speed by the run's sentinel: the mean of the faster half of
its candidates' median sentinels (``_drift.py``). A
child leaves the rotation once its timings are stable or its time cap is spent; then each reports its
other figures and exits.

Only one child works at any moment, so memory is measured per child as before; all of them are alive at
once, so the machine needs memory for every candidate together (a few GB for the default catalog).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from modelpick._isolation import ChildWorker
from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.data._sample import DataSplit
from modelpick.exceptions import ModelpickError, ProfilingError
from modelpick.hardware import usable_cpus
from modelpick.profiling._base import (
    MeasuredCost,
    Profiler,
    ProfilingSession,
    Reference,
    TimingRound,
    assemble,
    candidate_sentinel_s,
    stop_reason,
)
from modelpick.profiling._drift import run_sentinel_s
from modelpick.profiling._settings import ProfileSettings
from modelpick.results import ProfileResult

__all__ = ["CostJob", "InterleavedRun", "profile_interleaved", "replacement_reason"]

_FINISH_REASON = "not measured: the time budget was spent before its timings were complete"


@dataclass(frozen=True)
class CostJob:
    """One candidate to profile: its profiler, weights, memory baseline and time limit per step."""

    candidate: Candidate
    profiler: Profiler
    weights: WeightsResolution | None
    baseline_rss_mb: float | None
    timeout_s: float


@dataclass(frozen=True)
class InterleavedRun:
    """What :func:`profile_interleaved` measured: a result or an error per candidate, and the references."""

    results: dict[str, ProfileResult | ModelpickError]
    references: dict[str, Reference]  # sentinel name -> the reference used (given, or measured now)
    rounds: dict[str, tuple[TimingRound, ...]]  # candidate -> its rounds, in the order they ran
    lengths: dict[str, tuple[tuple[int, ...], str]]  # candidate -> its sample's token lengths, how counted
    replaced: tuple[Reference, ...] = ()  # given references this run found too slow and replaced


# Children that load their model at the same time. Loading (imports, reading or initialising weights,
# exporting) times nothing, so it may overlap, but never a timed round (see profile_interleaved). One per usable CPU
# (at most four, to bound the memory of overlapping exports): on 2 CPUs the quickstart's cost step (four
# transformer rows, two baselines) took 49 s instead of 62 s.
STARTING_AT_ONCE = max(1, min(4, usable_cpus()))


# A candidate's process is kept alive, model loaded, while the others take their turns, so the candidates
# being timed together must fit in memory: another one is started only while the available memory is at
# least this many times the largest footprint of those already loaded (one more of it, and the transient
# of loading it). Without it, the default catalog's 30 transformer rows (eager, int8, onnx) held 27 GB on a
# 24 GB machine (their rows were noisy with or without it: that is the length of the rotation, not memory).
MEMORY_HEADROOM = 2.5


def _room_for_another(loaded: Sequence[ChildWorker]) -> bool:
    """Whether the machine has memory for one more candidate beside ``loaded``."""
    import psutil

    largest = 0
    for worker in loaded:
        try:
            largest = max(largest, psutil.Process(worker.pid).memory_info().rss)
        except (psutil.Error, TypeError, ValueError):  # it ended meanwhile: it holds nothing
            continue
    return psutil.virtual_memory().available >= MEMORY_HEADROOM * largest


def profile_interleaved(
    jobs: Sequence[CostJob],
    split: DataSplit,
    settings: ProfileSettings,
    *,
    references: Mapping[str, Reference] | None = None,
    peak_gflops: float | None = None,
    deadline: float | None = None,
    on_start: Callable[[str], None] | None = None,
) -> InterleavedRun:
    """Profile ``jobs`` in children kept alive, their timing rounds interleaved.

    Args:
        references: The machine's reference speed per sentinel (from the measurement cache). A sentinel
            without one gets this run's sentinel as its reference, returned for the caller to keep.
        peak_gflops: The machine's matmul peak when known (cached); else each child measures it.
        deadline: ``time.time()`` after which no round starts; a candidate cut short before
            ``min_rounds`` is reported as an error.
        on_start: Called with a candidate's name as its child starts loading.

    Candidates join the rotation while the memory allows (:data:`MEMORY_HEADROOM`), a few loading at once
    (:data:`STARTING_AT_ONCE`) and never while a round is timed; one whose rounds are done is finished and
    its child ended at once, which makes room for the next. A child that fails (raises, crashes, hangs past
    ``timeout_s`` in one step) becomes that candidate's error and the others go on. Ctrl-C ends every
    child at once.
    """
    workers: dict[str, ChildWorker] = {}
    results: dict[str, ProfileResult | ModelpickError] = {}
    rounds: dict[str, list[TimingRound]] = {}
    costs: dict[str, MeasuredCost] = {}
    limits = {job.candidate.name: job.timeout_s for job in jobs}
    pending = list(jobs)
    active: list[str] = []

    def admit() -> None:
        """Start the next candidates while the memory allows (always one when none is being timed), a few at
        a time, and wait until each is ready: loading never overlaps a timed round."""
        while pending and (not active or _room_for_another([workers[name] for name in active])):
            starting: list[str] = []
            while pending and len(starting) < STARTING_AT_ONCE:
                job = pending.pop(0)
                name = job.candidate.name
                if deadline is not None and time.time() >= deadline:
                    results[name] = ProfilingError(_FINISH_REASON)
                    continue
                if on_start is not None:
                    on_start(name)
                rounds[name] = []
                try:
                    workers[name] = ChildWorker(
                        ProfilingSession, job.profiler, job.candidate, job.weights, split, settings,
                        baseline_rss_mb=job.baseline_rss_mb, timeout_s=None, error=ProfilingError,
                    )
                except ModelpickError as exc:
                    results[name] = exc
                    continue
                starting.append(name)
            for name in starting:
                try:
                    workers[name].wait_ready(limits[name])
                except ModelpickError as exc:
                    results[name] = exc
                else:
                    active.append(name)

    def complete(name: str) -> None:
        """The candidate's last step (throughput, memory, checks) once its rounds are done; its child then ends,
        which frees its memory for the next candidates."""
        active.remove(name)
        worker = workers[name]
        if len(rounds[name]) < settings.min_rounds:
            results[name] = ProfilingError(_FINISH_REASON)
        else:
            try:
                costs[name] = worker.call("finish", tuple(rounds[name]), peak_gflops=peak_gflops,
                                          timeout_s=limits[name])
            except ModelpickError as exc:
                results[name] = exc
        worker.close()

    try:
        admit()
        while active:
            for name in list(active):
                if deadline is not None and time.time() >= deadline:
                    complete(name)
                    continue
                try:
                    rounds[name].append(workers[name].call("timed_round", timeout_s=limits[name]))
                except ModelpickError as exc:
                    results[name] = exc  # the worker closed itself
                    active.remove(name)
                    continue
                if stop_reason(rounds[name], settings) is not None:
                    complete(name)
            admit()  # candidates that completed freed their memory
    except BaseException:
        for worker in workers.values():
            worker.close(graceful=False)
        raise
    pooled = _sentinels_by_name(costs, rounds)
    used, replaced = _references(pooled, references or {})
    for name, cost in costs.items():
        try:
            results[name] = assemble(cost, rounds[name], reference=used[cost.sentinel], settings=settings,
                                     run_sentinels_s=pooled[cost.sentinel])
        except (ArithmeticError, ValueError) as exc:  # e.g. a timing of zero: the measurement is unusable
            results[name] = ProfilingError(f"Profiling {name} failed: {type(exc).__name__}: {exc}")
    ordered = {job.candidate.name: results[job.candidate.name] for job in jobs if job.candidate.name in results}
    counted = {name: (cost.sample_lengths, cost.lengths_source) for name, cost in costs.items() if cost.curve}
    return InterleavedRun(ordered, used, {name: tuple(r) for name, r in rounds.items()}, counted, replaced)


def _sentinels_by_name(costs: Mapping[str, MeasuredCost],
                       rounds: Mapping[str, Sequence[TimingRound]]) -> dict[str, list[float]]:
    """Each candidate's sentinel of the run (:func:`candidate_sentinel_s`), per sentinel (the candidates
    that time the same one)."""
    seen: dict[str, list[float]] = {}
    for name, cost in costs.items():
        if rounds[name]:
            seen.setdefault(cost.sentinel, []).append(candidate_sentinel_s(rounds[name]))
    return seen


# A given reference is replaced when this run's sentinel is this much faster: it was measured in a slow spell
# (the machine busy with other work), and every figure brought to it would look slower than the machine is.
REFERENCE_REFRESH = 0.75
# A reference taken over fewer candidates' processes than this is provisional: a run over more replaces it.
# One process's sentinel can read 20-25% slow for its whole life (see ``_drift.py``): a reference taken by a
# one-candidate run in such a process scaled every later 6-candidate run's figures up by 21%.
SETTLED_PROCESSES = 4


def _references(pooled: Mapping[str, Sequence[float]],
                given: Mapping[str, Reference]) -> tuple[dict[str, Reference], tuple[Reference, ...]]:
    """The reference of every sentinel used, and the given ones replaced.

    ``pooled``: per sentinel, each candidate's sentinel of this run (:func:`_sentinels_by_name`). A sentinel
    without a given reference gets this run's (:func:`~modelpick.profiling._drift.run_sentinel_s`). A given
    one is kept unless :func:`replacement_reason` finds one.
    """
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    used, replaced = {}, []
    for sentinel, times in pooled.items():
        this_run = Reference(sentinel, run_sentinel_s(times), now, processes=len(times))
        previous = given.get(sentinel)
        if previous is not None and replacement_reason(previous, this_run) is None:
            used[sentinel] = previous
            continue
        if previous is not None:
            replaced.append(previous)
        used[sentinel] = this_run
    return {**given, **used}, tuple(replaced)


def replacement_reason(kept: Reference, this_run: Reference) -> str | None:
    """Why ``this_run``'s reference replaces the ``kept`` one, or None when it does not.

    It does when it is below ``REFERENCE_REFRESH`` times the kept one (the reference then only ever moves
    towards the machine's unhurried speed, so figures stay comparable across runs), or when the kept one was
    taken over fewer than ``SETTLED_PROCESSES`` processes and this run has more.

    Example:
        >>> kept = Reference("s", 0.002, "2026-01-01", processes=6)
        >>> replacement_reason(kept, Reference("s", 0.001, "2026-02-01", processes=1))
        'the machine was busier then'
        >>> replacement_reason(kept, Reference("s", 0.0019, "2026-02-01", processes=6)) is None
        True
    """
    if this_run.seconds < REFERENCE_REFRESH * kept.seconds:
        return "the machine was busier then"
    if kept.processes < min(this_run.processes, SETTLED_PROCESSES):
        return f"this run timed it in {this_run.processes} candidates' processes, the reference in {kept.processes}"
    return None
