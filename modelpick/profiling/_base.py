"""The contract every profiler fulfils, and the measuring sequence they all share.

A profiler measures one *kind* of candidate (registry ``PROFILERS`` in ``modelpick/profiling/__init__.py``).
It implements the hooks; :meth:`Profiler.profile` calls them in a fixed order and turns the timings
into a :class:`~modelpick.results.ProfileResult`, so the rules of DESIGN.md §3 (warm-up never
counted, adaptive repeats, percentiles, memory over a baseline) live in one place.
"""

from __future__ import annotations

import dataclasses
import math
import random
import statistics
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from modelpick._errors import reraised_as
from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.data._sample import DataSplit
from modelpick.exceptions import ProfilingError
from modelpick.profiling._curve import batch_widths, interpolate, mixture_stats, p50_interval
from modelpick.profiling._drift import (
    DRIFT_DEADBAND,
    ROUND_DEADBAND,
    Sentinel,
    bracketed_sentinels,
    correction_factor,
    round_corrections,
    round_factors,
    run_sentinel_s,
)
from modelpick.profiling._memory import peak_rss_mb
from modelpick.profiling._settings import ProfileSettings
from modelpick.profiling._stats import measure, noise_of, summarize_timings
from modelpick.profiling._timers import Timer, perf_counter_timer
from modelpick.results import CurvePoint, DriftCorrection, LatencyCurve, LatencyStats, LengthsSummary, ProfileResult

__all__ = ["Checks", "MeasuredCost", "PreparedInputs", "Profiler", "ProfilingSession", "Reference", "TimingRound",
           "assemble", "at_lengths", "corrected_timings_ms", "cyclic_batches", "draw_sample_texts", "draw_texts",
           "held_out_error", "median_length_indices", "read_curve", "stop_reason", "summarize_lengths"]


@dataclass(frozen=True)
class PreparedInputs:
    """Everything a profiler calls on, built once before any timing.

    ``single[i]`` is one latency call's input (``ProfileSettings.latency_batch_size`` texts) of ``lengths[i]``
    tokens, padded; ``batches`` are the throughput batches, each of ``batch_size`` examples. Two shapes of
    measurement:

    * a *curve* (``curve=True``, transformers): ``single`` are inputs of exactly the grid and held-out
      lengths (``held_out`` holds the indices of the latter), and the latency is read from them at
      ``sample_lengths``, the lengths of the sample's texts;
    * the texts themselves (``curve=False``, baselines): ``single[i]`` is ``texts[i]``, and the latency
      is over those calls.
    """

    texts: tuple[str, ...]
    single: tuple[Any, ...]
    lengths: tuple[int, ...]
    lengths_source: str
    batches: tuple[Any, ...]
    batch_size: int
    curve: bool = False
    held_out: frozenset[int] = frozenset()
    sample_lengths: tuple[int, ...] = ()


@dataclass(frozen=True)
class Checks:
    """What :meth:`Profiler.check` adds once latency is measured."""

    gflops_per_s: tuple[float | None, ...] = ()  # per element of PreparedInputs.single
    machine_peak_gflops: float | None = None
    peak_gpu_mb: float | None = None
    notes: tuple[str, ...] = ()  # what the result must say about these figures (ProfileResult.notes)


@dataclass(frozen=True)
class TimingRound:
    """One round: the sentinel, timed just before and just after, and one timed call per input (seconds)."""

    sentinel_s: float
    timings_s: tuple[float, ...]
    wall_s: float  # the round's wall time, sentinels included
    started_at: float = 0.0  # time.time() when the round began: shows the order rounds of candidates ran in
    sentinel_after_s: float | None = None  # None: a round timed before measurement procedure 8

    @property
    def speed_sentinel_s(self) -> float:
        """The sentinel for the machine's speed during this round (see :func:`bracketed_sentinels`)."""
        return bracketed_sentinels([self.sentinel_s], [self.sentinel_after_s] if self.sentinel_after_s else [])[0]


@dataclass(frozen=True)
class MeasuredCost:
    """What a profiling child reports once its rounds are done: everything but the latency figures,
    which the parent computes from the rounds (it alone knows the drift reference)."""

    candidate: str
    device: str
    num_threads: int
    inputs_lengths: tuple[int, ...]
    curve: bool
    held_out: frozenset[int]
    sample_lengths: tuple[int, ...]
    lengths_source: str
    sentinel: str
    tokenize: LatencyStats | None
    throughput_batch_size: int
    throughput_per_s: float
    peak_rss_mb: float | None
    peak_gpu_mb: float | None
    parameters: int
    weights_on_disk_mb: float | None
    gflops_per_s: tuple[float | None, ...]
    machine_peak_gflops: float | None
    timer: str
    library_versions: dict[str, str]
    measured_at: str
    variant: str | None = None
    runtime: dict[str, str] = dataclasses.field(default_factory=dict)
    notes: tuple[str, ...] = ()
    latency_batch_size: int = 1


def draw_texts(split: DataSplit, settings: ProfileSettings) -> tuple[str, ...]:
    """Up to ``settings.max_input_lengths`` of the sample's texts, drawn with ``settings.random_state``.

    Example:
        >>> split = DataSplit(("a b", "c"), ("x", "y"), ("d e f",), ("x",), 0)
        >>> draw_texts(split, ProfileSettings(max_input_lengths=2, random_state=1))
        ('a b', 'd e f')
    """
    texts = split.all_texts
    if not texts:
        raise ProfilingError(
            "The sample has no texts to draw input lengths from; give a sample with at least one text."
        )
    k = min(settings.max_input_lengths, len(texts))
    return tuple(random.Random(settings.random_state).sample(texts, k))


def draw_sample_texts(split: DataSplit, settings: ProfileSettings) -> tuple[str, ...]:
    """The texts whose lengths a curve is read at: the whole sample, or a seeded draw of
    ``settings.max_sample_lengths`` of it."""
    texts = split.all_texts
    if len(texts) <= settings.max_sample_lengths:
        return tuple(texts)
    return tuple(random.Random(settings.random_state + 1).sample(texts, settings.max_sample_lengths))


def summarize_lengths(lengths: Sequence[int], source: str, *, measured: Sequence[int] = ()) -> LengthsSummary:
    """The token lengths a profile's latency refers to (p50, p90 by linear interpolation, max).

    ``measured``: the lengths a curve was measured at; the summary then says how many of ``lengths``
    fall outside them.

    Example:
        >>> s = summarize_lengths([10, 20, 300], "tokenizer", measured=(8, 16, 32))
        >>> (s.p50, s.max, s.measured_max, s.outside_range)
        (20.0, 300, 32, 1)
    """
    from modelpick._numeric import percentile

    values = [float(v) for v in lengths]
    low, high = (min(measured), max(measured)) if measured else (None, None)
    outside = 0 if low is None or high is None else sum(1 for v in lengths if v < low or v > high)
    return LengthsSummary(source=source, n=len(values), p50=percentile(values, 50), p90=percentile(values, 90),
                          max=int(max(lengths)), measured_min=low, measured_max=high, outside_range=outside)


class Profiler(ABC):
    """Measures the cost of one kind of candidate, inside the (fresh, spawned) profiling child.

    A :class:`ProfilingSession` calls the hooks in this order, each exactly once unless said otherwise:

    1. :meth:`configure` -- first thing, before any heavy library does work: thread counts (torch's
       intra-op threads, BLAS pools) and anything else that must be fixed for the whole process.
       Returns the number of threads actually in use, which the result records.
    2. :meth:`load` -- build, load or fit the model (never timed). Returns a profiler-specific
       "loaded" object passed to every later hook.
    3. :meth:`prepare_inputs` -- turn the drawn texts into ready-to-call batch-1 inputs (the sample's
       texts, or inputs at a grid of lengths for a latency curve) and throughput batches, so the timed
       calls do nothing but the model's work.
    4. :meth:`sentinel` -- the fixed work timed before every round, to see the machine's drift.
    5. :meth:`run_once` -- one batch-1 call; called many times, in rounds (one call per input): first
       an untimed warm-up round, then timed rounds, alternating with other candidates' rounds when the
       caller interleaves them. Must return only once the result exists.
    6. :meth:`tokenize_once` -- one text through the tokenizer; called many times like ``run_once``,
       only when :meth:`has_tokenizer` is true, and timed apart from the forward pass.
    7. :meth:`run_batch` -- one throughput batch; called many times like ``run_once``.
    8. :meth:`check` -- after the latency is measured: sanity gate, FLOP rate, GPU memory. Raise
       :class:`~modelpick.exceptions.ProfilingError` for a result that cannot be right.

    Then :meth:`parameters`, :meth:`weights_on_disk_mb`, :meth:`library_versions`, :meth:`variant_name`,
    :meth:`runtime` and :meth:`threads_in_use` describe the model, and :meth:`close` runs last, whether or
    not profiling succeeded. Steps 3-8 run under :meth:`inference_context`.

    :meth:`baseline_modules` is asked in the parent, before any child starts: what the baseline-memory
    child imports for this candidate.

    Attributes:
        kind: The candidate kind this profiler measures (``Candidate.kind``).
        baseline_imports: Modules a baseline-memory child imports to match this profiler's imports.
        baseline_attributes: ``(module, attribute)`` pairs that child touches (lazy entry points).
    """

    kind: ClassVar[str]
    baseline_imports: ClassVar[tuple[str, ...]] = ()
    baseline_attributes: ClassVar[tuple[tuple[str, str], ...]] = ()

    # -- hooks -------------------------------------------------------------------------------------
    @abstractmethod
    def configure(self, settings: ProfileSettings) -> int:
        """Fix threads (and the like) for this process; return the thread count in use."""

    @abstractmethod
    def load(self, candidate: Candidate, weights: WeightsResolution | None, split: DataSplit,
             settings: ProfileSettings) -> Any:
        """Build, load or fit the model; return what the later hooks need."""

    @abstractmethod
    def prepare_inputs(self, loaded: Any, texts: Sequence[str], settings: ProfileSettings,
                       sample_texts: Sequence[str] = ()) -> PreparedInputs:
        """Batch-1 inputs and throughput batches.

        ``texts``: a few of the sample's texts (timed as they are, and for tokenization);
        ``sample_texts``: the texts whose lengths a latency curve is read at.
        """

    def sentinel(self, settings: ProfileSettings) -> Sentinel:
        """The work timed before each round (see ``_drift.py``); a numpy matrix product by default."""
        from modelpick.profiling._drift import numpy_sentinel

        return numpy_sentinel()

    @abstractmethod
    def run_once(self, loaded: Any, single_input: Any) -> Any:
        """One batch-1 call on ``single_input`` (an element of ``PreparedInputs.single``)."""

    @abstractmethod
    def run_batch(self, loaded: Any, batch: Any) -> Any:
        """One call on ``batch`` (an element of ``PreparedInputs.batches``)."""

    def has_tokenizer(self, loaded: Any) -> bool:
        """Whether :meth:`tokenize_once` can run (tokenization is separate from the model call)."""
        return False

    def tokenize_once(self, loaded: Any, text: str) -> Any:
        """Tokenize one text exactly as :meth:`prepare_inputs` did for the batch-1 inputs."""
        raise NotImplementedError

    def check(self, loaded: Any, inputs: PreparedInputs, medians_s: Sequence[float], settings: ProfileSettings,
              *, peak_gflops: float | None = None) -> Checks:
        """Sanity checks and extra figures once the median time of each input is known.

        ``peak_gflops``: the machine's matmul peak when already known (measured once, cached).
        Nothing by default.
        """
        return Checks()

    @abstractmethod
    def parameters(self, loaded: Any) -> int:
        """Number of learned parameters."""

    def weights_on_disk_mb(self, loaded: Any) -> float | None:
        """Size of the model as stored, in MiB; ``None`` when it never was on disk."""
        return None

    def library_versions(self) -> dict[str, str]:
        """Versions of the libraries that did the work, for the result."""
        return {}

    def baseline_modules(self, candidate: Candidate) -> tuple[str, ...]:
        """Modules a baseline-memory child imports to match what profiling ``candidate`` imports
        (:attr:`baseline_imports` by default; a transformer's variant may add its runtime)."""
        return self.baseline_imports

    def variant_name(self, loaded: Any) -> str | None:
        """The deployment variant timed (``"int8"``), or ``None`` for kinds without variants."""
        return None

    def runtime(self, loaded: Any) -> dict[str, str]:
        """What the runtime that did the work reports about itself (ProfileResult.runtime)."""
        return {}

    def threads_in_use(self, loaded: Any, configured: int) -> int:
        """The threads the timed calls ran on: what :meth:`configure` returned, unless the runtime keeps
        a pool of its own (ONNX Runtime's intra-op threads)."""
        return configured

    def close(self) -> None:  # noqa: B027 - optional hook: most profilers change nothing process-wide
        """Undo what :meth:`configure` changed process-wide, for callers that profile in their own
        process (a profiling child exits anyway)."""

    def timer(self, settings: ProfileSettings) -> Timer:
        """The clock for model calls (perf_counter; CUDA events on a GPU)."""
        return perf_counter_timer

    def timer_name(self, settings: ProfileSettings) -> str:
        return "perf_counter"

    def device_name(self, settings: ProfileSettings) -> str:
        return "cpu"

    def inference_context(self) -> Any:
        """A context manager around the calls (``torch.inference_mode`` for torch models)."""
        import contextlib

        return contextlib.nullcontext()

    # -- the sequence ------------------------------------------------------------------------------
    def profile(
        self,
        candidate: Candidate,
        weights: WeightsResolution | None,
        split: DataSplit,
        settings: ProfileSettings,
        *,
        baseline_rss_mb: float | None = None,
    ) -> ProfileResult:
        """Measure ``candidate`` in this process, alone: a session's rounds until stable, then the result.

        The drift reference is this measurement's own median sentinel (see :func:`assemble`).
        ``peak_rss_mb`` is this process's peak RSS minus ``baseline_rss_mb``; it is ``None`` when no
        baseline is given, since the peak of a process that did other work first means nothing.

        Raises:
            ProfilingError: any failure, with a one-line reason (errors of modelpick pass unchanged).
        """
        session = ProfilingSession(self, candidate, weights, split, settings, baseline_rss_mb=baseline_rss_mb)
        try:
            rounds: list[TimingRound] = []
            while stop_reason(rounds, settings) is None:
                rounds.append(session.timed_round())
            cost = session.finish(rounds)
        finally:
            session.close()
        return assemble(cost, rounds, reference=None, settings=settings)


# A pause before each round's sentinel. The candidate timed just before runs in another process whose
# OpenMP threads spin on both cores for a few milliseconds after its last call; timed in that time, a
# sentinel read 1.29-1.49 ms across six processes, and 1.28-1.31 ms once each waited 5 ms (on this
# project's 2-core VM). Ten milliseconds per round is a few tenths of a second per run.
ROUND_SETTLE_S = 0.01


class ProfilingSession:
    """One candidate's measurement, held open between rounds (in a profiling child, or in-process).

    Construction runs the hooks up to the warm-up round; :meth:`timed_round` is called as many times as
    the caller decides (see :func:`stop_reason`), and :meth:`finish` once. :meth:`close` always.

    Raises:
        ProfilingError: from any step, with a one-line reason (errors of modelpick pass unchanged).
    """

    def __init__(self, profiler: Profiler, candidate: Candidate, weights: WeightsResolution | None,
                 split: DataSplit, settings: ProfileSettings, *, baseline_rss_mb: float | None = None) -> None:
        self._profiler, self._candidate, self._settings = profiler, candidate, settings
        self._baseline_rss_mb = baseline_rss_mb
        self._context: Any = None
        self._failure = f"Profiling {candidate.name} failed"
        try:
            with reraised_as(ProfilingError, self._failure):
                self._threads = profiler.configure(settings)
                self._loaded = profiler.load(candidate, weights, split, settings)
                self._timer = profiler.timer(settings)
                self._context = profiler.inference_context()
                self._context.__enter__()
                self.inputs = profiler.prepare_inputs(self._loaded, draw_texts(split, settings), settings,
                                                      draw_sample_texts(split, settings))
                self._sentinel = profiler.sentinel(settings)
                for single in self.inputs.single:  # warm-up: first calls pay for lazy set-up per shape
                    profiler.run_once(self._loaded, single)
        except BaseException:
            self.close()
            raise

    def timed_round(self) -> TimingRound:
        """A settling pause, the sentinel, one timed call per input, and the sentinel again (Python's GC
        paused, as ``timeit`` does)."""
        import gc
        import time

        with reraised_as(ProfilingError, self._failure):
            gc_was_enabled = gc.isenabled()
            gc.disable()
            started_at = time.time()
            start = time.perf_counter()
            try:
                time.sleep(ROUND_SETTLE_S)
                sentinel_s = self._sentinel.time_s(self._timer)
                # One untimed call first: the sentinel and the candidates timed since this one's last round
                # pushed its weights out of the CPU's caches, and the first call of a round paid to bring
                # them back. It was always the shortest length's: 1.3-2x too slow for small or int8 models
                # (TinyBERT-4L int8 at 8 tokens 2.69 ms, at 11 tokens 1.33 ms), which bent their curves.
                self._profiler.run_once(self._loaded, self.inputs.single[0])
                timings = tuple(
                    self._timer(lambda: self._profiler.run_once(self._loaded, single))  # noqa: B023 - called at once
                    for single in self.inputs.single
                )
                sentinel_after_s = self._sentinel.time_s(self._timer)
            finally:
                wall = time.perf_counter() - start
                if gc_was_enabled:
                    gc.enable()
            return TimingRound(sentinel_s, timings, wall, started_at, sentinel_after_s)

    def finish(self, rounds: Sequence[TimingRound], *, peak_gflops: float | None = None) -> MeasuredCost:
        """Tokenization, throughput, memory and the checks; everything the rounds do not give."""
        import datetime

        profiler, loaded, settings, inputs = self._profiler, self._loaded, self._settings, self.inputs
        with reraised_as(ProfilingError, self._failure):
            loop: dict[str, Any] = {"min_rounds": settings.min_rounds, "noise_threshold": settings.noise_threshold,
                                    "max_time_s": settings.max_time_s}
            tokenize = None
            if profiler.has_tokenizer(loaded):
                # Tokenizing runs on the host whatever the device, so it is timed by the host clock.
                tokenize = measure(lambda i: profiler.tokenize_once(loaded, inputs.texts[i]), len(inputs.texts),
                                   warmup=1, **loop).stats
            # Two rounds suffice for a mean rate: each call already averages over a whole batch.
            throughput = measure(lambda i: profiler.run_batch(loaded, inputs.batches[i]), len(inputs.batches),
                                 warmup=1, timer=self._timer, **{**loop, "min_rounds": 2})
            # Read before check(): its matmul probe is the profiler's, not the model's, memory.
            peak = peak_rss_mb()
            medians = [statistics.median(r.timings_s[i] for r in rounds) for i in range(len(inputs.single))]
            checks = profiler.check(loaded, inputs, medians, settings, peak_gflops=peak_gflops)
            rss = None
            if self._baseline_rss_mb is not None and peak is not None:
                # A child can peak below its baseline (allocator and import-order jitter) when the model
                # is tiny; memory cannot be negative, so that reads as 0.
                rss = max(0.0, peak - self._baseline_rss_mb)
            return MeasuredCost(
                candidate=self._candidate.name,
                device=profiler.device_name(settings),
                num_threads=profiler.threads_in_use(loaded, self._threads),
                inputs_lengths=inputs.lengths,
                curve=inputs.curve,
                held_out=inputs.held_out,
                sample_lengths=inputs.sample_lengths or inputs.lengths,
                lengths_source=inputs.lengths_source,
                sentinel=self._sentinel.name,
                tokenize=tokenize,
                throughput_batch_size=inputs.batch_size,
                throughput_per_s=inputs.batch_size * throughput.calls / throughput.total_s,
                peak_rss_mb=rss,
                peak_gpu_mb=checks.peak_gpu_mb,
                parameters=int(profiler.parameters(loaded)),
                weights_on_disk_mb=profiler.weights_on_disk_mb(loaded),
                gflops_per_s=checks.gflops_per_s,
                machine_peak_gflops=checks.machine_peak_gflops,
                timer=profiler.timer_name(settings),
                library_versions=profiler.library_versions(),
                measured_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                variant=profiler.variant_name(loaded),
                runtime=profiler.runtime(loaded),
                notes=checks.notes,
                latency_batch_size=settings.latency_batch_size,
            )

    def close(self) -> None:
        try:
            if self._context is not None:
                self._context.__exit__(None, None, None)
                self._context = None
        finally:
            self._profiler.close()


# How precisely a stable candidate's medians are known before its rounds stop: the half-width of each
# input's median interval (a box-plot notch, 1.57 IQR / sqrt(n)), as a share of the median, taken over
# inputs. Five rounds of calls whose IQR is 5% of their median know it to +-3.5%; on this project's 2-core
# VM that sampling error alone moved a cheap candidate's p50 by 6% between two runs (TinyBERT-4L, whose
# short calls are the noisiest). Rounds of a fast candidate cost milliseconds; the time cap bounds the rest.
MEDIAN_PRECISION = 0.02
NOTCH = 1.57


def stop_reason(rounds: Sequence[TimingRound], settings: ProfileSettings) -> str | None:
    """Why a candidate's timing rounds can stop: ``"stable"``, ``"time cap"``, or ``None`` to go on.

    Stable: at least ``min_rounds``, the noise of the calls (median over inputs of IQR/median) below
    ``noise_threshold`` and the medians known to ``MEDIAN_PRECISION`` (``NOTCH * noise / sqrt(rounds)``).
    Time cap: at least ``min_rounds`` and the rounds' wall time past ``max_time_s``. The noise is that of
    the calls as they will be reported: each round brought to the median round's speed by its sentinels
    (:func:`~modelpick.profiling._drift.round_factors`).
    """
    if len(rounds) < settings.min_rounds:
        return None
    factors = round_factors([r.speed_sentinel_s for r in rounds])
    per_input = [[r.timings_s[i] * f for r, f in zip(rounds, factors, strict=True)]
                 for i in range(len(rounds[0].timings_s))]
    noise = noise_of(per_input)
    if noise < settings.noise_threshold and NOTCH * noise / math.sqrt(len(rounds)) < MEDIAN_PRECISION:
        return "stable"
    if math.fsum(r.wall_s for r in rounds) > settings.max_time_s:
        return "time cap"
    return None


@dataclass(frozen=True)
class Reference:
    """The machine's reference speed for one sentinel: the run's sentinel time (see
    :func:`~modelpick.profiling._drift.run_sentinel_s`), when it was measured, and over how many candidates'
    processes (a reference taken in few processes may carry one process's quirk)."""

    sentinel: str
    seconds: float
    measured_at: str
    processes: int = 1


def _sentinels_after_ms(rounds: Sequence[TimingRound]) -> tuple[float, ...]:
    """The sentinel after each round, in ms; none at all unless every round has one."""
    after = [r.sentinel_after_s for r in rounds]
    return tuple(s * 1e3 for s in after if s) if all(after) else ()


def candidate_sentinel_s(rounds: Sequence[TimingRound]) -> float:
    """One candidate's sentinel for the run: the median of its rounds' sentinels, in seconds.

    The run pools one such value per candidate, so each process counts once however many rounds it took:
    pooled round by round, a fast candidate's 47 rounds outweighed five others' 5 to 24, and its own
    process's quirks set the whole run's factor.
    """
    return statistics.median(r.sentinel_s for r in rounds)


def assemble(cost: MeasuredCost, rounds: Sequence[TimingRound], *, reference: Reference | None,
             settings: ProfileSettings, run_sentinels_s: Sequence[float] = ()) -> ProfileResult:
    """The :class:`ProfileResult` from a child's report and its rounds, at the reference speed.

    The calls are scaled by ``reference / the run's sentinel``: ``run_sentinels_s`` holds one sentinel
    per candidate timed in turns with this one (the median of its rounds' sentinels, see
    :func:`candidate_sentinel_s`), or this candidate's own when not given; the run's sentinel is the mean of their
    faster half (:func:`~modelpick.profiling._drift.run_sentinel_s`). With no reference, the run's sentinel
    is the reference (nothing is scaled). A curve keeps the calls as measured, with each round's sentinel,
    and is read at ``cost.sample_lengths``; other profiles summarize the corrected calls themselves.
    """
    sentinels = list(run_sentinels_s) or [candidate_sentinel_s(rounds)]
    if reference is None:
        reference = Reference(cost.sentinel, run_sentinel_s(sentinels), cost.measured_at)
    n_inputs = len(cost.inputs_lengths)
    raw = [[r.timings_s[i] for r in rounds] for i in range(n_inputs)]
    drift = DriftCorrection(
        sentinel=reference.sentinel, reference_ms=reference.seconds * 1e3,
        reference_measured_at=reference.measured_at,
        sentinel_p50_ms=run_sentinel_s(sentinels) * 1e3, sentinel_min_ms=min(sentinels) * 1e3,
        sentinel_max_ms=max(sentinels) * 1e3, raw_p50_ms=0.0, raw_p90_ms=0.0,
        round_sentinel_ms=tuple(r.sentinel_s * 1e3 for r in rounds),
        round_sentinel_after_ms=_sentinels_after_ms(rounds),
        deadband=DRIFT_DEADBAND, factor=correction_factor(sentinels, reference.seconds), round_deadband=ROUND_DEADBAND,
    )
    curve = interval = None
    if cost.curve:
        curve = _curve_of(cost, raw)
        latency, raw_stats, interval = read_curve(curve, drift, cost.sample_lengths,
                                                  batch_size=cost.latency_batch_size,
                                                  noise_threshold=settings.noise_threshold,
                                                  seed=settings.random_state)
        lengths = summarize_lengths(cost.sample_lengths, cost.lengths_source, measured=curve.grid)
    else:
        factors = round_corrections(drift, len(rounds))
        corrected = [[t * f for t, f in zip(values, factors, strict=True)] for values in raw]
        latency = summarize_timings(corrected, noise_threshold=settings.noise_threshold)
        raw_stats = summarize_timings(raw, noise_threshold=settings.noise_threshold)
        lengths = summarize_lengths(cost.inputs_lengths, cost.lengths_source)
    return ProfileResult(
        candidate=cost.candidate,
        device=cost.device,
        num_threads=cost.num_threads,
        latency=latency,
        throughput_batch_size=cost.throughput_batch_size,
        throughput_per_s=cost.throughput_per_s,
        tokenize=cost.tokenize,
        peak_rss_mb=cost.peak_rss_mb,
        peak_gpu_mb=cost.peak_gpu_mb,
        parameters=cost.parameters,
        weights_on_disk_mb=cost.weights_on_disk_mb,
        lengths=lengths,
        batch_size=cost.latency_batch_size,
        gflops_per_s=_typical_gflops(cost),
        machine_peak_gflops=cost.machine_peak_gflops,
        timer=cost.timer,
        provenance="measured",
        library_versions=cost.library_versions,
        curve=curve,
        p50_interval_ms=interval,
        drift=dataclasses.replace(drift, raw_p50_ms=raw_stats.p50_ms, raw_p90_ms=raw_stats.p90_ms),
        measured_at=cost.measured_at,
        variant=cost.variant,
        runtime=dict(cost.runtime),
        notes=cost.notes,
    )


def _curve_of(cost: MeasuredCost, per_input_s: Sequence[Sequence[float]]) -> LatencyCurve:
    points = tuple(
        CurvePoint(length=length, timings_ms=tuple(t * 1e3 for t in per_input_s[i]), held_out=i in cost.held_out,
                   gflops_per_s=cost.gflops_per_s[i] if i < len(cost.gflops_per_s) else None)
        for i, length in enumerate(cost.inputs_lengths)
    )
    curve = LatencyCurve(points=tuple(sorted(points, key=lambda p: p.length)))
    return dataclasses.replace(curve, held_out_error=held_out_error(curve))


def held_out_error(curve: LatencyCurve) -> float | None:
    """Largest relative error of the interpolated p50 at the curve's held-out lengths (None without any).

    Example:
        >>> c = LatencyCurve((CurvePoint(8, (1.0,)), CurvePoint(11, (1.5,), held_out=True), CurvePoint(16, (2.0,))))
        >>> round(held_out_error(c), 4)
        0.0833
    """
    grid = [(length, statistics.median(values)) for length, values in curve.grid_timings_ms().items()]
    errors = [abs(interpolate(grid, p.length) - statistics.median(p.timings_ms)) / statistics.median(p.timings_ms)
              for p in curve.points if p.held_out and statistics.median(p.timings_ms) > 0]
    return max(errors) if errors else None


def corrected_timings_ms(curve: LatencyCurve, drift: DriftCorrection | None) -> dict[int, tuple[float, ...]]:
    """The grid's calls (one per round, in order) brought to ``drift``'s reference speed (as measured without one)."""
    grid = curve.grid_timings_ms()
    if drift is None:
        return grid
    return {length: tuple(t * f for t, f in zip(values, round_corrections(drift, len(values)), strict=True))
            for length, values in grid.items()}


def read_curve(curve: LatencyCurve, drift: DriftCorrection | None, lengths: Sequence[int], *,
               noise_threshold: float, batch_size: int = 1,
               seed: int = 0) -> tuple[LatencyStats, LatencyStats, tuple[float, float]]:
    """Single-call latency over texts of ``lengths``, at the reference speed and as measured, and the p50's interval.

    ``batch_size``: texts per call (the curve was timed at that many rows); the calls are read at the
    padded widths of batches drawn from ``lengths``.
    """
    lengths = batch_widths(lengths, batch_size)
    corrected = corrected_timings_ms(curve, drift)
    noise = noise_of(list(corrected.values()))

    def stats(timings: Mapping[int, Sequence[float]]) -> LatencyStats:
        mixture = mixture_stats(timings, lengths)
        return LatencyStats(
            n=sum(len(p.timings_ms) for p in curve.points),
            p50_ms=mixture.p50_ms, p90_ms=mixture.p90_ms, p95_ms=mixture.p95_ms, p99_ms=mixture.p99_ms,
            mean_ms=mixture.mean_ms, stdev_ms=mixture.stdev_ms,
            noisy=not noise < noise_threshold,
            noise=noise if math.isfinite(noise) else 1.0,
        )

    return stats(corrected), stats(curve.grid_timings_ms()), p50_interval(corrected, lengths, seed=seed)


def at_lengths(profile: ProfileResult, lengths: Sequence[int], source: str, *, reused_from: str,
               reference: Reference | None = None) -> ProfileResult:
    """``profile`` read at other texts' ``lengths`` (a saved or cached profile, re-weighted to your data).

    ``reference``: the machine's reference speed now, when it changed since the profile was measured
    (the calls are kept as measured, so they are simply brought to the new one). A profile without a
    curve (a baseline's, timed on its own texts) is returned as it is, marked reused.
    """
    if profile.curve is None or not lengths:
        return dataclasses.replace(profile, reused_from=reused_from)
    drift = profile.drift
    if drift is not None and reference is not None and reference.sentinel == drift.sentinel:
        factor = correction_factor([drift.sentinel_p50_ms / 1e3], reference.seconds, deadband=drift.deadband)
        drift = dataclasses.replace(drift, reference_ms=reference.seconds * 1e3,
                                    reference_measured_at=reference.measured_at, factor=factor)
    latency, raw, interval = read_curve(profile.curve, drift, lengths, batch_size=profile.batch_size,
                                        noise_threshold=math.inf)
    latency = dataclasses.replace(latency, noisy=profile.latency.noisy)
    if drift is not None:
        drift = dataclasses.replace(drift, raw_p50_ms=raw.p50_ms, raw_p90_ms=raw.p90_ms)
    return dataclasses.replace(
        profile, latency=latency, drift=drift, reused_from=reused_from, p50_interval_ms=interval,
        lengths=summarize_lengths(lengths, source, measured=profile.curve.grid),
    )


def _typical_gflops(cost: MeasuredCost) -> float | None:
    """The FLOP rate at the measured input nearest the sample's median length."""
    rated = [(length, rate) for length, rate in zip(cost.inputs_lengths, cost.gflops_per_s, strict=False)
             if rate is not None]
    if not rated:
        return None
    target = statistics.median_low(cost.sample_lengths or cost.inputs_lengths)
    return min(rated, key=lambda pair: (abs(pair[0] - target), pair[0]))[1]


def median_length_indices(lengths: Sequence[int]) -> list[int]:
    """Indices of the inputs whose length is the (lower) median length.

    Example:
        >>> median_length_indices([5, 9, 7, 7, 12])
        [2, 3]
    """
    target = statistics.median_low(lengths)
    return [i for i, n in enumerate(lengths) if n == target]


def cyclic_batches(n_items: int, batch_size: int) -> list[list[int]]:
    """Index batches of exactly ``batch_size`` covering ``n_items``; the last wraps to the start.

    Example:
        >>> cyclic_batches(5, 2)
        [[0, 1], [2, 3], [4, 0]]
        >>> cyclic_batches(2, 3)
        [[0, 1, 0]]
    """
    n_batches = -(-n_items // batch_size)
    return [[(b * batch_size + j) % n_items for j in range(batch_size)] for b in range(n_batches)]
