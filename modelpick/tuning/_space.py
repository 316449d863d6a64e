"""The hyperparameters a quick fine-tune searches, and the recipe it tries first."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from modelpick._serialization import Serializable

__all__ = ["LENGTH_CHOICES", "SearchSpace"]

# Sequence lengths tried; the space keeps those up to the sample's p99 token length (and the model's limit).
LENGTH_CHOICES = (16, 32, 64, 128, 256, 512)


@dataclass(frozen=True)
class SearchSpace(Serializable):
    """Learning rate (log scale), epochs, batch size, weight decay, warm-up fraction and max length.

    ``max_lengths`` depends on the data: texts are rarely longer than their p99, and a shorter
    sequence trains faster, so the space stops at the first length that covers the p99.

    Example:
        >>> space = SearchSpace.for_lengths(p99_tokens=40, model_max_length=512)
        >>> space.max_lengths, space.first_recipe()["learning_rate"]
        ((16, 32, 64), 5e-05)
    """

    max_lengths: tuple[int, ...]
    learning_rate: tuple[float, float] = (1e-5, 2e-4)
    epochs: tuple[int, int] = (1, 5)
    batch_sizes: tuple[int, ...] = (8, 16, 32)
    weight_decay: tuple[float, float] = (0.0, 0.1)
    warmup_ratio: tuple[float, float] = (0.0, 0.2)

    @classmethod
    def for_lengths(cls, *, p99_tokens: float, model_max_length: int) -> SearchSpace:
        """The space for a sample whose p99 token length is ``p99_tokens``, on a model taking ``model_max_length``."""
        cap = max(2, min(int(model_max_length), int(math.ceil(p99_tokens))))
        lengths = [n for n in LENGTH_CHOICES if n < cap]
        # The cap itself, rounded up to the next choice when one fits under the model's limit.
        covering = next((n for n in LENGTH_CHOICES if n >= cap and n <= model_max_length), cap)
        return cls(max_lengths=(*lengths, covering))

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Draw one set of hyperparameters from ``trial`` (an ``optuna.Trial``)."""
        return {
            "learning_rate": trial.suggest_float("learning_rate", *self.learning_rate, log=True),
            "num_train_epochs": trial.suggest_int("num_train_epochs", *self.epochs),
            "per_device_train_batch_size": trial.suggest_categorical("per_device_train_batch_size", self.batch_sizes),
            "weight_decay": trial.suggest_float("weight_decay", *self.weight_decay),
            "warmup_ratio": trial.suggest_float("warmup_ratio", *self.warmup_ratio),
            "max_length": trial.suggest_categorical("max_length", self.max_lengths),
        }

    def first_recipe(self) -> dict[str, Any]:
        """The common recipe (BERT-style: lr 5e-5, 3 epochs, batch 16, 128 tokens), tried first so the
        tuned result is never worse than it on validation."""
        return {
            "learning_rate": min(max(5e-5, self.learning_rate[0]), self.learning_rate[1]),
            "num_train_epochs": min(max(3, self.epochs[0]), self.epochs[1]),
            "per_device_train_batch_size": 16 if 16 in self.batch_sizes else self.batch_sizes[0],
            "weight_decay": min(max(0.01, self.weight_decay[0]), self.weight_decay[1]),
            "warmup_ratio": min(max(0.1, self.warmup_ratio[0]), self.warmup_ratio[1]),
            # 128 tokens is the common recipe's length; a sample of shorter texts uses its own cap.
            "max_length": 128 if 128 in self.max_lengths else self.max_lengths[-1],
        }

    def fingerprint(self) -> str:
        """A short hash of the space: a changed space never reuses another space's trials."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]
