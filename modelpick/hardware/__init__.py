"""The machine measurements are taken on.

:func:`detect_hardware` describes it without importing torch; :func:`detect_gpu` adds the GPU (imports
torch); :func:`default_num_threads` and :func:`resolve_device` turn "use what is there" into numbers
and device names.
"""

from __future__ import annotations

from modelpick.hardware._detect import (
    default_num_threads,
    detect_gpu,
    detect_hardware,
    library_versions,
    resolve_device,
    usable_cpus,
)

__all__ = [
    "default_num_threads",
    "detect_gpu",
    "detect_hardware",
    "library_versions",
    "resolve_device",
    "usable_cpus",
]
