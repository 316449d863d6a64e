"""The contract every profiler fulfils, and the measuring sequence they all share.

A profiler measures one *kind* of candidate (registry ``PROFILERS`` in ``modelpick/profiling/__init__.py``).
It implements the hooks; :meth:`Profiler.profile` calls them in a fixed order and turns the timings
into a :class:`~modelpick.results.ProfileResult`, so the rules of DESIGN.md §3 (warm-up never
counted, adaptive repeats, percentiles, memory over a baseline) live in one place.
"""

from __future__ import annotations

import random
import statistics
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from modelpick._errors import reraised_as
from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.data._sample import DataSplit
from modelpick.exceptions import ProfilingError
from modelpick.profiling._memory import peak_rss_mb
from modelpick.profiling._settings import ProfileSettings
from modelpick.profiling._stats import Measurement, measure
from modelpick.profiling._timers import Timer, perf_counter_timer
from modelpick.results import LengthsSummary, ProfileResult

__all__ = ["Checks", "PreparedInputs", "Profiler", "cyclic_batches", "draw_texts", "median_length_indices",
           "summarize_lengths"]


@dataclass(frozen=True)
class PreparedInputs:
    """Everything a profiler calls on, built once before any timing.

    ``single[i]`` is the batch-1 input made from ``texts[i]`` and has ``lengths[i]`` tokens;
    ``batches`` are the throughput batches, each of ``batch_size`` examples.
    """

    texts: tuple[str, ...]
    single: tuple[Any, ...]
    lengths: tuple[int, ...]
    lengths_source: str
    batches: tuple[Any, ...]
    batch_size: int


@dataclass(frozen=True)
class Checks:
    """What :meth:`Profiler.check` adds to a result once latency is measured."""

    gflops_per_s: float | None = None
    machine_peak_gflops: float | None = None
    peak_gpu_mb: float | None = None


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


def summarize_lengths(lengths: Sequence[int], source: str) -> LengthsSummary:
    """The token lengths a profile was measured at (p50, p90 by linear interpolation, max)."""
    from modelpick._numeric import percentile

    values = [float(v) for v in lengths]
    return LengthsSummary(source=source, n=len(values), p50=percentile(values, 50), p90=percentile(values, 90),
                          max=int(max(lengths)))


class Profiler(ABC):
    """Measures the cost of one kind of candidate, inside the (fresh, spawned) profiling child.

    :meth:`profile` calls the hooks in this order, each exactly once unless said otherwise:

    1. :meth:`configure` -- first thing, before any heavy library does work: thread counts (torch's
       intra-op threads, BLAS pools) and anything else that must be fixed for the whole process.
       Returns the number of threads actually in use, which the result records.
    2. :meth:`load` -- build, load or fit the model (never timed). Returns a profiler-specific
       "loaded" object passed to every later hook.
    3. :meth:`prepare_inputs` -- turn the drawn texts into ready-to-call batch-1 inputs and throughput
       batches (tokenized, tensors on the device), so the timed calls do nothing but the model's work.
    4. :meth:`run_once` -- one batch-1 call; called many times by :func:`~modelpick.profiling._stats.measure`:
       first untimed warm-up rounds, then timed rounds. Must return only once the result exists.
    5. :meth:`tokenize_once` -- one text through the tokenizer; called many times like ``run_once``,
       only when :meth:`has_tokenizer` is true, and timed apart from the forward pass.
    6. :meth:`run_batch` -- one throughput batch; called many times like ``run_once``.
    7. :meth:`check` -- after the latency is measured: sanity gate, FLOP rate, GPU memory. Raise
       :class:`~modelpick.exceptions.ProfilingError` for a result that cannot be right.

    Then :meth:`parameters`, :meth:`weights_on_disk_mb` and :meth:`library_versions` describe the model,
    and :meth:`close` runs last, whether or not profiling succeeded. Steps 3-7 run under
    :meth:`inference_context`.

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
    def prepare_inputs(self, loaded: Any, texts: Sequence[str], settings: ProfileSettings) -> PreparedInputs:
        """Batch-1 inputs for ``texts``, their lengths and where those came from, throughput batches."""

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

    def check(self, loaded: Any, inputs: PreparedInputs, latency: Measurement,
              settings: ProfileSettings) -> Checks:
        """Sanity checks and extra figures once latency is known; nothing by default."""
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
        """Measure ``candidate``: the hooks in order (see the class docstring), then the result.

        ``peak_rss_mb`` is this process's peak RSS minus ``baseline_rss_mb``; it is ``None`` when no
        baseline is given, since the peak of a process that did other work first means nothing.

        Raises:
            ProfilingError: any failure, with a one-line reason (errors of modelpick pass unchanged).
        """
        try:
            # torch, transformers, sklearn: each raises its own types; the run needs one reason.
            with reraised_as(ProfilingError, f"Profiling {candidate.name} failed"):
                return self._profile(candidate, weights, split, settings, baseline_rss_mb)
        finally:
            self.close()

    def _profile(self, candidate: Candidate, weights: WeightsResolution | None, split: DataSplit,
                 settings: ProfileSettings, baseline_rss_mb: float | None) -> ProfileResult:
        threads = self.configure(settings)
        loaded = self.load(candidate, weights, split, settings)
        texts = draw_texts(split, settings)
        loop: dict[str, Any] = {"min_rounds": settings.min_rounds, "noise_threshold": settings.noise_threshold,
                                "max_time_s": settings.max_time_s}
        timer = self.timer(settings)
        with self.inference_context():
            inputs = self.prepare_inputs(loaded, texts, settings)
            latency = measure(lambda i: self.run_once(loaded, inputs.single[i]), len(inputs.single),
                              warmup=1, timer=timer, **loop)
            tokenize = None
            if self.has_tokenizer(loaded):
                # Tokenizing runs on the host whatever the device, so it is timed by the host clock.
                tokenize = measure(lambda i: self.tokenize_once(loaded, inputs.texts[i]), len(inputs.texts),
                                   warmup=1, **loop).stats
            # Two rounds suffice for a mean rate: each call already averages over a whole batch.
            throughput = measure(lambda i: self.run_batch(loaded, inputs.batches[i]), len(inputs.batches),
                                 warmup=1, timer=timer, **{**loop, "min_rounds": 2})
            # Read before check(): its matmul probe is the profiler's, not the model's, memory.
            peak = peak_rss_mb()
            checks = self.check(loaded, inputs, latency, settings)
        rss = None
        if baseline_rss_mb is not None and peak is not None:
            # A child can peak below its baseline (allocator and import-order jitter) when the model
            # is tiny; memory cannot be negative, so that reads as 0.
            rss = max(0.0, peak - baseline_rss_mb)
        return ProfileResult(
            candidate=candidate.name,
            device=self.device_name(settings),
            num_threads=threads,
            latency=latency.stats,
            throughput_batch_size=inputs.batch_size,
            throughput_per_s=inputs.batch_size * throughput.calls / throughput.total_s,
            tokenize=tokenize,
            peak_rss_mb=rss,
            peak_gpu_mb=checks.peak_gpu_mb,
            parameters=int(self.parameters(loaded)),
            weights_on_disk_mb=self.weights_on_disk_mb(loaded),
            lengths=summarize_lengths(inputs.lengths, inputs.lengths_source),
            batch_size=1,
            gflops_per_s=checks.gflops_per_s,
            machine_peak_gflops=checks.machine_peak_gflops,
            timer=self.timer_name(settings),
            provenance="measured",
            library_versions=self.library_versions(),
        )


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
