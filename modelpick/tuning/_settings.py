"""How quick fine-tunes are run: :class:`TuningSettings`, built by the orchestrator from the options."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import Any, ClassVar

from modelpick._validation import BOOLEAN, COUNT, FRACTION, POSITIVE_NUMBER, SEED, Constraint, Interval, validate_params
from modelpick.tuning._storage import normalized_url

__all__ = ["TuningSettings"]


@dataclass(frozen=True)
class TuningSettings:
    """How the trials of a run (or of a ``modelpick tune`` worker) are run.

    Args:
        num_threads: Torch threads in each trial's child process.
        device: ``"cpu"`` or ``"cuda"`` (already resolved).
        random_state: Seeds the TPE sampler, the validation carve-out and each trial's training.
        trust_remote_code: Passed to ``from_pretrained`` in the children.
        allow_pickle: Let the children load a model whose only weights are a pickled ``pytorch_model.bin``.
        storage: Optuna storage URL (``sqlite:///...``, ``postgresql+psycopg://...``).
        study_prefix: Study names start with it; each candidate's study adds its name and a fingerprint.
        artifacts_dir: Where each study keeps the model of its best trial, to score it on the held-out split.
        trials_per_candidate: Trials each study runs in all (finished trials of earlier runs count).
        trial_timeout_s: Wall-clock limit of one trial's child process.
        validation_fraction: Share of the training split carved off for validation (pruning, choosing).
        heartbeat_interval_s / grace_period_s: Optuna's RDB heartbeat: a trial whose worker has sent no
            heartbeat for ``grace_period_s`` is failed (and retried once).
        stop_grace_s: How long past its deadline a trial may take to stop before its child is killed.
    """

    num_threads: int
    device: str
    random_state: int
    trust_remote_code: bool
    storage: str
    study_prefix: str
    artifacts_dir: str
    trials_per_candidate: int = 10
    trial_timeout_s: float = 1800.0
    validation_fraction: float = 0.2
    heartbeat_interval_s: int = 10
    grace_period_s: int = 30
    stop_grace_s: float = 5.0
    allow_pickle: bool = False

    _CONSTRAINTS: ClassVar[dict[str, list[Constraint | None]]] = {
        "num_threads": [COUNT],
        "random_state": [SEED],
        "trust_remote_code": [BOOLEAN],
        "allow_pickle": [BOOLEAN],
        "trials_per_candidate": [COUNT],
        "trial_timeout_s": [POSITIVE_NUMBER],
        "validation_fraction": [FRACTION],
        "heartbeat_interval_s": [COUNT],
        "grace_period_s": [Interval(Integral, 1, None)],
        "stop_grace_s": [POSITIVE_NUMBER],
    }

    def __post_init__(self) -> None:
        values: dict[str, Any] = {name: getattr(self, name) for name in self._CONSTRAINTS}
        validate_params(values, self._CONSTRAINTS, caller=type(self).__name__)
        # Children and workers open the storage by its URL: one spelling of the file for all of them.
        object.__setattr__(self, "storage", normalized_url(self.storage))
