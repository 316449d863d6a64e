"""How quality estimates are made: :class:`EstimationSettings`, the same for every candidate of a run."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import Any, ClassVar

from modelpick._validation import BOOLEAN, COUNT, POSITIVE_NUMBER, SEED, Constraint, Interval, validate_params

__all__ = ["EstimationSettings"]


class _Device:
    """``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (a device already resolved from ``"auto"``)."""

    def is_satisfied_by(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        return value in ("cpu", "cuda") or (value.startswith("cuda:") and value[5:].isdigit())

    def __str__(self) -> str:
        return "'cpu', 'cuda' or 'cuda:N'"


@dataclass(frozen=True)
class EstimationSettings:
    """How quality estimates are made; the same for every candidate of a run (built by the orchestrator).

    Args:
        num_threads: Torch threads in the linear probe's child process.
        device: ``"cpu"`` or ``"cuda"`` (already resolved, not ``"auto"``).
        random_state: Seeds the bootstrap, the CV folds and the classifiers.
        timeout_s: Wall-clock limit of the linear probe's feature-extraction child.
        trust_remote_code: Passed to ``from_pretrained`` in the child.
        n_bootstrap: Resamples of the 95% bootstrap interval of test accuracy.
        cv_folds: Most stratified folds on the training split (fewer when a class is small).
        probe_max_length: Token limit of each text fed to the frozen encoder.

    Example:
        >>> EstimationSettings(num_threads=2, device="cpu", random_state=0, timeout_s=60,
        ...                    trust_remote_code=False).n_bootstrap
        1000
    """

    num_threads: int
    device: str
    random_state: int
    timeout_s: float
    trust_remote_code: bool
    n_bootstrap: int = 1000
    cv_folds: int = 5
    probe_max_length: int = 256

    _CONSTRAINTS: ClassVar[dict[str, list[Constraint | None]]] = {
        "num_threads": [COUNT],
        "device": [_Device()],
        "random_state": [SEED],
        "timeout_s": [POSITIVE_NUMBER],
        "trust_remote_code": [BOOLEAN],
        "n_bootstrap": [COUNT],
        "cv_folds": [Interval(Integral, 2, None)],
        "probe_max_length": [Interval(Integral, 2, None)],
    }

    def __post_init__(self) -> None:
        validate_params(
            {name: getattr(self, name) for name in self._CONSTRAINTS}, self._CONSTRAINTS, caller=type(self).__name__
        )
