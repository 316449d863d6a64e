"""Do repeated cost-only advise runs put the same candidates in the same latency order?

On a shared 2-core VM the clock drifts: the same model's p50 can move by a third between two runs a few
minutes apart, and candidates are measured one after another, so two close candidates can swap places
by the clock alone. This benchmark runs ``recommend(..., estimate_quality=False)`` ``--runs`` times on
the same sample and candidates and prints:

* each candidate's p50 and p90 in every run, and their spread across runs ((max - min) / median);
* how often one candidate's own p50 intervals from two runs do not overlap (the drift between runs that
  a within-run interval cannot show);
* for every pair of candidates, in how many pairs of runs their p50 order flips, and in how many of those
  flips both runs called the order clear: the two candidates' p50 intervals did not overlap.

The interval of a p50 is the notch of a box plot (McGill, Tukey and Larsen, 1978): median +- 1.57 IQR /
sqrt(n), with the IQR taken as ``noise * p50`` (``LatencyStats.noise`` is the median over inputs of
IQR/median of their repeated timings) and n the timed calls. A flip between two runs that each called the
order clear is a ranking the machine's drift made up; the target is none.

The sample is real text that is not the demo set: Debian package descriptions labelled by Section
(``benchmarks/_debian.py``; labels are not used here, only the texts' token lengths). Transformers
without local weights are built from their catalog architecture (random weights): latency is exact.

Usage::

    python benchmarks/ranking_stability.py [--runs 5] [--threads N] [--candidate NAME ...]

Run it on a quiet machine: anything else running is exactly the drift it measures.
"""

from __future__ import annotations

import argparse
import atexit
import itertools
import math
import os
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _figures import spread  # noqa: E402 - a sibling module, found through the line above

# Six encoders whose batch-1 latencies lie close together on a 2-core CPU: the pairs a drift can swap.
DEFAULT_CANDIDATES = (
    "sentence-transformers/all-MiniLM-L6-v2",
    "google/electra-small-discriminator",
    "huawei-noah/TinyBERT_General_4L_312D",
    "google/mobilebert-uncased",
    "distilbert-base-uncased",
    "albert-base-v2",
)
NOTCH = 1.57  # McGill et al.: the median's ~95% comparison interval is +- 1.57 IQR / sqrt(n)


@dataclass(frozen=True)
class Timing:
    """One candidate's latency in one run."""

    p50_ms: float
    p90_ms: float
    noise: float  # IQR/median of repeated timings (LatencyStats.noise)
    n: int  # timed calls
    low: float | None = None  # the p50's own 95% interval when the profile has one (ProfileResult.p50_interval_ms)
    high: float | None = None
    raw_p50_ms: float | None = None  # before drift correction (DriftCorrection.raw_p50_ms)
    sentinel_p50_ms: float | None = None  # the rounds' median sentinel: how fast the machine ran for this candidate
    rounds: int = 0  # timing rounds (calls per curve length)

    def interval(self) -> tuple[float, float]:
        """The p50's interval, in ms: the profile's own bootstrap interval, else the box-plot notch.

        Example:
            >>> Timing(10.0, 12.0, 0.1, 100).interval()
            (9.843, 10.157)
            >>> Timing(10.0, 12.0, 0.1, 100, low=9.5, high=10.4).interval()
            (9.5, 10.4)
        """
        if self.low is not None and self.high is not None:
            return self.low, self.high
        half = NOTCH * self.noise * self.p50_ms / math.sqrt(max(self.n, 1))
        return round(self.p50_ms - half, 6), round(self.p50_ms + half, 6)


def _clear(a: Timing, b: Timing) -> bool:
    """Whether the two p50 intervals do not overlap: the run called the order of ``a`` and ``b`` clear."""
    (a_low, a_high), (b_low, b_high) = a.interval(), b.interval()
    return a_high < b_low or b_high < a_low


@dataclass(frozen=True)
class PairFlips:
    first: str
    second: str
    comparisons: int  # pairs of runs
    flips: int  # pairs of runs that order the two differently
    clear_flips: int  # of those, the ones where both runs called their order clear


def pair_flips(runs: Sequence[Mapping[str, Timing]]) -> list[PairFlips]:
    """For each pair of candidates measured in every run: how often two runs order their p50s differently.

    Example:
        >>> runs = [{"a": Timing(10, 11, 0.01, 100), "b": Timing(12, 13, 0.01, 100)},
        ...         {"a": Timing(13, 14, 0.01, 100), "b": Timing(12, 13, 0.01, 100)}]
        >>> pair_flips(runs)
        [PairFlips(first='a', second='b', comparisons=1, flips=1, clear_flips=1)]
    """
    names = sorted(set.intersection(*(set(run) for run in runs))) if runs else []
    results = []
    for first, second in itertools.combinations(names, 2):
        comparisons = flips = clear_flips = 0
        for one, other in itertools.combinations(runs, 2):
            comparisons += 1
            before = one[first].p50_ms < one[second].p50_ms
            after = other[first].p50_ms < other[second].p50_ms
            if before != after:
                flips += 1
                if _clear(one[first], one[second]) and _clear(other[first], other[second]):
                    clear_flips += 1
        results.append(PairFlips(first, second, comparisons, flips, clear_flips))
    return results


def self_disagreements(runs: Sequence[Mapping[str, Timing]], name: str) -> tuple[int, int]:
    """(pairs of runs whose intervals for ``name``'s own p50 do not overlap, pairs of runs).

    A run's interval describes the noise within that run; when the same model's intervals from two runs
    are disjoint, the machine moved between them, which no within-run interval can show.

    Example:
        >>> self_disagreements([{"a": Timing(10, 11, 0.01, 100)}, {"a": Timing(12, 13, 0.01, 100)}], "a")
        (1, 1)
    """
    pairs = list(itertools.combinations([run[name] for run in runs if name in run], 2))
    return sum(_clear(one, other) for one, other in pairs), len(pairs)


def _measure(sample: Path, candidates: Sequence[str], threads: int | None) -> tuple[dict[str, Timing], dict[str, str]]:
    from modelpick import recommend

    # Measured again every run (use_cache=False); the machine's reference speed, kept in this benchmark's own
    # cache dir after the first run, is what later runs are corrected to.
    rec = recommend(sample=str(sample), candidates=list(candidates), estimate_quality=False, allow_download=False,
                    num_threads=threads, use_cache=False, variants=["eager"])
    timings, failed = {}, {}
    for result in rec.results:
        if result.profile is None:
            failed[result.name] = result.reason or result.status
            continue
        profile = result.profile
        latency = profile.latency
        low, high = profile.p50_interval_ms if profile.p50_interval_ms else (None, None)
        raw = profile.drift.raw_p50_ms if profile.drift else None
        sentinel = profile.drift.sentinel_p50_ms if profile.drift else None
        rounds = min(len(p.timings_ms) for p in profile.curve.points) if profile.curve else 0
        timings[result.name] = Timing(latency.p50_ms, latency.p90_ms, latency.noise, latency.n, low, high, raw,
                                      sentinel, rounds)
    return timings, failed


def _cpu_times() -> tuple[float, float]:
    """(busy + idle jiffies, steal jiffies) of the whole machine, from /proc/stat (zeros elsewhere)."""
    try:
        fields = [float(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0.0, 0.0
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0.0


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch threads per candidate (default: all)")
    parser.add_argument("--keep-cache", action="store_true",
                        help="use the user's modelpick cache dir (and its reference speed) instead of a fresh one")
    parser.add_argument("--candidate", action="append", dest="candidates", metavar="NAME",
                        help=f"repeat for several (default: {', '.join(DEFAULT_CANDIDATES)})")
    args = parser.parse_args(argv)
    candidates = tuple(args.candidates or DEFAULT_CANDIDATES)

    from _debian import describe, load_debian

    import tempfile

    from modelpick.hardware import detect_hardware

    if not args.keep_cache:
        os.environ["MODELPICK_CACHE_DIR"] = tempfile.mkdtemp(prefix="modelpick-bench-cache-")
        atexit.register(shutil.rmtree, os.environ["MODELPICK_CACHE_DIR"], True)  # a fresh cache each run
    dataset = load_debian(n_sections=3, per_section=12)
    hardware = detect_hardware()
    print(f"machine: {hardware.cpu_model}, {hardware.logical_cpus} CPUs; threads: {args.threads or 'all'}")
    print(f"sample: {describe(dataset)}")
    runs: list[dict[str, Timing]] = []
    for index in range(args.runs):
        started, load_before, (total_before, steal_before) = time.perf_counter(), _load(), _cpu_times()
        timings, failed = _measure(dataset.path, candidates, args.threads)
        total_after, steal_after = _cpu_times()
        steal = (steal_after - steal_before) / (total_after - total_before) if total_after > total_before else 0.0
        runs.append(timings)
        order = sorted(timings, key=lambda name: timings[name].p50_ms)
        print(f"run {index + 1}: {time.perf_counter() - started:.0f} s, load {load_before} -> {_load()}, "
              f"steal {steal:.1%}; p50 order: " + " < ".join(_short(name) for name in order)
              + (f"; failed: {failed}" if failed else ""), flush=True)
        for name in order:
            t = timings[name]
            print(f"    {_short(name):34} p50 {t.p50_ms:7.2f}  raw {t.raw_p50_ms or 0:7.2f}  "
                  f"sentinel {t.sentinel_p50_ms or 0:6.3f} ms  rounds {t.rounds:3}  noise {t.noise:5.1%}", flush=True)

    names = [name for name in candidates if all(name in run for run in runs)]
    print("\nlatency at batch size 1, ms (p50 [interval] / p90), per run; spread = (max - min) / median; "
          "interval: the profile's bootstrap interval (else the box-plot notch)")
    for name in names:
        cells = "  ".join(
            f"{run[name].p50_ms:6.2f} [{run[name].interval()[0]:.2f}-{run[name].interval()[1]:.2f}] / "
            f"{run[name].p90_ms:6.2f}" for run in runs
        )
        p50s, p90s = [run[name].p50_ms for run in runs], [run[name].p90_ms for run in runs]
        disjoint, pairs = self_disagreements(runs, name)
        raws = [run[name].raw_p50_ms for run in runs]
        uncorrected = f", uncorrected p50 spread {spread(raws):5.1%}" if all(r is not None for r in raws) else ""
        print(f"  {_short(name):34} {cells}  | p50 spread {spread(p50s):5.1%}, p90 spread {spread(p90s):5.1%}"
              f"{uncorrected}, own p50 intervals disjoint in {disjoint}/{pairs} pairs of runs")

    flips = pair_flips(runs)
    total = sum(f.comparisons for f in flips)
    print(f"\norder flips between two runs, per pair of candidates ({args.runs} runs: "
          f"{math.comb(args.runs, 2)} pairs of runs each)")
    for pair in flips:
        if pair.flips:
            print(f"  {_short(pair.first):34} vs {_short(pair.second):34} flips {pair.flips:2}, "
                  f"with both orders clear {pair.clear_flips:2}")
    all_flips, clear = sum(f.flips for f in flips), sum(f.clear_flips for f in flips)
    print(f"total: {all_flips} flips in {total} comparisons; {clear} with non-overlapping intervals in both runs "
          "(target: 0)")
    return 0 if clear == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
