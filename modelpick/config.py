"""What an advise run is asked to do: :class:`AdviseConfig`.

Building a config validates it and touches nothing else: no files are read, no hardware probed, no
library imported. The run resolves it into facts later.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from modelpick._validation import Interval, Options, StrSequence, instance_of, validate_params

__all__ = ["AdviseConfig", "LATENCY_PERCENTILES"]

LATENCY_PERCENTILES = ("p50", "p90", "p95", "p99")


@dataclass(frozen=True)
class AdviseConfig:
    """Everything that decides what an advise run measures and how it chooses.

    Args:
        task: Registered task name, e.g. ``"text-classification"``.
        max_latency_ms: Hard limit on ``latency_percentile`` latency at batch size 1, in ms.
        max_memory_mb: Hard limit on peak resident memory over the baseline process, in MiB.
        min_accuracy: Hard floor on estimated accuracy (0..1). Candidates of unknown accuracy fail it.
        latency_percentile: Which percentile ``max_latency_ms`` refers to.
        candidates: Names from the catalog, baseline names, Hub ids or local paths. ``None``: the
            default catalog plus the baselines.
        text_column / label_column: Columns of the sample; ``None`` detects them.
        test_size: Fraction of the sample held out (stratified, made once, shared by every candidate).
        random_state: Seeds every random choice of the run.
        num_threads: Torch threads in each profiling child; ``None`` uses every CPU this process may use.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (CUDA when present).
        timeout_s: Wall-clock limit for each candidate's child process.
        max_profile_time_s: Time cap for the adaptive repeat loop of one latency measurement.
        throughput_batch_size: Batch size at which throughput is reported.
        allow_download: Let weight resolution download from the Hugging Face Hub when online.
        trust_remote_code: Passed to ``from_pretrained``; off unless the user asks.
        estimate_quality: ``False`` skips accuracy estimates (cost only).

    Example:
        >>> AdviseConfig(max_latency_ms=20).latency_percentile
        'p90'
    """

    task: str = "text-classification"
    max_latency_ms: float | None = None
    max_memory_mb: float | None = None
    min_accuracy: float | None = None
    latency_percentile: str = "p90"
    candidates: tuple[str, ...] | None = None
    text_column: str | None = None
    label_column: str | None = None
    test_size: float = 0.25
    random_state: int = 0
    num_threads: int | None = None
    device: str = "auto"
    timeout_s: float = 600.0
    max_profile_time_s: float = 4.0
    throughput_batch_size: int = 16
    allow_download: bool = True
    trust_remote_code: bool = False
    estimate_quality: bool = True

    _CONSTRAINTS = {
        "task": [instance_of(str, "a task name (see modelpick.available_tasks())")],
        "max_latency_ms": [Interval(Real, 0, None, closed="neither"), None],
        "max_memory_mb": [Interval(Real, 0, None, closed="neither"), None],
        "min_accuracy": [Interval(Real, 0, 1, closed="both"), None],
        "latency_percentile": [Options(LATENCY_PERCENTILES)],
        "candidates": [StrSequence(), None],
        "text_column": [instance_of(str, "a column name"), None],
        "label_column": [instance_of(str, "a column name"), None],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": [Interval(Integral, 0, None)],
        "num_threads": [Interval(Integral, 1, None), None],
        "device": [Options(("auto", "cpu", "cuda"))],
        "timeout_s": [Interval(Real, 0, None, closed="neither")],
        "max_profile_time_s": [Interval(Real, 0, None, closed="neither")],
        "throughput_batch_size": [Interval(Integral, 1, None)],
        "allow_download": [instance_of(bool, "True or False")],
        "trust_remote_code": [instance_of(bool, "True or False")],
        "estimate_quality": [instance_of(bool, "True or False")],
    }

    def __post_init__(self) -> None:
        validate_params(
            {name: getattr(self, name) for name in self._CONSTRAINTS},
            self._CONSTRAINTS,
            caller=type(self).__name__,
        )
        if self.candidates is not None:
            if not self.candidates:
                from modelpick._validation import invalid_parameter

                raise invalid_parameter(
                    "candidates", type(self).__name__, "a non-empty list of candidate names, or None", []
                )
            # A list given by a user becomes a tuple so the config stays hashable and frozen.
            object.__setattr__(self, "candidates", tuple(self.candidates))

    @property
    def constraints(self) -> dict[str, Any]:
        """The hard constraints, as the report echoes them."""
        return {
            "max_latency_ms": self.max_latency_ms,
            "max_memory_mb": self.max_memory_mb,
            "min_accuracy": self.min_accuracy,
            "latency_percentile": self.latency_percentile,
            "latency_batch_size": 1,
        }

    def to_dict(self) -> dict[str, Any]:
        """Every field, as plain JSON types."""
        data = dataclasses.asdict(self)
        if data["candidates"] is not None:
            data["candidates"] = list(data["candidates"])
        return data

    def replace(self, **changes: Any) -> AdviseConfig:
        """A copy with ``changes`` applied and validated."""
        return dataclasses.replace(self, **changes)
