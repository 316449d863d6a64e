"""How a study searches: the seeded TPE sampler and the pruner, built the same way in parent and children."""

from __future__ import annotations

from typing import Any

from modelpick._imports import require

__all__ = ["make_pruner", "make_sampler"]

# The first trials explore at random before TPE models the results; few, because studies here are short.
_TPE_STARTUP_TRIALS = 3


def make_sampler(random_state: int) -> Any:
    """The TPE sampler of every study, seeded from the run's ``random_state``."""
    optuna = require("optuna", purpose="tune quick fine-tunes")
    return optuna.samplers.TPESampler(seed=random_state, n_startup_trials=_TPE_STARTUP_TRIALS, multivariate=True)


def make_pruner() -> Any:
    """The pruner fed by per-epoch validation accuracy: a trial below the median of earlier trials at the
    same epoch stops (after two trials have set the median). The children build the same one."""
    optuna = require("optuna", purpose="tune quick fine-tunes")
    return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
