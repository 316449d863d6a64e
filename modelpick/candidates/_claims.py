"""Claims that comparison pages commonly make about model families (``claims.json``), to be checked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["CLAIM_METRICS", "Claim", "common_claims"]

CLAIM_METRICS = ("latency", "parameters", "memory", "size-on-disk", "accuracy")


@dataclass(frozen=True)
class Claim:
    """"``subject`` beats ``other`` on ``metric``", as pages put it; families as the catalog names them."""

    subject: str
    other: str
    metric: str
    claim: str


@cache
def common_claims() -> tuple[Claim, ...]:
    """Every claim in ``claims.json``.

    Example:
        >>> any(c.subject == "ALBERT" and c.metric == "latency" for c in common_claims())
        True
    """
    text = resources.files("modelpick.candidates").joinpath("claims.json").read_text(encoding="utf-8")
    claims = tuple(Claim(**entry) for entry in json.loads(text)["claims"])
    unknown = sorted({c.metric for c in claims} - set(CLAIM_METRICS))
    assert not unknown, f"claims.json names unknown metrics {unknown}"  # a packaging bug, not user input
    return claims
