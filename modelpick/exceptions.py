"""Every error modelpick raises on purpose.

The tree::

    ModelpickError                       root: catch this to catch everything modelpick raises
    ├── InvalidParameterError            (also ValueError)   a bad argument: the message names it and the fix
    ├── DataError                        (also ValueError)   the user's sample cannot be used as given
    │   └── DataFileNotFoundError        (also FileNotFoundError)
    ├── UnknownNameError                 (also KeyError)     an unknown task, candidate, renderer, ...
    ├── CandidateError                                       a candidate cannot be resolved or loaded
    │   └── WeightsNotFoundError                             no weights anywhere in the resolution order
    ├── ProfilingError                                       a measurement failed or failed a sanity gate
    ├── EstimationError                                      a quality estimate could not be made
    └── MissingDependencyError           (also ImportError)  an optional library is not installed

Third-party errors are re-raised as one of these ``from`` the original, so a caller never has to know
which library sat underneath.
"""

from __future__ import annotations

__all__ = [
    "CandidateError",
    "DataError",
    "DataFileNotFoundError",
    "EstimationError",
    "InvalidParameterError",
    "MissingDependencyError",
    "ModelpickError",
    "ProfilingError",
    "UnknownNameError",
    "WeightsNotFoundError",
]


class ModelpickError(Exception):
    """Root of every error modelpick raises on purpose."""


class InvalidParameterError(ModelpickError, ValueError):
    """A parameter has a value modelpick cannot use."""


class DataError(ModelpickError, ValueError):
    """The sample cannot be used: wrong columns, empty text, a single class, ..."""


class DataFileNotFoundError(DataError, FileNotFoundError):
    """The sample file given does not exist."""


class UnknownNameError(ModelpickError, KeyError):
    """A name (task, candidate, renderer, ...) is not in its registry."""

    def __str__(self) -> str:  # KeyError would otherwise print the message in quotes
        return str(self.args[0]) if self.args else ""


class CandidateError(ModelpickError):
    """A candidate model cannot be resolved or loaded."""


class WeightsNotFoundError(CandidateError):
    """No weights for a candidate in any place of the resolution order."""


class ProfilingError(ModelpickError):
    """A cost measurement failed, timed out or failed a sanity gate."""


class EstimationError(ModelpickError):
    """A quality estimate could not be made."""


class MissingDependencyError(ModelpickError, ImportError):
    """An optional dependency is needed for this feature and is not installed."""
