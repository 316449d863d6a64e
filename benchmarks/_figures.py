"""Small arithmetic the benchmarks share."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

__all__ = ["spread"]


def spread(values: Sequence[float]) -> float:
    """(max - min) / median of ``values``: how far apart repeated runs put one figure.

    Example:
        >>> spread([10.0, 12.0, 11.0])
        0.18181818181818182
        >>> round(spread([10.0, 10.4]), 4)
        0.0392
    """
    return (max(values) - min(values)) / statistics.median(values)
