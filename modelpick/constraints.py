"""The hard limits a recommended model must meet: :class:`Constraints`, one typed value from the config
to the selection, the :class:`~modelpick.results.Recommendation` and every renderer."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

from modelpick._serialization import Serializable
from modelpick._validation import COUNT, POSITIVE_NUMBER, Interval, Options, option, validate_options

__all__ = ["LATENCY_PERCENTILES", "Constraints"]

LATENCY_PERCENTILES = ("p50", "p90", "p95", "p99")


@dataclass(frozen=True)
class Constraints(Serializable):
    """Limits a recommended candidate must meet; ``None`` means no limit. Validated when built.

    Args:
        max_latency_ms: Limit on the ``latency_percentile`` latency at batch size ``latency_batch_size``
            over the sample's token lengths, in ms.
        max_memory_mb: Limit on peak memory above a process that only imported the same libraries, in
            MiB (GPU memory for candidates measured on a GPU; see ``ProfileResult.memory_mb``).
        min_accuracy: Floor on estimated accuracy (0..1); a candidate of unknown accuracy cannot meet it.
        latency_percentile: Which percentile ``max_latency_ms`` refers to.
        latency_batch_size: How many requests the deployment serves in one call: latency is the time of one
            call on that many texts, padded to the longest of them (1: one text per call). It is the shape
            the figures are measured at, so a report says what its latency limit means.

    Example:
        >>> Constraints(max_latency_ms=20).latency_percentile
        'p90'
        >>> Constraints(max_latency_ms=20).any
        True
        >>> Constraints(max_latency_ms=-1)
        Traceback (most recent call last):
        ...
        modelpick.exceptions.InvalidParameterError: The 'max_latency_ms' parameter of Constraints must be a number > 0
        or None. Got -1 instead.
    """

    max_latency_ms: float | None = option(
        None, POSITIVE_NUMBER, None, metavar="MS", commands=("advise",),
        help="limit on the latency of one call at --batch-size, at --latency-percentile, in ms",
    )
    max_memory_mb: float | None = option(
        None, POSITIVE_NUMBER, None, metavar="MB", commands=("advise",),
        help="limit on peak memory above the baseline process, in MiB",
    )
    min_accuracy: float | None = option(
        None, Interval(Real, 0, 1, closed="both"), None, metavar="A", commands=("advise",),
        help="floor on estimated accuracy (0..1); unknown accuracy cannot meet it",
    )
    latency_percentile: str = option(
        "p90", Options(LATENCY_PERCENTILES), commands=("advise",),
        help="which latency percentile --max-latency-ms limits",
    )
    latency_batch_size: int = option(
        1, COUNT, flag="--batch-size", metavar="N", commands=("advise", "compare", "profile"),
        help="texts per call in the deployment: latency is one call on N texts padded to the longest",
    )

    def __post_init__(self) -> None:
        validate_options(self, caller=type(self).__name__)

    @property
    def any(self) -> bool:
        """Whether any limit is set."""
        return any(v is not None for v in (self.max_latency_ms, self.max_memory_mb, self.min_accuracy))

    def describe(self) -> str:
        """The limits in words, e.g. ``"p90 latency at batch 1 <= 20 ms; accuracy >= 0.8"``.

        Example:
            >>> Constraints(max_latency_ms=20, min_accuracy=0.8).describe()
            'p90 latency at batch 1 <= 20 ms; accuracy >= 0.8'
            >>> Constraints(max_latency_ms=50, latency_batch_size=8).describe()
            'p90 latency at batch 8 <= 50 ms'
        """
        parts = []
        if self.max_latency_ms is not None:
            parts.append(
                f"{self.latency_percentile} latency at batch {self.latency_batch_size} <= {self.max_latency_ms:g} ms"
            )
        if self.max_memory_mb is not None:
            parts.append(f"peak memory <= {self.max_memory_mb:g} MB")
        if self.min_accuracy is not None:
            parts.append(f"accuracy >= {self.min_accuracy:g}")
        return "; ".join(parts) if parts else "none (every candidate that ran is ranked)"
