"""Are the int8 rows' speed-ups real? PyTorch dynamic int8 against a second runtime's int8.

modelpick's ``[int8]`` rows (``torch.ao.quantization.quantize_dynamic``, fbgemm/x86 kernels) came out 2-11x
faster than the eager fp32 rows on an AMD EPYC, more than dynamic int8 usually gives. Two things could
explain it: torch's fp32 kernels being slow on this CPU (its measured fp32 matmul peak is half of ONNX
Runtime's), or a timing error. This times one fixed batch-1 input per model and length four ways, in one
process, at the same thread count:

* ``torch fp32``: the model as loaded (modelpick's eager variant);
* ``torch int8``: modelpick's int8 variant;
* ``ORT fp32``: modelpick's onnx variant (the exported graph in ONNX Runtime);
* ``ORT int8``: that same graph quantized by ``onnxruntime.quantization.quantize_dynamic`` (int8 weights per
  channel, activations quantized at run time: the same scheme as torch's), in the same session options.

If torch's int8 speed-up is real, torch int8 lands near ORT int8, and the fp32 gap between torch and ONNX
Runtime accounts for the rest. Runtimes are timed in turns (``--repeats`` rounds, each runtime's median
over ``--calls`` calls per round), and the median of the rounds is printed.

Usage::

    python benchmarks/int8_crosscheck.py [--lengths 16 64 128] [--repeats 5] [--calls 30]

Needs the onnx extra (``pip install -c constraints-cpu.txt -e ".[onnx]"``). Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_fidelity import _cpu_model, _fixed_input, _usable_cpus, _weights_for  # noqa: E402 - a sibling module

MODELS = ("sentence-transformers/all-MiniLM-L6-v2", "distilbert-base-uncased")
RUNTIMES = ("torch fp32", "torch int8", "ORT fp32", "ORT int8")


def _ort_int8(onnx_runner, workdir: Path, threads: int):
    """The onnx variant's graph quantized by ONNX Runtime's dynamic quantization, run like the fp32 one."""
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from modelpick.candidates.variants.onnx import OnnxRunner, _session

    quantized = workdir / "model.int8.onnx"
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process the graph (shape inference) changes no timing
    try:
        quantize_dynamic(workdir / "model.onnx", quantized, per_channel=True, weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)
    session = _session(onnxruntime, quantized, "cpu", threads)
    return OnnxRunner(session, onnx_runner.input_names, None)


def _median_ms(call, calls: int) -> float:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=_usable_cpus())
    parser.add_argument("--lengths", type=int, nargs="+", default=[16, 64, 128])
    parser.add_argument("--repeats", type=int, default=5, help="rounds, each runtime in turn")
    parser.add_argument("--calls", type=int, default=30, help="calls per runtime per round")
    args = parser.parse_args(argv)

    import onnxruntime
    import torch

    from modelpick.candidates.variants import get_variant
    from modelpick.data._sample import DataSplit
    from modelpick.profiling import ProfileSettings
    from modelpick.profiling._sanity import matmul_peak_gflops, onnxruntime_matmul_peak_gflops
    from modelpick.profiling.transformer import TransformerProfiler

    settings = ProfileSettings(num_threads=args.threads)
    profiler = TransformerProfiler()
    threads = profiler.configure(settings)
    print(f"machine: {_cpu_model()}, usable CPUs {_usable_cpus()}; threads {threads}")
    print(f"torch {torch.__version__} (quantized engine {torch.backends.quantized.engine}), "
          f"onnxruntime {onnxruntime.__version__}")
    print(f"fp32 matmul peak: torch {matmul_peak_gflops():.0f} GFLOP/s, "
          f"ONNX Runtime {onnxruntime_matmul_peak_gflops(num_threads=threads):.0f} GFLOP/s")
    print(f"{args.repeats} rounds x {args.calls} calls per runtime, batch 1; medians in ms\n")
    header = (f"{'model':<40} {'len':>4} " + " ".join(f"{name:>10}" for name in RUNTIMES)
              + f" {'torch int8/fp32':>15} {'ORT int8/fp32':>13} {'torch int8 / ORT int8':>21}")
    print(header)
    print("-" * len(header))
    empty = DataSplit((), (), (), (), 0)
    for name in MODELS:
        candidate, weights, _ = _weights_for(name)
        loaded = profiler.load(candidate, weights, empty, settings)
        with tempfile.TemporaryDirectory(prefix="int8-crosscheck-") as scratch:
            for length in args.lengths:
                inputs = _fixed_input(loaded, length, seed=length)
                workdir = Path(scratch, str(length))
                runners = {
                    "torch fp32": get_variant("eager").prepare(loaded.model, example_inputs=inputs, device="cpu",
                                                               num_threads=threads, workdir=workdir),
                    "torch int8": get_variant("int8").prepare(loaded.model, example_inputs=inputs, device="cpu",
                                                              num_threads=threads, workdir=workdir),
                    "ORT fp32": get_variant("onnx").prepare(loaded.model, example_inputs=inputs, device="cpu",
                                                            num_threads=threads, workdir=workdir),
                }
                runners["ORT int8"] = _ort_int8(runners["ORT fp32"], workdir, threads)
                for runner in runners.values():  # warm-up: first calls pay for lazy set-up
                    for _ in range(3):
                        runner(inputs)
                rounds: dict[str, list[float]] = {runtime: [] for runtime in RUNTIMES}
                for _ in range(args.repeats):
                    for runtime in RUNTIMES:
                        rounds[runtime].append(_median_ms(lambda r=runners[runtime]: r(inputs), args.calls))
                ms = {runtime: statistics.median(values) for runtime, values in rounds.items()}
                print(f"{name:<40} {length:>4} " + " ".join(f"{ms[runtime]:>10.2f}" for runtime in RUNTIMES)
                      + f" {ms['torch fp32'] / ms['torch int8']:>14.2f}x {ms['ORT fp32'] / ms['ORT int8']:>12.2f}x"
                      + f" {ms['torch int8'] / ms['ORT int8']:>21.2f}", flush=True)
                del runners
        del loaded
    return 0


if __name__ == "__main__":
    sys.exit(main())
