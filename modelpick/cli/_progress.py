"""Progress on stderr while candidates are measured: a bar on a terminal, one line per step in logs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["progress_printer"]

_STAGES = {"start": "starting", "resolve": "finding weights", "profile": "measuring cost",
           "estimate": "estimating accuracy"}


class _ProgressBar:
    """A rich progress bar over candidates on stderr, for terminals."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=False,
        )
        self._task: Any = None
        self._studies: dict[str, Any] = {}  # one bar per candidate's study: trial i/n, best so far, time left

    def _tune(self, event: Any) -> None:
        if not self._progress.live.is_started:
            self._progress.start()
        bar = self._studies.get(event.candidate)
        if bar is None:
            bar = self._studies[event.candidate] = self._progress.add_task("", total=event.steps or None)
        self._progress.update(
            bar, completed=event.step, total=event.steps or None, description=f"tune {event.candidate}: {event.message}"
        )

    def close(self) -> None:
        if self._progress.live.is_started:
            self._progress.stop()

    def __call__(self, event: Any) -> None:
        if event.stage == "tune":
            self._tune(event)
            return
        if self._task is None:
            if not self._progress.live.is_started:
                self._progress.start()
            self._task = self._progress.add_task("", total=event.total)
        if event.stage == "finish":
            # Measuring ends with "finish", and so does tuning when it follows; each stop leaves the bars shown.
            self._progress.update(self._task, description="done")
            self._progress.stop()
            return
        if event.stage in ("done", "failed"):
            if event.stage == "failed":
                self._progress.console.print(f"{event.candidate}: FAILED: {event.message}", markup=False)
            self._progress.advance(self._task)
            return
        stage = _STAGES.get(event.stage, event.stage)
        self._progress.update(self._task, description=f"{event.candidate}: {stage}")


def _log_lines() -> Callable[[Any], None]:
    started: dict[str, float] = {}

    def show(event: Any) -> None:
        prefix = f"[{event.index + 1}/{event.total}] {event.candidate}"
        if event.stage == "start":
            started[event.candidate] = time.perf_counter()
            print(f"{prefix} ...", file=sys.stderr, flush=True)
        elif event.stage == "tune":
            print(f"tune {event.candidate}: {event.message}", file=sys.stderr, flush=True)
        elif event.stage in ("profile", "estimate"):
            print(f"{prefix}: {_STAGES[event.stage]}", file=sys.stderr, flush=True)
        elif event.stage in ("done", "failed"):
            seconds = time.perf_counter() - started.get(event.candidate, time.perf_counter())
            outcome = "ok" if event.stage == "done" else f"FAILED: {event.message}"
            print(f"{prefix}: {outcome} ({seconds:.1f} s)", file=sys.stderr, flush=True)

    return show


@contextmanager
def progress_printer(quiet: bool) -> Iterator[Callable[[Any], None] | None]:
    """Progress on stderr while the block runs: a bar on a terminal, one line per step in logs (CI),
    nothing with ``quiet``.

    A bar that is still live when the block ends (Ctrl-C, an error) is stopped, which gives the terminal
    its cursor back.
    """
    if quiet:
        yield None
    elif not sys.stderr.isatty():
        yield _log_lines()
    else:
        bar = _ProgressBar()
        try:
            yield bar
        finally:
            bar.close()
