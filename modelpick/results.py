"""The frozen result types that travel from measurement to presentation.

Units live in field names (``p90_ms``, ``peak_rss_mb``). Every number carries its provenance:
``measured`` (here, on this machine and data), ``published`` (with a citation) or ``estimated`` (by a
named method). Every type round-trips through ``to_dict``/``from_dict`` (plain JSON types only).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from modelpick._serialization import Serializable
from modelpick.constraints import Constraints
from modelpick.exceptions import DataError

__all__ = [
    "AccuracyDelta",
    "CandidateInfo",
    "CandidateResult",
    "ClaimCheck",
    "Comparison",
    "CurvePoint",
    "DriftCorrection",
    "HardwareInfo",
    "LatencyCurve",
    "LatencyRatio",
    "LatencyStats",
    "LengthsSummary",
    "PairVerdict",
    "ProfileResult",
    "ProfileSet",
    "PublishedFigure",
    "QualityEstimate",
    "RankedCandidate",
    "Recommendation",
    "Rejection",
    "SCHEMA_VERSION",
    "SampleSummary",
    "Trait",
    "TransferabilityScore",
    "TuningRun",
    "TuningSummary",
    "check_schema_version",
]

# The version of the JSON documents modelpick writes (``schema_version`` in them; the published schemas in
# modelpick/schemas/). A minor bump ("1.0" -> "1.1") adds fields: older readers ignore keys they do not
# know, so they still read the document. A major bump ("1.x" -> "2.0") removes, renames or retypes a field:
# older readers refuse the document with a message instead of misreading it.
SCHEMA_VERSION = "1.2"

_VERSION_FORMAT = re.compile(r"(\d+)\.(\d+)")


def check_schema_version(data: Mapping[str, Any], *, reads: str = SCHEMA_VERSION, document: str) -> None:
    """Refuse a ``document`` whose ``schema_version`` has a major version newer than ``reads``.

    A document without ``schema_version`` was written before versioning began and is read as it is; one of
    a newer minor version is read too (the keys this version does not know are ignored).

    Raises:
        DataError: The version is not ``MAJOR.MINOR``, or its major version is newer than ``reads``'s.

    Example:
        >>> check_schema_version({"schema_version": "1.7"}, reads="1.0", document="recommendation")
        >>> check_schema_version({"schema_version": "2.0"}, reads="1.0", document="recommendation")
        Traceback (most recent call last):
        ...
        modelpick.exceptions.DataError: This recommendation has schema_version 2.0; this modelpick reads schema_version
        1.x only. Upgrade modelpick (pip install -U modelpick) to read it.
    """
    if "schema_version" not in data:
        return
    found = data["schema_version"]
    match = _VERSION_FORMAT.fullmatch(found) if isinstance(found, str) else None
    if match is None:
        raise DataError(f"This {document} has schema_version {found!r}, which is not MAJOR.MINOR like {reads!r}.")
    major = reads.split(".")[0]
    if int(match.group(1)) > int(major):
        raise DataError(
            f"This {document} has schema_version {found}; this modelpick reads schema_version {major}.x only. "
            "Upgrade modelpick (pip install -U modelpick) to read it."
        )


Provenance = Literal["measured", "published", "estimated", "unknown"]
Status = Literal["ok", "failed", "skipped"]


@dataclass(frozen=True)
class PublishedFigure(Serializable):
    """A figure from a paper or model card, never measured here."""

    metric: str  # e.g. "MNLI-m accuracy"
    value: float  # in the unit of the source (accuracy as a fraction 0..1)
    split: str  # "dev" or "test"
    citation: str  # where it was published: paper, table, or model card


@dataclass(frozen=True)
class CandidateInfo(Serializable):
    """What a candidate is, as the report shows it."""

    name: str
    kind: str  # "transformer" or "baseline"
    family: str
    source: str  # "catalog", "hub id" or "local path"
    weights_source: str | None = None  # where its weights came from (DESIGN.md §4), once resolved
    weights_detail: str | None = None  # the path, package or reason behind weights_source
    published: tuple[PublishedFigure, ...] = ()
    published_parameters: int | None = None
    published_parameters_source: str | None = None  # the citation of published_parameters
    # The deployment variant of a transformer row ("eager", "int8", "onnx", "fp16", "bf16"); None for kinds
    # without variants (baselines) and in reports written before variants existed.
    variant: str | None = None
    variant_of: str | None = None  # a non-eager row: the name of its eager row (the same model, as loaded)


@dataclass(frozen=True)
class LatencyStats(Serializable):
    """Distribution of timed calls; warm-up calls are never included."""

    n: int
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    stdev_ms: float
    noisy: bool  # the repeat loop hit its time cap before the timings were stable
    noise: float  # median over distinct inputs of IQR/median of their repeated timings

    def percentile_ms(self, name: str) -> float:
        """The value for ``"p50"``, ``"p90"``, ``"p95"`` or ``"p99"``."""
        return float(getattr(self, f"{name}_ms"))


@dataclass(frozen=True)
class LengthsSummary(Serializable):
    """The token lengths a profile's latency refers to (the sample's texts), and where they came from.

    For a profile read from a latency curve (see :class:`LatencyCurve`), ``measured_min`` and
    ``measured_max`` are the lengths the curve was measured between, and ``outside_range`` counts the
    texts outside them: their latency is the curve extended (above) or its shortest point (below).
    """

    source: str  # e.g. "candidate tokenizer on the sample", "approximated: regex pieces + 2"
    n: int
    p50: float
    p90: float
    max: int
    measured_min: int | None = None
    measured_max: int | None = None
    outside_range: int = 0


@dataclass(frozen=True)
class CurvePoint(Serializable):
    """The timed calls at one sequence length of a :class:`LatencyCurve`."""

    length: int
    timings_ms: tuple[float, ...]  # one call per timing round, in round order, as measured (see DriftCorrection)
    held_out: bool = False  # measured to check the interpolation; never interpolated from
    gflops_per_s: float | None = None  # FLOPs counted at this length over its uncorrected median time


@dataclass(frozen=True)
class LatencyCurve(Serializable):
    """Batch-1 latency measured at a grid of sequence lengths, read at any sample's lengths.

    Between grid points, each quantile of the timed calls is interpolated linearly in length;
    ``held_out_error`` is the largest relative error of that interpolation's p50 at the held-out lengths.
    """

    points: tuple[CurvePoint, ...]
    held_out_error: float | None = None
    interpolation: str = "linear in length between grid points, quantile by quantile"

    @property
    def grid(self) -> tuple[int, ...]:
        return tuple(p.length for p in self.points if not p.held_out)

    def grid_timings_ms(self) -> dict[int, tuple[float, ...]]:
        """``{length: timings}`` of the grid points (the held-out ones left out)."""
        return {p.length: p.timings_ms for p in self.points if not p.held_out}


@dataclass(frozen=True)
class DriftCorrection(Serializable):
    """How a profile's timings were brought to the machine's reference speed (see ``profiling/_drift.py``).

    The calls are multiplied by ``factor``: ``reference_ms / sentinel_p50_ms``, the run's sentinel (timed
    before every round): each candidate timed in turns in the run this profile was measured in gives its
    median round, and the run's sentinel is the mean of the faster half of those (a process's quirk only
    slows its sentinel), so the candidates of one run share one factor; drift within
    ``deadband`` of the reference is within the sentinel's own noise and left uncorrected. Each round is also
    brought to the speed of the profile's median round when its sentinel (the geometric mean of the ones
    timed before and after it) is beyond ``round_deadband`` of it
    (the machine's swings within a run). ``raw_*`` are the figures before that scaling.
    """

    sentinel: str  # what was timed, e.g. "torch fp32 matmul 32x768@768x3072 (cpu)"
    reference_ms: float
    reference_measured_at: str  # when the reference was measured (ISO 8601 UTC)
    sentinel_p50_ms: float  # the run's sentinel (the faster half of its candidates' median rounds, averaged)
    sentinel_min_ms: float  # ... the fastest and slowest candidate's median round
    sentinel_max_ms: float
    raw_p50_ms: float
    raw_p90_ms: float
    round_sentinel_ms: tuple[float, ...] = ()  # the sentinel before each of this profile's rounds, in order
    deadband: float = 0.0  # drift within it (0.1: +-10%) is not corrected
    factor: float | None = None  # what the calls were multiplied by; None (before 1.2): reference / sentinel
    # Each round's calls were also brought to the median round's sentinel, beyond this band; None (before
    # measurement procedure 7): they were not.
    round_deadband: float | None = None
    # The sentinel after each round (measurement procedure 8): a round's speed is judged by the geometric mean
    # of its sentinels before and after; empty: by the one before alone.
    round_sentinel_after_ms: tuple[float, ...] = ()

    @property
    def correction(self) -> float:
        """What every round's calls were multiplied by to bring them to the reference speed (see
        ``round_deadband`` for what each round's were multiplied by besides)."""
        return self.factor if self.factor is not None else self.reference_ms / self.sentinel_p50_ms

    @property
    def drift(self) -> float:
        """How much slower the machine ran than at the reference: +0.2 is 20% slower."""
        return self.sentinel_p50_ms / self.reference_ms - 1.0


@dataclass(frozen=True)
class ProfileResult(Serializable):
    """Cost of one candidate on one machine: latency, throughput, memory, size."""

    candidate: str
    device: str  # "cpu" or "cuda:0"
    num_threads: int
    latency: LatencyStats  # one forward pass (or predict call) at batch_size texts over the sample's lengths
    throughput_batch_size: int
    throughput_per_s: float  # examples per second at throughput_batch_size
    tokenize: LatencyStats | None  # tokenization of one text, timed apart from the forward pass
    peak_rss_mb: float | None  # child's peak RSS minus a baseline child's (CPU)
    peak_gpu_mb: float | None  # torch.cuda.max_memory_allocated (CUDA)
    parameters: int
    weights_on_disk_mb: float | None  # None when the weights were never on disk (architecture-only)
    lengths: LengthsSummary
    batch_size: int = 1  # texts per latency call, padded to the longest (--batch-size)
    gflops_per_s: float | None = None  # implied by FLOPs counted on one forward pass and its p50
    machine_peak_gflops: float | None = None  # measured matmul peak at the same thread count
    timer: str = "perf_counter"  # "perf_counter" or "cuda events"
    provenance: Provenance = "measured"
    library_versions: dict[str, str] = field(default_factory=dict)
    curve: LatencyCurve | None = None  # latency by sequence length (transformers); None: timed on the texts
    p50_interval_ms: tuple[float, float] | None = None  # 95% bootstrap interval of latency.p50_ms (over rounds)
    drift: DriftCorrection | None = None  # None: timings as measured, no sentinel
    measured_at: str = ""  # when the timing ran (ISO 8601 UTC); empty in profiles before 0.3
    reused_from: str | None = None  # None: measured in this run; else "cache" or the profiles file read
    variant: str | None = None  # the deployment variant timed (transformers), e.g. "int8"; None for baselines
    # What the variant's runtime reports about itself: library versions, quantization or export details,
    # threads of a runtime with its own pool (ONNX Runtime's intra-op threads), the weights' size as deployed.
    runtime: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what a reader must know about these figures (e.g. a FLOP rate not gated)

    @property
    def memory_on_gpu(self) -> bool:
        """Whether :attr:`memory_mb` is GPU memory (measured on a GPU) rather than host RSS."""
        return self.device.startswith("cuda") and self.peak_gpu_mb is not None

    @property
    def memory_mb(self) -> float | None:
        """The memory a ``max_memory_mb`` limit is compared with, in MiB.

        On a GPU, the memory the model allocated there (``peak_gpu_mb``): that is what runs out on the
        deployment device. On the CPU, the peak RSS above the baseline process. ``None`` when not measured.
        Every constraint check, ranking, Pareto front and report reads memory from here.
        """
        if self.memory_on_gpu:
            return self.peak_gpu_mb
        return self.peak_rss_mb if self.peak_rss_mb is not None else self.peak_gpu_mb


@dataclass(frozen=True)
class LatencyRatio(Serializable):
    """How many times slower one candidate's p50 is than the next faster one's, with a 95% interval.

    The interval is a bootstrap over whole timing rounds of both candidates (their calls re-read at the
    sample's lengths each time): when it excludes 1, the order is clear at that confidence.
    """

    slower: str
    faster: str
    ratio: float
    low: float
    high: float

    @property
    def clear(self) -> bool:
        """Whether the interval excludes 1: the order is not the clock's doing."""
        return self.low > 1.0


@dataclass(frozen=True)
class TransferabilityScore(Serializable):
    """A pre-screen score of frozen features against the labels (LogME, H-score).

    It ranks candidates by how well their features suit the task; its scale is the method's own, so
    it is never an accuracy and is never compared with one.
    """

    method: str  # "logme" or "h-score"
    value: float
    note: str = ""  # what the number is and where the method comes from


@dataclass(frozen=True)
class QualityEstimate(Serializable):
    """How accurate a candidate would be on the user's data, and how that was found."""

    candidate: str
    method: str  # "cross-validation", "linear-probe", "fine-tune", "published", "none"
    provenance: Provenance
    accuracy: float | None  # None means unknown: never zero, never guessed
    accuracy_low: float | None = None  # 95% interval
    accuracy_high: float | None = None
    macro_f1: float | None = None
    cv_accuracy_mean: float | None = None
    cv_accuracy_std: float | None = None
    n_train: int | None = None
    n_test: int | None = None
    citation: str | None = None
    note: str = ""  # why accuracy is unknown, or what the figure refers to
    # Pre-screen scores computed on the same frozen features (linear probe only); they rank, not measure.
    prescreen: tuple[TransferabilityScore, ...] = ()
    # Per held-out example, in the order of the split's test texts: was the prediction right. What paired
    # comparisons between candidates scored on the same split are computed from (AccuracyDelta).
    test_correct: tuple[bool, ...] = ()

    @property
    def basis(self) -> str:
        """How the accuracy was obtained, as reports name it: ``"published"``, else the method."""
        return "published" if self.provenance == "published" else self.method

    def prescreen_score(self, method: str) -> float | None:
        """The value of pre-screen score ``method`` (``"logme"``, ``"h-score"``), or ``None``."""
        return next((s.value for s in self.prescreen if s.method == method), None)


@dataclass(frozen=True)
class AccuracyDelta(Serializable):
    """A deployment variant's accuracy minus its eager row's, on the same held-out examples, with a 95%
    paired bootstrap interval (both rows' correctness resampled together, example by example).

    When the interval excludes 0 the variant changes accuracy at that confidence; int8 can lose some.
    """

    versus: str  # the row compared with (the eager row of the same model)
    delta: float  # this row's accuracy minus versus's, as a fraction (-0.008 is 0.8 points lower)
    low: float
    high: float
    n: int  # held-out examples both rows were scored on
    method: str = "paired bootstrap over held-out examples"

    @property
    def clear(self) -> bool:
        """Whether the interval excludes 0: the difference is not the draw of the held-out examples."""
        return self.low > 0.0 or self.high < 0.0


TuningStatus = Literal["tuned", "skipped", "stopped", "not-started", "failed"]


@dataclass(frozen=True)
class TuningSummary(Serializable):
    """How the quick fine-tune of one candidate went: its Optuna study, trials and best result.

    ``status``: ``tuned`` (trials ran, the best model was scored), ``skipped`` (never tuned: a cost
    constraint already fails, or it is outside the top-K), ``stopped`` (tuning stopped early: its best case
    cannot reach the floor or the leader), ``not-started`` (the time budget ran out first), ``failed``
    (no trial finished). ``reason`` says why, and how far it got.
    """

    candidate: str
    status: TuningStatus
    reason: str = ""
    study_name: str | None = None
    storage: str | None = None  # the storage URL, with any password hidden
    trials_planned: int = 0
    trials_complete: int = 0
    trials_pruned: int = 0
    trials_failed: int = 0
    trials_reused: int = 0  # finished before this run started (a resumed study)
    failures: tuple[str, ...] = ()  # one line per failed trial: "trial 3: timed out after 60 s"
    best_trial: int | None = None
    best_params: dict[str, Any] = field(default_factory=dict)
    best_validation_accuracy: float | None = None
    # Lowest and highest validation accuracy of the best (up to 3) complete trials: how much the
    # outcome depends on the draw of hyperparameters and seed.
    validation_spread: tuple[float, float] | None = None
    n_validation: int | None = None
    seconds: float = 0.0  # wall-clock time spent on this candidate's study in this run
    seconds_saved: float | None = None  # estimated tuning time not spent because it was skipped or stopped


@dataclass(frozen=True)
class TuningRun(Serializable):
    """The tuning step of one run: its budget, where the studies live and how far it got."""

    storage: str  # the storage URL, with any password hidden
    study_prefix: str
    top_k: int
    trials_per_candidate: int
    budget_s: float | None
    seconds: float  # wall-clock time of the tuning step
    finished: bool  # every planned trial ran (False: the budget ran out first)
    note: str = ""  # how far it got, in one line


@dataclass(frozen=True)
class CandidateResult(Serializable):
    """Everything measured about one candidate; a failure is a result, not a crash."""

    candidate: CandidateInfo
    status: Status
    reason: str = ""  # why failed or skipped; empty when ok
    profile: ProfileResult | None = None
    quality: QualityEstimate | None = None  # the cheap estimate: linear probe, cross-validation or published
    fine_tuned: QualityEstimate | None = None  # the tuned quick fine-tune's held-out score (``--tune``)
    tuning: TuningSummary | None = None
    # A deployment variant row: its accuracy against its eager row's, paired over the held-out examples.
    accuracy_delta: AccuracyDelta | None = None

    @property
    def name(self) -> str:
        return self.candidate.name

    @property
    def estimate(self) -> QualityEstimate | None:
        """The estimate the decision uses: the better measured accuracy of the cheap estimate and the
        fine-tune (a frozen encoder with a linear head is deployable too), else the cheap estimate."""
        candidates = [q for q in (self.quality, self.fine_tuned) if q is not None and q.accuracy is not None]
        if not candidates:
            return self.quality
        return max(candidates, key=lambda q: q.accuracy or 0.0)

    @property
    def accuracy(self) -> float | None:
        estimate = self.estimate
        return estimate.accuracy if estimate is not None else None


@dataclass(frozen=True)
class RankedCandidate(Serializable):
    """A candidate that meets every constraint, with its place and the reason for it."""

    rank: int
    name: str
    reason: str
    on_pareto_front: bool


@dataclass(frozen=True)
class Rejection(Serializable):
    """A candidate that does not meet the constraints (or could not be measured), and why."""

    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class HardwareInfo(Serializable):
    """The machine the measurements were taken on."""

    platform: str
    python: str
    cpu_model: str
    logical_cpus: int
    usable_cpus: int
    total_memory_mb: float
    gpu_name: str | None = None
    gpu_memory_mb: float | None = None
    library_versions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SampleSummary(Serializable):
    """The data a recommendation was made on (statistics, not the texts)."""

    source: str
    text_column: str
    label_column: str | None
    n: int
    classes: tuple[str, ...]
    class_counts: dict[str, int]
    token_length_quantiles: dict[str, float]
    token_length_method: str
    n_train: int | None = None
    n_test: int | None = None


class _Document(Serializable):
    """A top-level JSON document with a ``schema_version``: one of a newer major version is refused."""

    _document: ClassVar[str]

    @classmethod
    def from_dict(cls: type[_D], data: Mapping[str, Any]) -> _D:
        """Rebuild what :meth:`to_dict` wrote; a document of a newer major ``schema_version`` is refused.

        Raises:
            DataError: ``data`` has a newer major ``schema_version`` than :data:`SCHEMA_VERSION`.
        """
        check_schema_version(data, document=cls._document)
        # The object holds only the fields this version knows, so it is a document of this version whatever
        # version it was read from: writing it again must not claim fields of a newer minor it dropped.
        return super().from_dict({k: v for k, v in data.items() if k != "schema_version"})


_D = TypeVar("_D", bound=_Document)


@dataclass(frozen=True)
class Recommendation(_Document):
    """The outcome of one advise run: ranked candidates, Pareto front, rejections, and context.

    ``ranked`` lists the candidates that meet every constraint, best first; ``rejected`` the rest with
    their reasons. ``results`` keeps every candidate's full measurements.
    """

    task: str
    results: tuple[CandidateResult, ...]
    ranked: tuple[RankedCandidate, ...]
    pareto_front: tuple[str, ...]
    rejected: tuple[Rejection, ...]
    closest: str | None  # when nothing meets the constraints: the candidate that misses by least
    constraints: Constraints
    config: dict[str, Any]  # the options as used: threads and device resolved, candidates named
    environment: HardwareInfo
    sample: SampleSummary | None
    quality_basis: str  # "measured on the sample" or "published figures (no sample given)"
    created_at: str
    modelpick_version: str
    # How each measurement was made: {"profiling": ProfileSettings, "estimation": EstimationSettings} as dicts.
    settings: dict[str, Any] = field(default_factory=dict)
    tuning: TuningRun | None = None  # the quick fine-tune step, when the run tuned
    warnings: tuple[str, ...] = ()  # what the user should know about the figures (one line each)
    latency_ratios: tuple[LatencyRatio, ...] = ()  # each candidate against the next faster one (p50)
    durations_s: dict[str, float] = field(default_factory=dict)  # wall time of each step of the run
    schema_version: str = SCHEMA_VERSION  # the version of this document's format; see SCHEMA_VERSION

    _document: ClassVar[str] = "recommendation"

    @property
    def best(self) -> CandidateResult | None:
        """The top-ranked candidate, or ``None`` when no candidate meets the constraints."""
        return self.result(self.ranked[0].name) if self.ranked else None

    @property
    def satisfied(self) -> bool:
        """Whether at least one candidate meets every constraint."""
        return bool(self.ranked)

    def rank_of(self, name: str) -> int | None:
        """The rank of candidate ``name``, or ``None`` when it was rejected."""
        return next((r.rank for r in self.ranked if r.name == name), None)

    def in_rank_order(self) -> tuple[CandidateResult, ...]:
        """Every result: the ranked ones best first, then the rejected ones by name."""
        rank = {r.name: r.rank for r in self.ranked}
        return tuple(sorted(self.results, key=lambda r: (r.name not in rank, rank.get(r.name, 0), r.name)))

    def result(self, name: str) -> CandidateResult:
        """The full result of the candidate called ``name``."""
        for result in self.results:
            if result.name == name:
                return result
        from modelpick.exceptions import UnknownNameError

        known = ", ".join(r.name for r in self.results)
        raise UnknownNameError(f"No candidate named {name!r} in this recommendation. Known: {known}.")


    def to_frame(self):
        """One row per candidate: status, rank, accuracy (the estimate the ranking used, with its method),
        a deployment variant's accuracy against its eager row (paired), the fine-tuned accuracy and tuning
        status when ``--tune`` ran, latency, memory, provenance.

        Returns:
            pandas.DataFrame indexed by candidate name, ranked candidates first.
        """
        from modelpick._imports import require

        pd = require("pandas", purpose="build a DataFrame from a recommendation")
        front = set(self.pareto_front)
        rows = []
        for r in self.in_rank_order():
            p, q = r.profile, r.estimate  # the estimate the ranking used (probe or fine-tune)
            rows.append(
                {
                    "candidate": r.name,
                    "kind": r.candidate.kind,
                    "variant": r.candidate.variant,
                    "status": r.status,
                    "rank": self.rank_of(r.name),
                    "pareto": r.name in front,
                    "accuracy": q.accuracy if q else None,
                    "accuracy_low": q.accuracy_low if q else None,
                    "accuracy_high": q.accuracy_high if q else None,
                    "macro_f1": q.macro_f1 if q else None,
                    "quality_method": q.method if q else None,
                    "accuracy_delta": r.accuracy_delta.delta if r.accuracy_delta else None,
                    "accuracy_delta_low": r.accuracy_delta.low if r.accuracy_delta else None,
                    "accuracy_delta_high": r.accuracy_delta.high if r.accuracy_delta else None,
                    "fine_tuned_accuracy": r.fine_tuned.accuracy if r.fine_tuned else None,
                    "tuning_status": r.tuning.status if r.tuning else None,
                    "quality_provenance": q.provenance if q else None,
                    "p50_ms": p.latency.p50_ms if p else None,
                    "p90_ms": p.latency.p90_ms if p else None,
                    "p99_ms": p.latency.p99_ms if p else None,
                    "throughput_per_s": p.throughput_per_s if p else None,
                    "peak_rss_mb": p.peak_rss_mb if p else None,
                    "memory_mb": p.memory_mb if p else None,
                    "parameters": p.parameters if p else None,
                    "weights_source": r.candidate.weights_source,
                    "reason": r.reason,
                }
            )
        return pd.DataFrame(rows).set_index("candidate")


# The format of a profiles file. 2: latency as a curve over sequence length, drift-corrected (0.3). A file of
# format 1 holds latencies at its own sample's lengths only; it cannot be read at other lengths, and is refused.
PROFILE_SET_FORMAT = "modelpick-profiles/2"


@dataclass(frozen=True)
class ProfileSet(Serializable):
    """Recorded profiles of one machine (``modelpick profile --save``), to advise from elsewhere."""

    environment: HardwareInfo
    profiles: tuple[ProfileResult, ...]
    created_at: str
    modelpick_version: str
    device: str
    num_threads: int
    lengths_from: str  # the sample whose token lengths the profiles were measured at
    failed: dict[str, str] = field(default_factory=dict)  # candidate -> why it has no profile
    format: str = PROFILE_SET_FORMAT
    config: dict[str, Any] = field(default_factory=dict)  # the options as used (empty in files before 0.2)
    settings: dict[str, Any] = field(default_factory=dict)  # {"profiling": ProfileSettings as a dict}

    def get(self, name: str) -> ProfileResult | None:
        """The recorded profile of candidate ``name``, or ``None``."""
        return next((p for p in self.profiles if p.candidate == name), None)



@dataclass(frozen=True)
class PairVerdict(Serializable):
    """One measured head-to-head: how much faster one candidate is than another, at what accuracy cost.

    ``accuracy_delta`` is the faster candidate's accuracy minus the slower one's, in points (0..100);
    ``accuracy_margin`` the half-width of its 95% interval, from the two candidates' intervals combined as
    if independent (wider than a paired interval on the shared test split, so "inside" errs towards
    calling a difference noise). Either is ``None`` when an accuracy is unknown.
    """

    faster: str
    slower: str
    speedup_p50: float  # slower p50 / faster p50
    speedup_p90: float
    memory_ratio: float | None  # faster's memory / slower's memory
    accuracy_delta: float | None
    accuracy_margin: float | None
    sentence: str  # the verdict in words, with its numbers

    @property
    def accuracy_inside_interval(self) -> bool | None:
        """Whether the accuracy difference is within the noise of the two estimates."""
        if self.accuracy_delta is None or self.accuracy_margin is None:
            return None
        return abs(self.accuracy_delta) <= self.accuracy_margin


TraitKind = Literal["strength", "weakness"]


@dataclass(frozen=True)
class Trait(Serializable):
    """A strength or weakness of one candidate, derived from the measurements by a stated rule."""

    candidate: str
    kind: TraitKind
    metric: str  # "latency", "throughput", "memory", "parameters", "size on disk", "accuracy"
    text: str  # the statement, with the numbers behind it
    rule: str  # the rule that produced it, so a reader can check it


@dataclass(frozen=True)
class ClaimCheck(Serializable):
    """A claim comparison pages commonly make about two of the compared models, and what was measured."""

    claim: str  # e.g. "ALBERT infers faster than BERT"
    subject: str  # the candidate the claim favours
    other: str
    metric: str
    # None: the measurements cannot settle it here (a figure unknown, or accuracy intervals that overlap);
    # a cost within COST_MARGIN is False: the claimed lead is not there.
    holds: bool | None
    measured: str  # what was measured, in one sentence


@dataclass(frozen=True)
class Comparison(_Document):
    """Two or more candidates measured side by side (``modelpick compare``): the recommendation holding
    every measurement, pairwise verdicts, strengths and weaknesses by stated rules, and common claims
    checked against the measurements."""

    candidates: tuple[str, ...]  # as named, in order
    recommendation: Recommendation
    verdicts: tuple[PairVerdict, ...]
    traits: tuple[Trait, ...]
    claims: tuple[ClaimCheck, ...] = ()
    schema_version: str = SCHEMA_VERSION  # the version of this document's format; see SCHEMA_VERSION

    _document: ClassVar[str] = "comparison"

    def traits_of(self, name: str, kind: TraitKind) -> tuple[Trait, ...]:
        """The strengths (or weaknesses) of candidate ``name``."""
        return tuple(t for t in self.traits if t.candidate == name and t.kind == kind)

