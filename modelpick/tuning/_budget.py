"""How a time budget is shared across the candidates being tuned: successive halving.

Every candidate gets an equal slice in the first round; after each round the better half (by best
validation accuracy) goes on, and each round has the same share of the budget, so the survivors get
more time each (Jamieson & Talwalkar, "Non-stochastic best arm identification and hyperparameter
optimization", AISTATS 2016). Pure functions: the orchestrator applies them between trials.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Round", "halving_schedule", "keep_after_round", "survivors", "trial_fits"]


@dataclass(frozen=True)
class Round:
    """One round of successive halving: how many candidates take part and the seconds each may use."""

    survivors: int
    seconds_each: float


def halving_schedule(n_candidates: int, budget_s: float) -> tuple[Round, ...]:
    """Split ``budget_s`` into rounds that halve the candidates, each round the same share.

    Example:
        >>> [(r.survivors, r.seconds_each) for r in halving_schedule(4, 300.0)]
        [(4, 25.0), (2, 50.0), (1, 100.0)]
        >>> halving_schedule(1, 60.0)
        (Round(survivors=1, seconds_each=60.0),)
    """
    if n_candidates < 1:
        return ()
    survivors = [n_candidates]
    while survivors[-1] > 1:
        survivors.append(keep_after_round(survivors[-1]))
    per_round = max(budget_s, 0.0) / len(survivors)
    return tuple(Round(n, per_round / n) for n in survivors)


def keep_after_round(n: int) -> int:
    """How many of ``n`` candidates go on to the next round (the better half, rounded up)."""
    return max(1, math.ceil(n / 2))


def survivors(best_scores: Mapping[str, float | None], keep: int) -> tuple[str, ...]:
    """The ``keep`` candidates with the best scores; a candidate with no finished trial goes last.

    Example:
        >>> survivors({"a": 0.7, "b": 0.9, "c": None}, 2)
        ('b', 'a')
    """
    ordered = sorted(best_scores, key=lambda name: (best_scores[name] is None, -(best_scores[name] or 0.0), name))
    return tuple(ordered[:keep])


def trial_fits(estimate_s: float, remaining_s: float | None) -> bool:
    """Whether a trial expected to take ``estimate_s`` may start with ``remaining_s`` left (``None``: no budget).

    A trial that would run past the budget is not started: stopping it at the deadline would waste
    the time it had already spent.

    Example:
        >>> trial_fits(30.0, 45.0), trial_fits(30.0, 20.0), trial_fits(30.0, None)
        (True, False, True)
    """
    return remaining_s is None or estimate_s <= remaining_s
