"""Every error modelpick raises on purpose, and the warnings it gives.

The tree::

    ModelpickError                       root: catch this to catch everything modelpick raises
    ├── InvalidParameterError            (also ValueError)   a bad argument: the message names it and the fix
    │   └── ConfigFileError                                  a config file (--config) cannot be read or has a bad
    │                                                        key or value; says the file, the line and the key
    ├── DataError                        (also ValueError)   the user's sample cannot be used as given
    │   └── DataFileNotFoundError        (also FileNotFoundError)
    ├── UnknownNameError                 (also KeyError)     an unknown task, candidate, renderer, ...
    ├── CandidateError                                       a candidate cannot be resolved or loaded
    │   ├── WeightsNotFoundError                             no weights anywhere in the resolution order
    │   ├── ModelFileError               (also ValueError)   a local model directory named is unreadable or corrupt
    │   ├── UnsafeModelError             (also ValueError)   loading it would run code the user has not allowed
    │   └── UnsupportedVariantError                          the model cannot be deployed in that variant (its
    │                                                        export fails or computes something else)
    ├── ProfilingError                                       a measurement failed or failed a sanity gate
    ├── EstimationError                                      a quality estimate could not be made
    ├── TuningError                                          a quick fine-tune (an Optuna trial or study) failed
    ├── CandidateTimeout                 (also TimeoutError) a candidate's child process ran past its time limit
    └── MissingDependencyError           (also ImportError)  an optional library is not installed

Third-party errors are re-raised as one of these ``from`` the original, so a caller never has to know
which library sat underneath: :mod:`modelpick._errors` is the one place that does it. An error that
crossed from a child process carries the child's traceback in ``details`` (shown with ``--debug``), and
keeps ``reproducible``.

Warnings (given with ``warnings.warn``: the run goes on, so they are not errors and not under the root)::

    UserWarning
    └── CacheWarning                                         the measurement cache cannot be read or written
                                                             (corrupt, unwritable, newer schema); measured again
"""

from __future__ import annotations

__all__ = [
    "CacheWarning",
    "CandidateError",
    "CandidateTimeout",
    "ConfigFileError",
    "DataError",
    "DataFileNotFoundError",
    "EstimationError",
    "InvalidParameterError",
    "MissingDependencyError",
    "ModelFileError",
    "ModelpickError",
    "ProfilingError",
    "TuningError",
    "UnknownNameError",
    "UnsafeModelError",
    "UnsupportedVariantError",
    "WeightsNotFoundError",
]


class ModelpickError(Exception):
    """Root of every error modelpick raises on purpose.

    Attributes:
        details: More than the one-line message, for ``--debug``: e.g. a child process's traceback.
        reproducible: Whether the same candidate, weights, settings and library versions on this machine
            fail the same way every time (an export the exporter cannot do), so the measurement cache
            remembers the failure instead of repeating a minute of work on every run. Never set for a
            timeout, a crash, a wrong timing, or memory or disk trouble: those are tried again.
    """

    details: str = ""
    reproducible: bool = False


class InvalidParameterError(ModelpickError, ValueError):
    """A parameter has a value modelpick cannot use.

    Attributes:
        parameter: The parameter's name (``None`` when the error is not about one parameter), so the
            CLI can name its option (``--max-latency-ms``) instead of the Python name.
        allowed: What the value may be, e.g. ``("a number > 0",)``, without ``None``.
        accepts_none: Whether ``None`` is allowed too.
        value: The value given.
    """

    parameter: str | None = None
    allowed: tuple[str, ...] = ()
    accepts_none: bool = False
    value: object = None


class ConfigFileError(InvalidParameterError):
    """A config file cannot be used: it cannot be read, is not TOML, or sets an unknown key or a bad value.

    The message starts with ``file:line:`` as compilers write it. The parts are kept for tools.

    Attributes:
        path: The file, as it was named.
        line: The line (1-based) of the bad key or syntax, when known.
        key: The key at fault, when the error is about one.
    """

    path: str = ""
    line: int | None = None
    key: str | None = None


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


class ModelFileError(CandidateError, ValueError):
    """A local model directory the user named cannot be read, or holds a corrupt config or weights file.

    Found before anything is measured: the directory is the user's input to fix.
    """


class UnsafeModelError(CandidateError, ValueError):
    """Loading a candidate would run code the user has not allowed: a pickled ``pytorch_model.bin``
    (``allow_pickle``) or the model's own Python files (``trust_remote_code``)."""


class UnsupportedVariantError(CandidateError):
    """A model cannot be deployed in a variant: the exporter cannot export it, or the exported graph does not
    compute what the model does. Reproducible: the measurement cache remembers it (``--no-cache`` tries
    again), and the other variants of the model are measured as usual."""

    reproducible = True


class ProfilingError(ModelpickError):
    """A cost measurement failed, timed out or failed a sanity gate."""


class EstimationError(ModelpickError):
    """A quality estimate could not be made."""


class TuningError(ModelpickError):
    """A quick fine-tune failed: a trial crashed, a study could not be opened, or its storage is unusable."""


class MissingDependencyError(ModelpickError, ImportError):
    """An optional dependency is needed for this feature and is not installed."""


class CacheWarning(UserWarning):
    """The measurement cache cannot be used: its file is corrupt, unwritable, or of a newer schema.

    Given once per cache object, as one line naming the file and the fix. Nothing is lost but time: what
    could not be read is measured again, and what could not be written is still reported.
    """


class CandidateTimeout(ModelpickError, TimeoutError):
    """A candidate's child process (profiling, feature extraction) ran past its time limit and was ended.

    Attributes:
        timeout_s: The limit it ran past, in seconds.
    """

    def __init__(self, message: str, *, timeout_s: float) -> None:
        super().__init__(message)
        self.timeout_s = timeout_s

    def __reduce__(self) -> tuple[object, ...]:  # keyword-only arguments need help to pickle
        return (_rebuild_timeout, (str(self), self.timeout_s))


def _rebuild_timeout(message: str, timeout_s: float) -> CandidateTimeout:
    return CandidateTimeout(message, timeout_s=timeout_s)
