"""How a profile is measured: :class:`ProfileSettings`, the same for every candidate of a run."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import ClassVar

from modelpick._validation import BOOLEAN, COUNT, POSITIVE_NUMBER, SEED, Constraint, Interval, Options, validate_params

__all__ = ["ProfileSettings"]


@dataclass(frozen=True, kw_only=True)
class ProfileSettings:
    """The knobs of one cost measurement (DESIGN.md §3). Frozen and picklable: it travels to the child.

    Args:
        num_threads: Torch intra-op threads (BLAS threads for baselines) set in the child before any
            work; recorded in the result.
        device: ``"cpu"`` or ``"cuda"`` (already resolved; ``"auto"`` is not accepted here).
        max_time_s: Time cap of one adaptive repeat loop (latency, throughput). The loop always
            completes ``min_rounds``; beyond that it stops before a round that would cross the cap.
        throughput_batch_size: Batch size of the throughput measurement.
        latency_batch_size: Texts in each timed latency call (the deployment's batch): a transformer's curve
            is timed on that many rows of each length and read at the padded widths of batches drawn from
            the sample (:func:`~modelpick.profiling._curve.batch_widths`); a baseline predicts that many texts.
        random_state: Seeds which texts are drawn and the random token ids of architecture-only inputs.
        trust_remote_code: Passed to ``from_pretrained``.
        min_rounds: Rounds (one timed call per distinct input each) before the noise test may stop
            the loop; at least 2, since a spread needs two repeats. Five by default: intervals are
            bootstrapped over whole rounds, which needs a few.
        noise_threshold: The loop stops once the median over inputs of IQR/median of each input's
            repeats is below this.
        max_input_lengths: How many of the sample's texts are drawn as distinct inputs. 32 lengths
            repeated over at least ``min_rounds`` rounds give ~100 timed calls per candidate, enough
            for p90 while keeping a 10-model run on 2 cores within minutes.
        max_sample_lengths: How many of the sample's texts (a seeded draw when there are more) give the
            token lengths a latency curve is read at; tokenizing them is cheap.
        throughput_batches: Distinct batches timed for throughput (each repeated ``min_rounds``
            times); a few suffice, since one batch already averages over ``throughput_batch_size`` texts.

    Example:
        >>> ProfileSettings(num_threads=2, max_time_s=1.0).min_rounds
        5
        >>> ProfileSettings(num_threads=0)
        Traceback (most recent call last):
        ...
        modelpick.exceptions.InvalidParameterError: The 'num_threads' parameter of ProfileSettings must be an integer
        >= 1. Got 0 instead.
    """

    num_threads: int = 1
    device: str = "cpu"
    max_time_s: float = 4.0
    throughput_batch_size: int = 16
    latency_batch_size: int = 1
    random_state: int = 0
    trust_remote_code: bool = False
    min_rounds: int = 5
    noise_threshold: float = 0.05
    max_input_lengths: int = 32
    max_sample_lengths: int = 4096
    throughput_batches: int = 2

    _CONSTRAINTS: ClassVar[dict[str, list[Constraint | None]]] = {
        "num_threads": [COUNT],
        "device": [Options(("cpu", "cuda"))],
        "max_time_s": [POSITIVE_NUMBER],
        "throughput_batch_size": [COUNT],
        "latency_batch_size": [COUNT],
        "random_state": [SEED],
        "trust_remote_code": [BOOLEAN],
        "min_rounds": [Interval(Integral, 2, None)],
        "noise_threshold": [POSITIVE_NUMBER],
        "max_input_lengths": [COUNT],
        "max_sample_lengths": [COUNT],
        "throughput_batches": [COUNT],
    }

    def __post_init__(self) -> None:
        validate_params(
            {name: getattr(self, name) for name in self._CONSTRAINTS},
            self._CONSTRAINTS,
            caller=type(self).__name__,
        )
