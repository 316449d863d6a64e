"""What a task is, and the contract each task fulfils.

Tasks (registry in ``modelpick/tasks/__init__.py``):

* ``text-classification``: :class:`~modelpick.tasks.text_classification.TextClassification`.

A task knows which labels it can learn from and how predictions are scored; it knows nothing about
models, data files or hardware. The hooks are called in this order during an advise run:

1. :meth:`Task.validate_labels`, once, right after the sample is loaded and before it is split, so a
   sample the task cannot use fails with a one-line :class:`~modelpick.exceptions.DataError` before any
   model is profiled.
2. :meth:`Task.score`, once per candidate with a quality estimate, on the held-out split (and on each
   cross-validation fold).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

__all__ = ["Task"]


class Task(ABC):
    """A prediction problem modelpick can advise on.

    Class attributes:
        name: Registry name, e.g. ``"text-classification"``.
        metrics: Names of the metrics :meth:`score` returns, the primary one first.
        primary_metric: The metric quality constraints (``min_accuracy``) and rankings refer to.
        builtin_sample: Name of the built-in sample for this task (see ``modelpick.data.BUILTIN_SAMPLES``).
    """

    name: ClassVar[str]
    metrics: ClassVar[tuple[str, ...]]
    primary_metric: ClassVar[str]
    builtin_sample: ClassVar[str]

    @abstractmethod
    def validate_labels(self, labels: Sequence[str], *, source: str) -> None:
        """Raise :class:`~modelpick.exceptions.DataError` if the task cannot learn from ``labels``.

        Called once after loading and before splitting. ``source`` names the sample in messages.
        """

    @abstractmethod
    def score(self, y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, float]:
        """Every metric in :attr:`metrics` for predictions ``y_pred`` of true labels ``y_true``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
