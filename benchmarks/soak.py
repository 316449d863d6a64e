"""Does a long-lived process that calls `modelpick.recommend` again and again leak? (issue 8, point 8)

Run: python benchmarks/soak.py [--runs 20] [--sample-size 120] [--no-render]

One process runs ``--runs`` consecutive ``modelpick.recommend(...)`` calls on a stratified part of the
built-in demo sample (``--sample-size`` texts; 0 for all 480) with the scikit-learn baselines and tiny
BERT, DistilBERT and ALBERT checkpoints (random weights, saved here with ``save_tiny_model``), each run
also rendering its HTML report (matplotlib) unless ``--no-render``. Every candidate is measured in
spawned children, so the parent is where leaks would pile up: unclosed pipes, temporary folders, SQLite
connections, figures, threads, live children.

After each run (and a garbage collection) the parent's RSS, open file descriptors, threads and live
child processes (recursive) are recorded, with the entries left in a private temporary folder that the
run and its children write to (``TMPDIR``). Printed: one row per run, then RSS growth from the first run
to the last and its slope over the last 10 runs (MB per run), FD, thread and temporary-entry growth
(with what each new descriptor points at), and the children still alive at the end.

CPython's multiprocessing resource tracker is counted apart from the children: the first spawned child
starts it, and it lives, one per process, until the parent exits (it would unlink leaked semaphores
then). One is expected; more, or any other child, is a leak.

Targets: no growth beyond noise (an RSS slope of a fraction of a MB per run, FDs and threads flat after the
first run) and no leftover children. The first run is the warm-up: it imports torch, transformers,
scikit-learn and matplotlib into the parent, so growth is counted from it, not from before it.

Exit status: 0 when the targets are met, 1 when a figure grew or a child was left over.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ARCHITECTURES = ("bert", "distilbert", "albert")
BASELINES = ("majority-class", "tfidf-logreg", "tfidf-linearsvm")
# Allocator noise: RSS may wander by a few MB between runs, so only a steady climb is a leak.
RSS_SLOPE_LIMIT_MB = 0.5
TAIL_RUNS = 10


@dataclass(frozen=True)
class Sample:
    """The parent process after one run."""

    run: int
    seconds: float
    rss_mb: float
    fds: int
    threads: int
    children: int  # live descendants other than the resource tracker
    temp_entries: int
    figures: int  # open matplotlib figures (0 when matplotlib was never imported)
    trackers: int = 0  # multiprocessing resource trackers (one per process once a child was spawned)
    fd_targets: tuple[str, ...] = ()  # what each open descriptor points at, where the OS says


def slope(values: Sequence[float]) -> float:
    """The least-squares slope of ``values`` against their index (units per run); 0 for fewer than two.

    Example:
        >>> slope([1.0, 3.0, 5.0])
        2.0
        >>> slope([4.0])
        0.0
    """
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    variance = sum((x - mean_x) ** 2 for x in range(n))
    return covariance / variance


def new_descriptors(before: Sequence[str], after: Sequence[str]) -> list[str]:
    """What the descriptors open in ``after`` but not in ``before`` point at, pipes and sockets by kind.

    Example:
        >>> new_descriptors(["/dev/null", "pipe:[7]"], ["/dev/null", "pipe:[7]", "pipe:[9]", "/tmp/x.db", "pipe:[8]"])
        ['/tmp/x.db', 'pipe x2']
    """
    def kind(target: str) -> str:
        return target.split(":", 1)[0] if target.endswith("]") and ":[" in target else target

    left = list(before)
    counts: dict[str, int] = {}
    for target in after:
        if target in left:
            left.remove(target)
        else:
            counts[kind(target)] = counts.get(kind(target), 0) + 1
    return [name if n == 1 else f"{name} x{n}" for name, n in sorted(counts.items())]


def summarize(samples: Sequence[Sample], *, tail: int = TAIL_RUNS) -> tuple[list[str], bool]:
    """The summary lines of a soak and whether it met the targets.

    Growth is counted from the first run (the warm-up that imports the heavy libraries) to the last.

    Example:
        >>> flat = [Sample(i, 1.0, 500.0, 20, 4, 0, 0, 0, trackers=1) for i in range(1, 4)]
        >>> lines, ok = summarize(flat)
        >>> ok, lines[0]
        (True, 'RSS: 500.0 MB after run 1, 500.0 MB after run 3: +0.0 MB; slope over the last 3 runs +0.00 MB/run')
    """
    if not samples:
        return ["no runs"], False
    first, last = samples[0], samples[-1]
    window = samples[-tail:]
    rss_slope = slope([s.rss_mb for s in window])
    growth = {
        "FDs": last.fds - first.fds,
        "threads": last.threads - first.threads,
        "temporary entries": last.temp_entries - first.temp_entries,
        "open figures": last.figures - first.figures,
    }
    lines = [
        f"RSS: {first.rss_mb:.1f} MB after run {first.run}, {last.rss_mb:.1f} MB after run {last.run}: "
        f"{last.rss_mb - first.rss_mb:+.1f} MB; slope over the last {len(window)} runs {rss_slope:+.2f} MB/run",
        *(f"{name}: {getattr(first, _FIELD[name])} -> {getattr(last, _FIELD[name])} ({delta:+d})"
          for name, delta in growth.items()),
        f"live children at the end: {last.children} (and {last.trackers} multiprocessing resource tracker)",
    ]
    opened = new_descriptors(first.fd_targets, last.fd_targets)
    if opened:
        lines.insert(2, f"  opened since run {first.run} and still open: {', '.join(opened)}")
    ok = (
        rss_slope <= RSS_SLOPE_LIMIT_MB and all(delta <= 0 for delta in growth.values())
        and last.children == 0 and last.trackers <= 1
    )
    lines.append(
        f"targets: RSS slope <= {RSS_SLOPE_LIMIT_MB} MB/run, no FD/thread/temporary-entry/figure growth, "
        f"0 children, at most 1 resource tracker: {'met' if ok else 'NOT met'}"
    )
    return lines, ok


_FIELD = {"FDs": "fds", "threads": "threads", "temporary entries": "temp_entries", "open figures": "figures"}


def _open_figures() -> int:
    """Matplotlib figures still alive after a collection: modelpick draws without pyplot (whose figure
    manager would list them), so a figure kept by mistake is found among the live objects."""
    figure = sys.modules.get("matplotlib.figure")
    if figure is None:
        return 0
    gc.collect()
    # type(), not isinstance(): isinstance reads __class__, which warns on torch's deprecated module proxies.
    return sum(1 for obj in gc.get_objects() if issubclass(type(obj), figure.Figure))


def _fd_targets() -> tuple[str, ...]:
    folder = Path("/proc/self/fd")
    if not folder.is_dir():  # not Linux: the count alone still says whether descriptors pile up
        return ()
    targets = []
    for fd in folder.iterdir():
        try:
            targets.append(os.readlink(fd))
        except OSError:  # the descriptor listdir itself used, closed by now
            continue
    return tuple(sorted(targets))


def _is_resource_tracker(process) -> bool:
    import psutil

    try:
        return any("multiprocessing.resource_tracker" in part for part in process.cmdline())
    except psutil.Error:  # gone (or hidden) since it was listed
        return False


def _sample(run: int, seconds: float, temp: Path) -> Sample:
    import psutil

    gc.collect()
    me = psutil.Process()
    children = me.children(recursive=True)
    trackers = sum(1 for child in children if _is_resource_tracker(child))
    return Sample(
        run=run, seconds=seconds, rss_mb=me.memory_info().rss / 2**20, fds=me.num_fds(), threads=me.num_threads(),
        children=len(children) - trackers, temp_entries=sum(1 for _ in temp.iterdir()), figures=_open_figures(),
        trackers=trackers, fd_targets=_fd_targets(),
    )


def stratified_part(sample, size: int):
    """The first ``size`` texts taking the classes in turn, so every class keeps its share."""
    from modelpick.data import DatasetSample

    if size <= 0 or size >= sample.n:
        return sample
    by_class: dict[str, list[tuple[str, str]]] = {}
    for text, label in zip(sample.texts, sample.labels, strict=True):
        by_class.setdefault(label, []).append((text, label))
    queues = [iter(rows) for _, rows in sorted(by_class.items())]
    picked: list[tuple[str, str]] = []
    while len(picked) < size and queues:
        for queue in list(queues):
            row = next(queue, None)
            if row is None:
                queues.remove(queue)
            elif len(picked) < size:
                picked.append(row)
    return DatasetSample(texts=[t for t, _ in picked], labels=[lab for _, lab in picked],
                         source=f"{sample.source} (first {size}, stratified)", text_column=sample.text_column,
                         label_column=sample.label_column)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="consecutive recommend() calls (default 20)")
    parser.add_argument("--sample-size", type=int, default=120, help="texts of the demo sample to use (0: all)")
    parser.add_argument("--threads", type=int, default=1, help="threads per measuring child (default 1)")
    parser.add_argument("--max-profile-time-s", type=float, default=1.0, help="latency loop cap per candidate")
    parser.add_argument("--no-render", action="store_true", help="do not render each run's HTML report")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error(f"--runs must be at least 2 to measure growth. Got {args.runs} instead.")

    with tempfile.TemporaryDirectory(prefix="modelpick-soak-") as folder:
        root = Path(folder)
        temp = root / "tmp"
        temp.mkdir()
        # Everything the runs and their spawned children put in the temporary folder lands here, where
        # nothing else on the machine writes, so a leftover entry is theirs.
        os.environ["TMPDIR"] = str(temp)
        tempfile.tempdir = str(temp)

        import modelpick
        from modelpick.api import builtin_sample
        from modelpick.report import render
        from modelpick.testing.tiny_models import save_tiny_model

        models = root / "models"
        candidates = [str(save_tiny_model(kind, models / f"tiny-{kind}")) for kind in ARCHITECTURES]
        candidates += list(BASELINES)
        sample = stratified_part(builtin_sample(), args.sample_size)
        print(f"{args.runs} runs of recommend() on the demo sample ({len(sample.texts)} texts), candidates: "
              f"{', '.join(ARCHITECTURES)} (tiny, random weights), {', '.join(BASELINES)}; "
              f"HTML report rendered: {'no' if args.no_render else 'yes'}")
        print(f"{'run':>4} {'s':>6} {'RSS MB':>8} {'FDs':>5} {'threads':>7} {'children':>8} {'tracker':>7} "
              f"{'tmp':>4} {'figs':>4}  best")
        samples = []
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            rec = modelpick.recommend(
                sample=sample, candidates=candidates, num_threads=args.threads,
                max_profile_time_s=args.max_profile_time_s, random_state=run,
            )
            if not args.no_render:
                render(rec, "html")
            seconds = time.perf_counter() - started
            best = rec.best.name if rec.best is not None else "-"
            del rec
            s = _sample(run, seconds, temp)
            samples.append(s)
            print(f"{s.run:4d} {s.seconds:6.1f} {s.rss_mb:8.1f} {s.fds:5d} {s.threads:7d} {s.children:8d} "
                  f"{s.trackers:7d} {s.temp_entries:4d} {s.figures:4d}  {Path(best).name}", flush=True)
        lines, ok = summarize(samples)
        print()
        print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
