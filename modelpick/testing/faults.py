"""Candidates that fail on purpose, to test that a run survives them (fault injection).

Each fault is a candidate of kind ``fault`` named ``fault:<what>``; its profiler does the fault while
loading the model, which happens only in the spawned profiling child, never in the calling process:

* ``fault:segfault``: reads address 0 (a real NULL dereference), so the child dies of SIGSEGV;
* ``fault:oom``: limits the child's address space (``RLIMIT_AS``) a little above what it uses, then
  allocates past the limit: a ``MemoryError``, as a model too big for a memory limit gets;
* ``fault:oom-kill``: dies of SIGKILL, as the kernel's OOM killer ends a process;
* ``fault:hang``: sleeps for a day, so only the run's timeout ends it;
* ``fault:raise-on-load``: raises while loading its weights (:data:`RAISE_ON_LOAD_MESSAGE`);
* ``fault:unsupported``: raises :class:`~modelpick.exceptions.UnsupportedVariantError`
  (:data:`UNSUPPORTED_MESSAGE`), as a model its variant's exporter cannot export does: reproducible, so
  the measurement cache remembers it.

The kind is not registered by default. :func:`registered` adds it to the candidate and profiler
registries for a block; ``python -m modelpick.testing.faults ARGS`` runs the ``modelpick`` command line
with it registered (for tests that need a real process, e.g. to send it SIGINT). Linux only: the
faults rely on ``RLIMIT_AS`` and on signals.

Example:
    >>> from modelpick.candidates import resolve_candidate
    >>> with registered():
    ...     candidate = resolve_candidate("fault:segfault")
    >>> candidate.kind, candidate.fault
    ('fault', 'segfault')
    >>> "fault" in __import__("modelpick.candidates", fromlist=["CANDIDATE_KINDS"]).CANDIDATE_KINDS
    False
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.data._sample import DataSplit
from modelpick.exceptions import InvalidParameterError, ProfilingError, UnsupportedVariantError
from modelpick.profiling._base import PreparedInputs, Profiler
from modelpick.profiling._settings import ProfileSettings

__all__ = [
    "FAULTS", "RAISE_ON_LOAD_MESSAGE", "UNSUPPORTED_MESSAGE", "FaultyCandidate", "FaultyProfiler", "ignores_sigint",
    "main", "registered",
]

FAULTS = ("segfault", "oom", "oom-kill", "hang", "raise-on-load", "unsupported")
RAISE_ON_LOAD_MESSAGE = "injected fault: the weights file is truncated"
UNSUPPORTED_MESSAGE = "injected fault: torch.onnx.export cannot export FaultyModel"

_PREFIX = "fault:"
_HEADROOM_BYTES = 128 * 2**20  # the memory limit sits this far above what the child already maps
_CHUNK_BYTES = 16 * 2**20


@dataclass(frozen=True, kw_only=True)
class FaultyCandidate(Candidate):
    """A candidate whose model load fails in the way ``fault`` names (one of :data:`FAULTS`).

    Example:
        >>> hang = FaultyCandidate.from_name("FAULT:hang")
        >>> hang.name, hang.fault, FaultyCandidate.from_name("fault:typo")
        ('fault:hang', 'hang', None)
    """

    fault: str

    kind: ClassVar[str] = "fault"

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise InvalidParameterError(
                f"The 'fault' parameter of FaultyCandidate must be one of {', '.join(map(repr, FAULTS))}. "
                f"Got {self.fault!r} instead."
            )

    def _default_weights_source(self) -> str | None:
        return None

    @classmethod
    def from_name(cls, text: str) -> FaultyCandidate | None:
        name = text.lower()
        if not name.startswith(_PREFIX) or name[len(_PREFIX):] not in FAULTS:
            return None
        return cls(name=name, family="Fault injection", source="builtin", fault=name[len(_PREFIX):])

    @classmethod
    def known_names(cls) -> tuple[str, ...]:
        return tuple(_PREFIX + fault for fault in FAULTS)


class FaultyProfiler(Profiler):
    """The profiler of ``fault`` candidates: :meth:`load` does the fault, so no later hook ever runs."""

    kind: ClassVar[str] = "fault"

    def configure(self, settings: ProfileSettings) -> int:
        return settings.num_threads

    def load(self, candidate: Candidate, weights: WeightsResolution | None, split: DataSplit,
             settings: ProfileSettings) -> Any:
        if not isinstance(candidate, FaultyCandidate):
            raise ProfilingError(f"Candidate {candidate.name} of kind {candidate.kind!r} is not a fault.")
        _FAULT_ACTIONS[candidate.fault]()
        raise ProfilingError(f"fault {candidate.fault!r} did not happen")  # every action ends the load

    def prepare_inputs(self, loaded: Any, texts: Sequence[str], settings: ProfileSettings,
                       sample_texts: Sequence[str] = ()) -> PreparedInputs:
        raise ProfilingError("a fault candidate has no inputs")

    def run_once(self, loaded: Any, single_input: Any) -> Any:
        raise ProfilingError("a fault candidate cannot run")

    def run_batch(self, loaded: Any, batch: Any) -> Any:
        raise ProfilingError("a fault candidate cannot run")

    def parameters(self, loaded: Any) -> int:
        return 0


def _segfault() -> None:
    import ctypes
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file left behind by the test
    ctypes.string_at(0)


def _out_of_memory() -> None:
    import resource

    import psutil

    limit = psutil.Process().memory_info().vms + _HEADROOM_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    chunks = []
    try:
        while True:
            chunks.append(bytearray(_CHUNK_BYTES))
    except MemoryError:
        chunks.clear()  # room again to report the error, which the traceback would otherwise keep alive
        raise


def _oom_kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _hang() -> None:
    import time

    while True:
        time.sleep(86_400)


def _raise_on_load() -> None:
    raise OSError(RAISE_ON_LOAD_MESSAGE)


def _unsupported() -> None:
    raise UnsupportedVariantError(UNSUPPORTED_MESSAGE)


_FAULT_ACTIONS = {
    "segfault": _segfault,
    "oom": _out_of_memory,
    "oom-kill": _oom_kill,
    "hang": _hang,
    "raise-on-load": _raise_on_load,
    "unsupported": _unsupported,
}


@contextmanager
def registered() -> Iterator[None]:
    """Register the ``fault`` kind (candidates and profiler) for the block, then remove it again."""
    from modelpick.candidates import CANDIDATE_KINDS
    from modelpick.profiling import PROFILERS

    CANDIDATE_KINDS[FaultyCandidate.kind] = FaultyCandidate
    PROFILERS[FaultyProfiler.kind] = FaultyProfiler
    try:
        yield
    finally:
        CANDIDATE_KINDS.pop(FaultyCandidate.kind, None)
        PROFILERS.pop(FaultyProfiler.kind, None)


def ignores_sigint(pid: int) -> bool:
    """Whether process ``pid`` has SIGINT ignored: a measuring child past its start and at its work, where a
    Ctrl-C test can signal the run without catching a child still starting up.

    Example:
        >>> import os
        >>> ignores_sigint(os.getpid())
        False
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigIgn:"))
    return bool(mask & (1 << (signal.SIGINT - 1)))


def main(argv: Sequence[str] | None = None) -> int:
    """The ``modelpick`` command line with the fault candidates registered; returns its exit code."""
    from modelpick.cli import main as cli_main

    with registered():
        return cli_main(argv)


if __name__ == "__main__":
    # Through the module's own name, so the classes children unpickle are modelpick.testing.faults', not __main__'s.
    import importlib

    sys.exit(importlib.import_module("modelpick.testing.faults").main())
