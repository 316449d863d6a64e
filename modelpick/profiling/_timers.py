"""Clocks for one call: ``perf_counter`` on CPU, CUDA events on a GPU.

A timer takes a zero-argument callable, calls it once and returns the seconds it took. The measuring
loop (:func:`modelpick.profiling._stats.measure`) is written against this shape only, so the same loop
serves CPU and GPU profilers and the benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["CudaEventTimer", "Timer", "perf_counter_timer"]

Timer = Callable[[Callable[[], Any]], float]


def perf_counter_timer(call: Callable[[], Any]) -> float:
    """Seconds one synchronous call takes, by ``time.perf_counter``.

    Example:
        >>> perf_counter_timer(lambda: sum(range(10))) >= 0
        True
    """
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


class CudaEventTimer:
    """Seconds one call takes on the GPU, between two CUDA events.

    Kernels run asynchronously: a host clock would time the launch, not the work. The device is
    synchronized before the start event (so earlier work is not billed to this call) and the end event
    is waited on before reading the time.
    """

    name = "cuda events"

    def __init__(self) -> None:
        import torch

        self._torch = torch
        self._start = torch.cuda.Event(enable_timing=True)
        self._end = torch.cuda.Event(enable_timing=True)

    def __call__(self, call: Callable[[], Any]) -> float:
        self._torch.cuda.synchronize()
        self._start.record()
        call()
        self._end.record()
        self._end.synchronize()
        return self._start.elapsed_time(self._end) / 1000.0  # elapsed_time is in ms
