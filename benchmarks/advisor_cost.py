"""What an advise run costs: 1, 3 and 6 transformer candidates, cold and warm cache, against a benchmark protocol.

For each candidate count, ``recommend()`` (no tuning; accuracy by linear probe where weights exist) runs
twice on the same real sample:

* **cold**: no cached measurement of these candidates (the machine's calibration, its reference speed
  and matmul peak, measured once per machine, is kept);
* **warm**: the same call again, which reads the cost figures from the measurement cache.

Each run's wall time is split into its steps (``Recommendation.durations_s``): finding weights, cost,
accuracy. The cost step is set against the time optimum-benchmark's default protocol would need for the
same models and shapes (10 warm-up calls, then at least 10 timed calls and at least 10 s per shape),
computed from those rules and the per-shape latencies this run measured: every length of each
candidate's curve (grid and held-out) is a shape at batch size 1. Target: the cold cost step within a
third of the protocol's time.

Last, two more cold runs of the 6 candidates give the spread of each p50 between runs, as measured and
after drift correction. Target: under 5% after correction.

The sample is real text that is not the demo set: Debian package descriptions labelled by Section
(``benchmarks/_debian.py``). Run it on a quiet machine::

    python benchmarks/advisor_cost.py [--threads N]
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _figures import spread  # noqa: E402 - a sibling module, found through the line above

CANDIDATES = (
    "sentence-transformers/all-MiniLM-L6-v2",
    "google/electra-small-discriminator",
    "huawei-noah/TinyBERT_General_4L_312D",
    "distilbert-base-uncased",
    "google/mobilebert-uncased",
    "albert-base-v2",
)
WARMUP_CALLS, MIN_CALLS, MIN_SECONDS = 10, 10, 10.0  # optimum-benchmark's defaults per shape


def protocol_seconds(latency_ms: float) -> float:
    """Time optimum-benchmark's default protocol spends on one shape whose call takes ``latency_ms``.

    Example:
        >>> protocol_seconds(5.0)  # 10 warm-ups (0.05 s), then 10 s of calls (2000 >= 10 calls)
        10.05
        >>> round(protocol_seconds(2000.0), 2)  # 10 warm-ups (20 s), then 10 calls (20 s >= 10 s)
        40.0
    """
    seconds = latency_ms / 1000.0
    return WARMUP_CALLS * seconds + max(MIN_CALLS * seconds, MIN_SECONDS)


def _shapes_ms(rec) -> dict[str, list[float]]:
    """Per candidate with a latency curve: the median call at each measured length, as measured."""
    shapes = {}
    for result in rec.results:
        profile = result.profile
        if profile is not None and profile.curve is not None:
            shapes[result.name] = [statistics.median(p.timings_ms) for p in profile.curve.points]
    return shapes


def _forget_measurements(cache_path: Path) -> None:
    from modelpick.profiling._cache import MeasurementCache

    cache = MeasurementCache(cache_path)
    for kind in ("cost", "token-lengths"):
        cache.clear(kind)


def _run(sample: Path, candidates: Sequence[str], threads: int | None):
    from modelpick import recommend

    started = time.perf_counter()
    rec = recommend(sample=str(sample), candidates=list(candidates), allow_download=False, num_threads=threads,
                    variants=["eager"])
    return rec, time.perf_counter() - started


def _steps(rec, wall: float) -> str:
    d = rec.durations_s
    return (f"{wall:6.1f} s (weights {d.get('resolve', 0):.1f}, cost {d.get('cost', 0):5.1f}, "
            f"accuracy {d.get('accuracy', 0):5.1f})")


def _p50s(rec) -> tuple[dict[str, float], dict[str, float]]:
    corrected, raw = {}, {}
    for result in rec.results:
        if result.profile is not None:
            corrected[result.name] = result.profile.latency.p50_ms
            if result.profile.drift is not None:
                raw[result.name] = result.profile.drift.raw_p50_ms
    return corrected, raw


def _drift_seen(rec) -> str:
    """The run's sentinel against the reference, and the factor the figures were scaled by."""
    drifts = [r.profile.drift for r in rec.results if r.profile is not None and r.profile.drift is not None]
    if not drifts:
        return "no drift correction"
    drift = drifts[0]  # one factor per run: every candidate of the run carries the same
    return (f"sentinel {drift.sentinel_p50_ms:.3f} ms (candidates' {drift.sentinel_min_ms:.3f}-"
            f"{drift.sentinel_max_ms:.3f}), reference {drift.reference_ms:.3f} ms, scaled by {drift.correction:.3f}")


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _spread_rows(first: Mapping[str, float], second: Mapping[str, float]) -> list[tuple[str, float, float, float]]:
    return [(name, first[name], second[name], spread([first[name], second[name]])) for name in first if name in second]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None, help="torch threads per candidate (default: all)")
    args = parser.parse_args(argv)

    from _debian import describe, load_debian

    from modelpick.hardware import detect_hardware
    from modelpick.profiling._cache import default_cache_path

    os.environ["MODELPICK_CACHE_DIR"] = tempfile.mkdtemp(prefix="modelpick-bench-cache-")
    atexit.register(shutil.rmtree, os.environ["MODELPICK_CACHE_DIR"], True)  # each run's own fresh cache
    cache_path = default_cache_path()
    dataset = load_debian(n_sections=3, per_section=40)
    hardware = detect_hardware()
    print(f"machine: {hardware.cpu_model}, {hardware.logical_cpus} CPUs; threads: {args.threads or 'all'}")
    print(f"sample: {describe(dataset)}")

    print("\ncandidates | cold: wall (steps) | warm: wall (steps) | protocol for the same shapes | cold cost / protocol")
    worst = 0.0
    for count in (1, 3, 6):
        names = CANDIDATES[:count]
        _forget_measurements(cache_path)
        cold, cold_wall = _run(dataset.path, names, args.threads)
        warm, warm_wall = _run(dataset.path, names, args.threads)
        from_cache = sum(1 for r in warm.results if r.profile is not None and r.profile.reused_from == "cache")
        shapes = _shapes_ms(cold)
        protocol = sum(protocol_seconds(ms) for values in shapes.values() for ms in values)
        n_shapes = sum(len(values) for values in shapes.values())
        ratio = cold.durations_s.get("cost", cold_wall) / protocol
        worst = max(worst, ratio)
        failed = [r.name for r in cold.results if r.status != "ok"]
        print(f"{count} | {_steps(cold, cold_wall)} | {_steps(warm, warm_wall)}, {from_cache}/{count} from cache | "
              f"{protocol:6.1f} s ({n_shapes} shapes) | {ratio:.2f}" + (f" | failed: {failed}" if failed else ""),
              flush=True)

    print("\np50 of two cold runs of the 6 candidates, ms: corrected (as measured) | spread corrected (as measured)")
    runs = []
    for index in range(2):
        _forget_measurements(cache_path)
        rec, _ = _run(dataset.path, CANDIDATES, args.threads)
        runs.append(_p50s(rec))
        print(f"  cold run {index + 1}: {_drift_seen(rec)}", flush=True)
    corrected = _spread_rows(runs[0][0], runs[1][0])
    raw = {name: s for name, _, _, s in _spread_rows(runs[0][1], runs[1][1])}
    raw_values = {name: (runs[0][1].get(name), runs[1][1].get(name)) for name in runs[0][1]}
    for name, one, other, s in corrected:
        r1, r2 = raw_values.get(name, (None, None))
        print(f"  {_short(name):34} {one:8.2f} / {other:8.2f} ({r1:.2f} / {r2:.2f}) | "
              f"{s:5.1%} ({raw.get(name, float('nan')):5.1%})")
    largest = max(s for *_, s in corrected) if corrected else float("nan")
    print(f"\nlargest cold cost / protocol: {worst:.2f} (target <= 0.33); largest corrected p50 spread: "
          f"{largest:.1%} (target < 5%)")
    return 0 if worst <= 1 / 3 and largest < 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
