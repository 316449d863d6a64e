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

__all__ = ["measure_baseline_rss_mb", "peak_rss_mb", "release_and_reset_peak_rss"]


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


def release_and_reset_peak_rss() -> bool:
    """Give freed memory back to the OS and restart this process's peak RSS from its current RSS.

    A profiling child that built a deployment variant from the loaded model (a quantized copy, an exported
    graph) and then dropped the model peaked while both were alive; what the variant costs is what it
    holds from here on. Collects garbage, asks glibc to return freed heap pages (``malloc_trim``: freed
    tensors smaller than its mmap threshold stay in the heap otherwise, and count as resident), then
    writes ``5`` to ``/proc/self/clear_refs``, which sets ``VmHWM`` (what :func:`peak_rss_mb` reads) to
    the current RSS (Linux 4.0+).

    Returns:
        Whether the peak was reset. ``False`` where the OS offers no way (not Linux, a kernel or sandbox
        that refuses the write): the peak then still includes what came before, and nothing fails.

    Example:
        >>> isinstance(release_and_reset_peak_rss(), bool)
        True
    """
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator gives memory back its own way
        pass
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


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
