"""Peak resident memory of a process, and of a baseline child that only imports libraries.

A profiling child's peak RSS includes the interpreter and every imported library (torch alone is
hundreds of MiB). What a candidate costs is the difference to a child that imported the same
libraries and did nothing else, so both are measured the same way: ``ru_maxrss`` of a fresh spawned
process.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from modelpick._isolation import run_in_child
from modelpick.exceptions import ProfilingError

__all__ = ["measure_baseline_rss_mb", "peak_rss_mb"]


def peak_rss_mb() -> float | None:
    """Peak resident set size of this process so far, in MiB; ``None`` where the OS does not say.

    On Linux this is ``VmHWM`` of ``/proc/self/status``, the peak of this process's own memory image.
    ``ru_maxrss`` is not: the kernel carries the high-water mark of the image a process replaced at
    ``exec`` into it, and a spawned child is forked (or vforked) from its parent before it execs Python, so
    its ``ru_maxrss`` is at least the parent's RSS. A parent that had imported torch made every child
    report ~150 MiB it never used.

    Example:
        >>> peak_rss_mb() > 0
        True
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10  # kB
    except OSError:  # not Linux
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _import_only(modules: tuple[str, ...], attributes: tuple[tuple[str, str], ...], init_cuda: bool) -> float | None:
    """Body of the baseline child: import, touch the entry points, report the peak RSS."""
    for name in modules:
        importlib.import_module(name)
    for module, attribute in attributes:
        # transformers resolves AutoModel & co. lazily; the profiling child pays for that import.
        getattr(importlib.import_module(module), attribute)
    if init_cuda:
        import torch

        # The CUDA context's host memory belongs to the runtime, not to the model.
        torch.cuda.init()
    return peak_rss_mb()


def measure_baseline_rss_mb(
    modules: Sequence[str],
    *,
    attributes: Sequence[tuple[str, str]] = (),
    init_cuda: bool = False,
    timeout_s: float = 300.0,
) -> float | None:
    """Peak RSS (MiB) of a fresh spawned child that only imports ``modules`` (and touches ``attributes``).

    Raises:
        ProfilingError: the child failed; the message says why.
        CandidateTimeout: the child ran past ``timeout_s``.

    Example:
        >>> measure_baseline_rss_mb(["json"], timeout_s=60) > 0
        True
    """
    value: float | None = run_in_child(
        _import_only, tuple(modules), tuple(attributes), init_cuda, timeout_s=timeout_s, error=ProfilingError,
        context=f"The baseline memory child (importing {', '.join(modules)}) failed",
    )
    return value
