"""What machine the measurements run on: CPU, usable cores, memory, GPU and library versions.

:func:`detect_hardware` is cheap and imports nothing heavy: it reads GPU facts only from a torch that
is already imported. :func:`detect_gpu` imports torch to look, for callers that will use it anyway.
"""

from __future__ import annotations

import dataclasses
import math
import os
import platform
import sys
from pathlib import Path

from modelpick._validation import invalid_parameter
from modelpick.results import HardwareInfo

__all__ = [
    "DEVICES",
    "LIBRARIES",
    "default_num_threads",
    "detect_gpu",
    "detect_hardware",
    "library_versions",
    "resolve_device",
    "usable_cpus",
]

# Distribution names whose versions every result records (read from metadata: nothing is imported).
LIBRARIES = ("torch", "transformers", "scikit-learn", "optuna", "numpy", "pandas", "huggingface-hub")
DEVICES = ("auto", "cpu", "cuda")


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    # x86 says "model name"; many ARM kernels say "Hardware", "Model" or "cpu model".
    for key in ("model name", "hardware", "model", "cpu model", "processor"):
        for line in text.splitlines():
            name, _, value = line.partition(":")
            if name.strip().lower() == key and value.strip() and not value.strip().isdigit():
                return value.strip()
    return platform.processor() or platform.machine() or "unknown"


def _cgroup_cpu_limit() -> float | None:
    """CPUs allowed by a cgroup quota (containers started with ``--cpus``), or ``None`` when unlimited."""
    try:  # cgroup v2
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            return int(quota) / int(period)
        return None
    except (OSError, ValueError):
        pass
    try:  # cgroup v1
        quota_us = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period_us = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        return quota_us / period_us if quota_us > 0 and period_us > 0 else None
    except (OSError, ValueError):
        return None


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota.

    ``os.cpu_count()`` counts the machine's cores, which over-states what a container or a
    ``taskset``-pinned process gets, and over-subscribed threads make latency noisy.
    """
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        count = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    if limit is not None:
        count = min(count, max(1, math.ceil(limit)))
    return max(1, count)


def default_num_threads() -> int:
    """Threads a profiling child uses when none are asked for: every usable CPU.

    Example:
        >>> default_num_threads() >= 1
        True
    """
    return usable_cpus()


def _total_memory_mb() -> float:
    try:
        import psutil

        return psutil.virtual_memory().total / 2**20
    except ImportError:
        try:
            return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
        except (AttributeError, OSError, ValueError):
            return 0.0


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape measurements, read without importing them."""
    from importlib import metadata  # not at module level: it costs more than the rest of this module

    versions: dict[str, str] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _gpu_facts(torch: object) -> tuple[str | None, float | None]:
    cuda = getattr(torch, "cuda", None)
    try:
        if cuda is None or not cuda.is_available():
            return None, None
        props = cuda.get_device_properties(0)
        return str(props.name), props.total_memory / 2**20
    except Exception:  # noqa: BLE001 - a broken CUDA install means "no usable GPU", not a crash
        return None, None


def detect_hardware() -> HardwareInfo:
    """Describe this machine without importing torch.

    GPU fields are filled only when torch is already imported in this process; call
    :func:`detect_gpu` to look for a GPU explicitly.

    Example:
        >>> info = detect_hardware()
        >>> info.usable_cpus >= 1 and info.total_memory_mb > 0
        True
    """
    gpu_name, gpu_memory_mb = _gpu_facts(sys.modules["torch"]) if "torch" in sys.modules else (None, None)
    return HardwareInfo(
        platform=platform.platform(),
        python=f"{platform.python_implementation()} {platform.python_version()}",
        cpu_model=_cpu_model(),
        logical_cpus=os.cpu_count() or 1,
        usable_cpus=usable_cpus(),
        total_memory_mb=round(_total_memory_mb(), 1),
        gpu_name=gpu_name,
        gpu_memory_mb=round(gpu_memory_mb, 1) if gpu_memory_mb is not None else None,
        library_versions=library_versions(),
    )


def detect_gpu(hardware: HardwareInfo | None = None) -> HardwareInfo:
    """``hardware`` (default: :func:`detect_hardware`) with the GPU fields filled by asking torch.

    Imports torch. Without torch or CUDA the GPU fields are ``None``.
    """
    hardware = hardware if hardware is not None else detect_hardware()
    try:
        import torch
    except ImportError:
        return dataclasses.replace(hardware, gpu_name=None, gpu_memory_mb=None)
    name, memory = _gpu_facts(torch)
    return dataclasses.replace(
        hardware, gpu_name=name, gpu_memory_mb=round(memory, 1) if memory is not None else None
    )


def resolve_device(name: str, *, caller: str = "resolve_device") -> str:
    """Turn a device request into the device to use: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    ``"auto"`` picks CUDA when torch sees a GPU, else the CPU. Imports torch unless ``name`` is ``"cpu"``.
    ``caller`` names the public function in error messages (e.g. ``"recommend"``).

    Raises:
        InvalidParameterError: an unknown name, or CUDA asked for where there is none.

    Example:
        >>> resolve_device("cpu")
        'cpu'
    """
    text = name.strip().lower() if isinstance(name, str) else name
    if text == "cpu":
        return "cpu"
    index: int | None = None
    if isinstance(text, str) and text.startswith("cuda:") and text[5:].isdigit():
        index = int(text[5:])
    elif text not in DEVICES:
        raise invalid_parameter("device", caller, "one of 'auto', 'cpu', 'cuda' or 'cuda:N'", name)
    try:
        import torch

        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    except ImportError:
        count = 0
    except Exception:  # noqa: BLE001 - a broken CUDA install has no usable GPU
        count = 0
    if text == "auto":
        return "cuda" if count else "cpu"
    if count == 0:
        raise invalid_parameter(
            "device", caller, "'cpu' or 'auto' on this machine: torch sees no CUDA GPU", name
        )
    if index is not None and index >= count:
        raise invalid_parameter("device", caller, f"a CUDA device index below {count}", name)
    return text
