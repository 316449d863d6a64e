"""modelpick: choose which model to deploy from measurements on your hardware and your data.

Example:
    >>> import modelpick
    >>> "recommend" in modelpick.__all__
    True
"""

from __future__ import annotations

from modelpick._config_file import load_config
from modelpick._version import __version__
from modelpick.api import (
    available_candidates,
    available_tasks,
    compare,
    gate,
    load_profiles,
    log_to_mlflow,
    profile,
    recommend,
)
from modelpick.config import AdviseConfig
from modelpick.constraints import Constraints
from modelpick.data import DatasetSample, load_sample
from modelpick.exceptions import ModelpickError
from modelpick.results import CandidateResult, Comparison, ProfileResult, ProfileSet, QualityEstimate, Recommendation
from modelpick.selection import GateVerdict

__all__ = [
    "AdviseConfig",
    "CandidateResult",
    "Comparison",
    "Constraints",
    "DatasetSample",
    "GateVerdict",
    "ModelpickError",
    "ProfileResult",
    "ProfileSet",
    "QualityEstimate",
    "Recommendation",
    "__version__",
    "available_candidates",
    "available_tasks",
    "compare",
    "gate",
    "load_config",
    "load_profiles",
    "load_sample",
    "log_to_mlflow",
    "profile",
    "recommend",
]
