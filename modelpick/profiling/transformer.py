"""Profiler for Hugging Face encoder candidates (``kind = "transformer"``).

Latency is one forward pass on ``latency_batch_size`` rows (1 by default) as long as the sample's texts
tokenized by the candidate's own tokenizer (truncated to what the model can take). An architecture-only
candidate has no tokenizer: its lengths are approximated from the texts (regex word/punctuation pieces + 2 special
tokens) and filled with seeded random token ids, which costs the model exactly what real ids would.

Every row is timed in its deployment variant (``TransformerCandidate.variant``; see
:mod:`modelpick.candidates.variants`): once the inputs exist, the variant turns the loaded model into a
runner (the model itself for ``eager``; a quantized copy, an ONNX Runtime session or a half-precision
copy for the others) and every timed call goes through it. The FLOPs of each input are counted on the
fp32 model first (a variant computes the same products), then a non-eager variant drops the fp32 model,
and the peak memory restarts there, so a row's memory is what its runner holds and uses.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, ClassVar

from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.data._sample import DataSplit, approximate_token_lengths
from modelpick.exceptions import ProfilingError
from modelpick.profiling._base import Checks, PreparedInputs, Profiler, cyclic_batches
from modelpick.profiling._curve import held_out_lengths, length_grid
from modelpick.profiling._drift import Sentinel, torch_sentinel
from modelpick.profiling._memory import release_and_reset_peak_rss
from modelpick.profiling._sanity import (
    SANITY_MARGIN,
    check_sanity,
    count_forward_flops,
    matmul_peak_gflops,
    onnxruntime_matmul_peak_gflops,
)
from modelpick.profiling._settings import ProfileSettings
from modelpick.profiling._timers import CudaEventTimer, Timer, perf_counter_timer

__all__ = ["TransformerProfiler"]

_SPECIAL_ID_FIELDS = ("pad_token_id", "bos_token_id", "eos_token_id", "sep_token_id", "cls_token_id",
                      "unk_token_id", "mask_token_id")
APPROXIMATED_PREFIX = "approximated: regex word/punctuation pieces + 2 special tokens"
# Variants whose FLOP rate the fp32 matmul peak bounds, so the sanity gate applies to them.
FP32_VARIANTS = frozenset({"eager", "onnx"})
# Share of a forward's FLOPs reading weights only (DeBERTa-v3's relative-position projections: 60-90% on
# short texts) above which a row says so: it explains a slow eager row, and what folding constants saves.
WEIGHTS_ONLY_NOTED = 0.05


@dataclass
class _Loaded:
    """The loaded model, and once the inputs are prepared, the variant's runner that replaces it."""

    model: Any  # the fp32 model as loaded; None once a non-eager variant's runner replaced it
    tokenizer: Any  # None when the weights came without one
    config: Any
    parameters: int
    weights_on_disk_mb: float | None
    device: str
    max_length: int
    accepted: frozenset[str]  # model inputs forward() names explicitly
    has_weights: bool  # real weights (False: architecture-only, random weights)
    variant: str = "eager"
    runner: Any = None  # the Runner every call goes through (set by prepare_inputs)
    flops: tuple[int, ...] = ()  # FLOPs one call executes on each PreparedInputs.single, counted on the fp32 model
    weights_only_flops: int = 0  # FLOPs over every PreparedInputs.single that read weights only (foldable)
    counted_flops: int = 0  # every FLOP counted over them
    runtime: dict[str, str] = field(default_factory=dict)  # the runner's describe(), and its weights' size
    peak_reset: bool = False  # whether the peak RSS restarted once the runner was ready


class TransformerProfiler(Profiler):
    """Cost of a transformer encoder: forward latency, tokenization, throughput, memory, FLOP sanity."""

    kind: ClassVar[str] = "transformer"
    baseline_imports: ClassVar[tuple[str, ...]] = ("torch", "transformers")
    baseline_attributes: ClassVar[tuple[tuple[str, str], ...]] = (
        ("transformers", "AutoConfig"), ("transformers", "AutoModel"), ("transformers", "AutoTokenizer"),
    )

    def __init__(self) -> None:
        self._timer: Timer | None = None
        self._threads_before: int | None = None
        self._workdir: str | None = None  # files a variant writes (an exported graph), removed by close()

    def configure(self, settings: ProfileSettings) -> int:
        import torch

        self._threads_before = torch.get_num_threads()
        torch.set_num_threads(settings.num_threads)
        try:
            # One inter-op thread: a batch-1 forward has no independent ops to overlap, and a second
            # pool would compete with the intra-op threads for the same cores.
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass  # settable only before inter-op work started; a fresh child always can
        return torch.get_num_threads()

    def close(self) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        if self._threads_before is not None:
            import torch

            torch.set_num_threads(self._threads_before)  # inter-op threads cannot be changed back
            self._threads_before = None

    def baseline_modules(self, candidate: Candidate) -> tuple[str, ...]:
        """torch and transformers, and what the candidate's variant imports besides (ONNX Runtime)."""
        from modelpick.candidates.variants import get_variant

        return (*self.baseline_imports, *get_variant(_variant_of(candidate)).modules)

    def load(self, candidate: Candidate, weights: WeightsResolution | None, split: DataSplit,
             settings: ProfileSettings) -> _Loaded:
        import torch

        from modelpick.candidates._loading import load_transformer

        if weights is None:
            weights = candidate.resolve_weights(allow_download=False)
        if weights is None:
            raise ProfilingError(f"Candidate {candidate.name} has no weights to profile; resolve them first.")
        device = "cpu"
        if settings.device == "cuda":
            if not torch.cuda.is_available():
                raise ProfilingError("device 'cuda' was asked for but torch sees no CUDA device; use device='cpu'.")
            device = f"cuda:{torch.cuda.current_device()}"
            torch.cuda.reset_peak_memory_stats()
        loaded = load_transformer(weights, trust_remote_code=settings.trust_remote_code, device=device)
        return _Loaded(loaded.model, loaded.tokenizer, loaded.config, loaded.parameters, loaded.weights_on_disk_mb,
                       device, loaded.max_length, loaded.accepted_inputs,
                       weights.has_real_weights, variant=_variant_of(candidate))

    # -- inputs -----------------------------------------------------------------------------------
    def prepare_inputs(self, loaded: _Loaded, texts: Sequence[str], settings: ProfileSettings,
                       sample_texts: Sequence[str] = ()) -> PreparedInputs:
        """Inputs of exactly the grid and held-out lengths bracketing the sample's token lengths.

        A forward pass costs what its length costs, whatever the ids, so each curve input is seeded
        random ids (above the special ones) of one length; the sample's texts only give the lengths
        (tokenized by the candidate's own tokenizer, or approximated without one). Throughput batches
        are real texts (or random ids of their lengths), padded to the longest as a server would.
        """
        texts = tuple(texts)
        sample_texts = tuple(sample_texts) or texts
        batch_size = settings.throughput_batch_size
        index_batches = cyclic_batches(len(texts), batch_size)[: settings.throughput_batches]
        sample_lengths, source = self.sample_lengths(loaded, sample_texts)
        if loaded.tokenizer is not None:
            batches = tuple(self._encode(loaded, [texts[i] for i in idx], padding="longest") for idx in index_batches)
        else:
            text_lengths, _ = self.sample_lengths(loaded, texts)
            batches = self._random_inputs(loaded, text_lengths, index_batches, settings.random_state + 1)
        grid = length_grid(sample_lengths, max_length=loaded.max_length)
        held_out = tuple(n for n in held_out_lengths(grid) if n not in grid)
        lengths = (*grid, *held_out)
        # One latency call per length: latency_batch_size rows of exactly that length (a padded batch costs
        # what its longest row costs, so the curve is read at batch widths; see _curve.batch_widths).
        rows = settings.latency_batch_size
        single = self._random_inputs(loaded, lengths, [[i] * rows for i in range(len(lengths))], settings.random_state)
        self._prepare_variant(loaded, single, batches, settings)
        return PreparedInputs(texts=texts, single=single, lengths=lengths, lengths_source=source,
                              batches=batches, batch_size=batch_size, curve=True,
                              held_out=frozenset(range(len(grid), len(lengths))), sample_lengths=sample_lengths)

    def _prepare_variant(self, loaded: _Loaded, single: Sequence[dict[str, Any]], batches: Sequence[dict[str, Any]],
                         settings: ProfileSettings) -> None:
        """Count FLOPs on the fp32 model, build the variant's runner, drop the fp32 model when the runner
        does not use it, and restart the peak memory there.

        Here rather than in :meth:`load`: the FLOPs are counted on the curve's inputs, which exist only
        now, and :meth:`load` alone also serves callers that only count token lengths.
        """
        import torch

        from modelpick.candidates.variants import get_variant
        from modelpick.candidates.variants._base import MODEL_INPUTS

        variant = get_variant(loaded.variant)
        counts = [count_forward_flops(loaded.model, inputs) for inputs in single]
        # A runtime that folds weight-only work into constants executes the input-dependent FLOPs alone.
        loaded.flops = tuple(c.input_dependent if variant.folds_constants else c.total for c in counts)
        loaded.weights_only_flops = sum(c.weights_only for c in counts)
        loaded.counted_flops = sum(c.total for c in counts)
        if self._workdir is None:
            self._workdir = tempfile.mkdtemp(prefix="modelpick-variant-")
        # A real batch, padded: what a server feeds, and an export is checked on a padded row.
        example = {k: v for k, v in (batches[0] if batches else single[0]).items() if k in MODEL_INPUTS}
        runner = variant.prepare(loaded.model, example_inputs=example, device=loaded.device,
                                 num_threads=settings.num_threads, workdir=self._workdir)
        loaded.runner = runner
        if loaded.variant != "eager":
            loaded.model = None  # the runner holds what it needs (a copy, a graph); the fp32 model goes
        if loaded.device.startswith("cuda"):
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        # Every row alike, eager too: memory is what the deployed form holds and uses from here on, not
        # what loading or converting it took.
        loaded.peak_reset = release_and_reset_peak_rss()
        weights_mb = runner.weights_mb
        loaded.runtime = {"variant": loaded.variant, "label": variant.label, **runner.describe()}
        if weights_mb is not None:
            loaded.runtime["weights_mb"] = f"{weights_mb:.3f}"

    def sample_lengths(self, loaded: _Loaded, texts: Sequence[str]) -> tuple[tuple[int, ...], str]:
        """The token lengths of ``texts`` as this model gets them (truncated), and how they were counted."""
        if loaded.tokenizer is not None:
            encoded = loaded.tokenizer(list(texts), truncation=True, max_length=loaded.max_length)
            lengths = tuple(len(ids) for ids in encoded["input_ids"])
            return lengths, f"candidate tokenizer on the sample (truncated to {loaded.max_length})"
        why = "no tokenizer next to the weights" if loaded.has_weights else "no tokenizer: architecture-only"
        lengths = tuple(min(n + 2, loaded.max_length) for n in approximate_token_lengths(texts))
        return lengths, f"{APPROXIMATED_PREFIX} ({why})"

    def _encode(self, loaded: _Loaded, texts: list[str], *, padding: bool | str) -> dict[str, Any]:
        encoded = loaded.tokenizer(texts, padding=padding, truncation=True, max_length=loaded.max_length,
                                   return_tensors="pt")
        return {k: v.to(loaded.device) for k, v in encoded.items() if k in loaded.accepted}

    def _random_inputs(self, loaded: _Loaded, lengths: Sequence[int], index_batches: Sequence[Sequence[int]],
                       seed: int) -> tuple[Any, ...]:
        """One input per index batch: seeded random ids, row ``r`` of ``lengths[i]`` tokens, padded."""
        import torch

        vocab_size = int(getattr(loaded.config, "vocab_size", 0) or 0)
        if vocab_size < 2:
            raise ProfilingError(
                f"The architecture config has no usable vocab_size ({vocab_size}); add vocab_size to it."
            )
        special = [v for f in _SPECIAL_ID_FIELDS if isinstance(v := getattr(loaded.config, f, None), int)]
        low = max(special, default=-1) + 1
        low = low if low < vocab_size else 0  # a config whose special ids fill the vocabulary: any id
        pad_id = getattr(loaded.config, "pad_token_id", None)
        pad_id = pad_id if isinstance(pad_id, int) and 0 <= pad_id < vocab_size else 0
        generator = torch.Generator().manual_seed(seed)

        def encode(rows: Sequence[int]) -> dict[str, Any]:
            width = max(lengths[i] for i in rows)
            ids = torch.randint(low, vocab_size, (len(rows), width), generator=generator)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, i in enumerate(rows):
                mask[r, : lengths[i]] = 1
            ids = ids.masked_fill(mask == 0, pad_id)
            inputs = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in loaded.accepted:
                inputs["token_type_ids"] = torch.zeros_like(ids)
            return {k: v.to(loaded.device) for k, v in inputs.items() if k in loaded.accepted}

        return tuple(encode(rows) for rows in index_batches)

    # -- calls ------------------------------------------------------------------------------------
    def run_once(self, loaded: _Loaded, single_input: dict[str, Any]) -> Any:
        return loaded.runner(single_input)

    def run_batch(self, loaded: _Loaded, batch: dict[str, Any]) -> Any:
        return loaded.runner(batch)

    def has_tokenizer(self, loaded: _Loaded) -> bool:
        return loaded.tokenizer is not None

    def tokenize_once(self, loaded: _Loaded, text: str) -> Any:
        # The same call prepare_inputs made, tensors included: that is what serving one text costs.
        return loaded.tokenizer(text, truncation=True, max_length=loaded.max_length, return_tensors="pt")

    def inference_context(self) -> Any:
        import torch

        return torch.inference_mode()

    def timer(self, settings: ProfileSettings) -> Timer:
        if self._timer is None:
            self._timer = CudaEventTimer() if settings.device == "cuda" else perf_counter_timer
        return self._timer

    def timer_name(self, settings: ProfileSettings) -> str:
        return CudaEventTimer.name if settings.device == "cuda" else "perf_counter"

    def device_name(self, settings: ProfileSettings) -> str:
        if settings.device == "cuda":
            import torch

            return f"cuda:{torch.cuda.current_device()}"
        return "cpu"

    # -- after measuring --------------------------------------------------------------------------
    def sentinel(self, settings: ProfileSettings) -> Sentinel:
        return torch_sentinel(self.device_name(settings))

    def check(self, loaded: _Loaded, inputs: PreparedInputs, medians_s: Sequence[float], settings: ProfileSettings,
              *, peak_gflops: float | None = None) -> Checks:
        """FLOPs of one fp32 forward at each curve length over its median time, against the machine's fp32
        matmul peak: gated for fp32 variants (eager, onnx), recorded only for the others."""
        peak_gpu_mb = None
        if settings.device == "cuda":
            import torch

            # Read before the matmul probe, whose matrices are no part of the model's footprint.
            peak_gpu_mb = torch.cuda.max_memory_allocated() / 2**20
        rates = tuple(flops / median / 1e9 for flops, median in zip(loaded.flops, medians_s, strict=True))
        peak = peak_gflops or matmul_peak_gflops(device=loaded.device, timer=self.timer(settings))
        notes: tuple[str, ...] = ()
        if loaded.variant == "onnx" and loaded.device.startswith("cuda"):
            notes = ("onnx on CUDA: the FLOP rate is recorded but not checked: ONNX Runtime's CUDA kernels may use "
                     "TF32, which torch's fp32 matmul peak does not bound",)
        elif loaded.variant == "onnx":
            # ONNX Runtime multiplies with its own kernels, which can beat torch's BLAS on the same CPU: held
            # to its own peak (kept in the row's runtime, never as the machine's torch peak the cache keeps).
            threads = self.threads_in_use(loaded, settings.num_threads)
            own = onnxruntime_matmul_peak_gflops(num_threads=threads, timer=self.timer(settings))
            if max(rates) > SANITY_MARGIN * own:
                own = max(own, onnxruntime_matmul_peak_gflops(num_threads=threads, timer=self.timer(settings),
                                                              repeats=96))
            loaded.runtime["onnxruntime_matmul_peak_gflops"] = f"{own:.1f}"
            check_sanity(max(rates), max(own, peak))
        elif loaded.variant in FP32_VARIANTS:
            if max(rates) > SANITY_MARGIN * peak:
                # Other work on the machine slows short probes more than a long latency loop (whose p50
                # may fall in a quiet spell); probe much longer before calling the timing wrong.
                peak = max(peak, matmul_peak_gflops(device=loaded.device, timer=self.timer(settings), repeats=96))
            check_sanity(max(rates), peak)
        else:
            notes = (
                f"{loaded.variant}: the FLOP rate (fp32 FLOPs of the same forward over its time) is recorded but not "
                "checked against the fp32 matmul peak, which does not bound lower-precision kernels",
            )
        notes += self._weights_only_note(loaded)
        if not loaded.peak_reset:
            notes += ("peak RSS includes loading the model (this OS could not restart the peak once it was "
                      "ready)",)
        return Checks(gflops_per_s=rates, machine_peak_gflops=peak, peak_gpu_mb=peak_gpu_mb, notes=notes)

    @staticmethod
    def _weights_only_note(loaded: _Loaded) -> tuple[str, ...]:
        """What the row does with work that reads weights only, where there is enough of it to matter."""
        from modelpick.candidates.variants import get_variant

        share = loaded.weights_only_flops / loaded.counted_flops if loaded.counted_flops else 0.0
        if share < WEIGHTS_ONLY_NOTED:
            return ()
        if get_variant(loaded.variant).folds_constants:
            return (f"{loaded.variant}: {share:.0%} of the FLOPs PyTorch executes read weights only; this runtime "
                    "folds them into constants when the session starts, and the FLOP rate counts the rest",)
        return (f"{loaded.variant}: {share:.0%} of the FLOPs of each call read weights only and are recomputed on "
                "every call; a runtime that folds constants (the onnx variant) does them once",)

    def variant_name(self, loaded: _Loaded) -> str | None:
        return loaded.variant

    def runtime(self, loaded: _Loaded) -> dict[str, str]:
        return dict(loaded.runtime)

    def threads_in_use(self, loaded: _Loaded, configured: int) -> int:
        """Torch's threads, or the session's intra-op threads for a runtime with its own pool (ONNX Runtime)."""
        own = loaded.runtime.get("intra_op_num_threads")
        return int(own) if own is not None and own.isdigit() else configured

    def parameters(self, loaded: _Loaded) -> int:
        return loaded.parameters

    def weights_on_disk_mb(self, loaded: _Loaded) -> float | None:
        return loaded.weights_on_disk_mb

    def library_versions(self) -> dict[str, str]:
        return {name: metadata.version(name) for name in ("torch", "transformers")}


def _variant_of(candidate: Candidate) -> str:
    """The candidate's deployment variant; ``"eager"`` for a candidate that names none."""
    variant = getattr(candidate, "variant", "eager")
    return variant if isinstance(variant, str) else "eager"
