"""The user's data: loading and validating a sample, its one stratified split, and its statistics.

Nothing here imports pandas until a file is read with it, so ``import modelpick.data`` stays light.
Built-in samples are listed in :data:`BUILTIN_SAMPLES` (name -> file in ``modelpick/data/builtin/``).
"""

from __future__ import annotations

from modelpick.data._loading import BUILTIN_SAMPLES, load_builtin_sample, load_sample
from modelpick.data._sample import DatasetSample
from modelpick.data._split import DataSplit
from modelpick.data._stats import approximate_token_lengths

__all__ = [
    "BUILTIN_SAMPLES",
    "DataSplit",
    "DatasetSample",
    "approximate_token_lengths",
    "load_builtin_sample",
    "load_sample",
]
