"""TransformerProfiler in this process on tiny real models: structure and invariants, never timings."""

from __future__ import annotations

import dataclasses

import pytest

from modelpick.candidates._base import WeightsResolution
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.exceptions import CandidateError, ProfilingError
from modelpick.profiling import ProfileSettings, profile_candidate
from modelpick.profiling._base import draw_texts
from modelpick.profiling.transformer import TransformerProfiler
from modelpick.results import ProfileResult
from modelpick.testing.tiny_models import tiny_config


def _candidate(name: str = "tiny") -> TransformerCandidate:
    return TransformerCandidate(name=name, family="BERT", model_id=name, source="local path")


def _check_invariants(result: ProfileResult, settings: ProfileSettings, n_texts: int) -> None:
    lat = result.latency
    assert 0 < lat.p50_ms <= lat.p90_ms <= lat.p95_ms <= lat.p99_ms
    assert lat.mean_ms > 0 and lat.stdev_ms >= 0
    # A curve: whole rounds over the grid and held-out lengths, at least min_rounds, warm-up never counted.
    curve = result.curve
    assert curve is not None and len(curve.grid) >= 2
    rounds = {len(p.timings_ms) for p in curve.points}
    assert len(rounds) == 1 and rounds.pop() >= settings.min_rounds
    assert lat.n == sum(len(p.timings_ms) for p in curve.points)
    # Measured fresh, the grid brackets every text's length, and the figure refers to those texts.
    assert result.lengths.n == n_texts
    assert result.lengths.measured_min <= result.lengths.p50 <= result.lengths.max <= result.lengths.measured_max
    assert result.lengths.outside_range == 0
    assert curve.held_out_error is None or curve.held_out_error >= 0
    assert result.drift is not None and result.drift.reference_ms > 0
    assert result.drift.sentinel_min_ms <= result.drift.sentinel_p50_ms <= result.drift.sentinel_max_ms
    assert result.measured_at and result.reused_from is None
    assert lat.noisy == (not lat.noise < settings.noise_threshold)
    assert result.num_threads == settings.num_threads
    assert result.batch_size == 1
    assert result.throughput_batch_size == settings.throughput_batch_size
    assert result.throughput_per_s > 0
    assert result.parameters > 0
    assert result.provenance == "measured"
    assert result.device == "cpu" and result.timer == "perf_counter"
    assert result.peak_gpu_mb is None
    assert result.peak_rss_mb is None  # in-process, no baseline given
    assert result.gflops_per_s is not None and result.gflops_per_s > 0
    assert result.machine_peak_gflops is not None and result.machine_peak_gflops > 0
    assert result.gflops_per_s <= 1.25 * result.machine_peak_gflops  # the gate let it through
    assert set(result.library_versions) == {"torch", "transformers"}
    assert ProfileResult.from_dict(result.to_dict()) == result


def test_saved_model_with_tokenizer(tiny_bert_dir, split, fast_settings):
    settings = dataclasses.replace(fast_settings, max_input_lengths=len(split.all_texts))
    weights = WeightsResolution("local", str(tiny_bert_dir), "saved by the test")
    result = profile_candidate(_candidate(), weights, split, settings)
    _check_invariants(result, settings, n_texts=len(split.all_texts))
    assert result.lengths.source.startswith("candidate tokenizer on the sample")
    # The long text is truncated to the tiny model's 128 positions.
    assert result.lengths.max == 128
    assert result.lengths.p50 <= result.lengths.p90 <= result.lengths.max
    assert result.tokenize is not None
    assert result.tokenize.n >= settings.min_rounds * len(split.all_texts)
    assert result.tokenize.p50_ms <= result.tokenize.p99_ms
    assert result.weights_on_disk_mb is not None and result.weights_on_disk_mb > 0


@pytest.mark.parametrize("model_type", ["distilbert", "roberta"])
def test_architecture_only_uses_approximated_lengths(model_type, split, fast_settings):
    weights = WeightsResolution("architecture-only", None, "no weights", config=tiny_config(model_type))
    result = profile_candidate(_candidate(model_type), weights, split, fast_settings)
    _check_invariants(result, fast_settings, n_texts=len(split.all_texts))
    assert result.lengths.source.startswith("approximated: ")
    assert result.lengths.source.endswith("(no tokenizer: architecture-only)")
    assert result.tokenize is None  # no tokenizer to time
    assert result.weights_on_disk_mb is None


def test_approximated_lengths_are_pieces_plus_two_and_truncated(split, fast_settings):
    from modelpick.data._sample import approximate_token_lengths
    from modelpick.profiling._curve import length_grid

    settings = dataclasses.replace(fast_settings, max_input_lengths=len(split.all_texts))
    profiler = TransformerProfiler()
    weights = WeightsResolution("architecture-only", None, "no weights", config=tiny_config("roberta"))
    loaded = profiler.load(_candidate(), weights, split, settings)
    texts = draw_texts(split, settings)
    inputs = profiler.prepare_inputs(loaded, texts, settings, split.all_texts)
    # RoBERTa numbers positions from padding_idx + 1: 130 slots hold 129 tokens.
    assert loaded.max_length == 129
    assert list(inputs.sample_lengths) == [min(n + 2, 129) for n in approximate_token_lengths(split.all_texts)]
    # The curve's inputs: the grid bracketing those lengths (the top capped at 129), then held-out lengths.
    grid = length_grid(inputs.sample_lengths, max_length=129)
    assert grid[-1] == 129 and inputs.lengths[: len(grid)] == grid
    assert inputs.held_out == frozenset(range(len(grid), len(inputs.lengths)))
    assert all(grid[0] < n < grid[-1] and n not in grid for n in inputs.lengths[len(grid):])
    for single, length in zip(inputs.single, inputs.lengths, strict=True):
        assert tuple(single["input_ids"].shape) == (1, length)
        assert int(single["input_ids"].min()) >= 1  # ids above the special ones (pad 0, bos 0, eos 2)
        assert int(single["input_ids"].max()) < loaded.config.vocab_size
    # Throughput batches: exactly batch_size rows, padded to the batch's longest input.
    for batch in inputs.batches:
        rows, width = batch["input_ids"].shape
        assert rows == settings.throughput_batch_size
        assert width == int(batch["attention_mask"].sum(dim=1).max())
    # Same seed, same inputs.
    again = profiler.prepare_inputs(loaded, texts, settings, split.all_texts)
    assert all(bool((a["input_ids"] == b["input_ids"]).all())
               for a, b in zip(inputs.single, again.single, strict=True))


def test_distilbert_gets_no_token_type_ids(tiny_bert_dir, split, fast_settings):
    # The tiny checkpoints share a BERT tokenizer, which emits token_type_ids DistilBERT does not take.
    from modelpick.testing.tiny_models import save_tiny_model

    directory = save_tiny_model("distilbert", tiny_bert_dir.parent / "tiny-distilbert")
    profiler = TransformerProfiler()
    loaded = profiler.load(_candidate(), WeightsResolution("local", str(directory), "test"), split, fast_settings)
    inputs = profiler.prepare_inputs(loaded, draw_texts(split, fast_settings), fast_settings)
    assert set(inputs.single[0]) == {"input_ids", "attention_mask"}


def test_sanity_gate_rejects_an_impossible_timing(tiny_bert_dir, split, fast_settings):
    profiler = TransformerProfiler()
    profiler.configure(fast_settings)
    loaded = profiler.load(_candidate(), WeightsResolution("local", str(tiny_bert_dir), "test"), split, fast_settings)
    inputs = profiler.prepare_inputs(loaded, draw_texts(split, fast_settings), fast_settings)
    # A clock that claims each forward took a nanosecond implies far more than any matmul peak.
    impossible = [1e-9] * len(inputs.single)
    with pytest.raises(ProfilingError, match=r"^sanity gate: implied .* GFLOP/s exceeds the measured matmul peak"):
        profiler.check(loaded, inputs, impossible, fast_settings)


def test_a_model_that_cannot_load_keeps_its_candidate_error(split, fast_settings):
    # In this process modelpick's own errors pass unchanged; profile_in_child turns them into
    # ProfilingError (tested in test_profile_in_child.py).
    broken = {**tiny_config("bert"), "hidden_size": 30, "num_attention_heads": 4}
    with pytest.raises(CandidateError, match=r"^Could not load the model from config 'bert': ") as info:
        profile_candidate(_candidate(), WeightsResolution("architecture-only", None, "x", config=broken),
                          split, fast_settings)
    assert "\n" not in str(info.value)


def test_a_third_party_error_while_measuring_becomes_a_profiling_error(tiny_bert_dir, split, fast_settings):
    class Exploding(TransformerProfiler):
        def run_batch(self, loaded, batch):
            raise RuntimeError("shape mismatch\nsecond line")

    weights = WeightsResolution("local", str(tiny_bert_dir), "test")
    with pytest.raises(ProfilingError, match=r"^Profiling tiny failed: RuntimeError: shape mismatch$"):
        Exploding().profile(_candidate(), weights, split, fast_settings)


def test_a_latency_batch_is_that_many_rows_of_each_curve_length_and_the_result_says_so(tiny_bert_dir, split,
                                                                                       fast_settings):
    settings = dataclasses.replace(fast_settings, latency_batch_size=3)
    weights = WeightsResolution("local", str(tiny_bert_dir), "test")
    profiler = TransformerProfiler()
    loaded = profiler.load(_candidate(), weights, split, settings)
    inputs = profiler.prepare_inputs(loaded, draw_texts(split, settings), settings, split.all_texts)
    for single, length in zip(inputs.single, inputs.lengths, strict=True):
        assert tuple(single["input_ids"].shape) == (3, length)
        assert bool((single["attention_mask"] == 1).all())  # every row is that long: the batch's width
    # Three rows cost three times one row's FLOPs, so the FLOP rate (and its sanity gate) sees the whole call.
    one_row = TransformerProfiler()
    one = one_row.prepare_inputs(one_row.load(_candidate(), weights, split, fast_settings),
                                 draw_texts(split, fast_settings), fast_settings, split.all_texts)
    assert inputs.lengths == one.lengths
    from modelpick.profiling._sanity import count_forward_flops

    assert count_forward_flops(loaded.model, inputs.single[0]).total == 3 * count_forward_flops(loaded.model, one.single[0]).total

    result = profile_candidate(_candidate(), weights, split, settings)
    assert result.batch_size == 3 and result.throughput_batch_size == settings.throughput_batch_size
    assert ProfileResult.from_dict(result.to_dict()) == result


HAS_ONNX = all(__import__("importlib").util.find_spec(m) for m in ("onnxruntime", "onnxscript", "onnx"))


@pytest.mark.parametrize("variant", ["eager", pytest.param("onnx", marks=pytest.mark.skipif(
    not HAS_ONNX, reason="needs the onnx extra"))])
def test_deberta_rows_say_what_happens_to_its_weight_only_work(variant, split, fast_settings):
    # DeBERTa-v3 recomputes its relative-position projections on every call; ONNX Runtime folds them into
    # constants, so its FLOP rate counts only the input-dependent FLOPs (it read 680-1080 GFLOP/s against a
    # 500 GFLOP/s peak when they were counted, and the row failed its sanity gate).
    from modelpick.profiling._sanity import count_forward_flops

    weights = WeightsResolution("architecture-only", None, "no weights", config=tiny_config("deberta-v2"))
    candidate = TransformerCandidate(name="tiny-deberta", family="DeBERTa-v3", model_id="tiny-deberta",
                                     source="local path").with_variant(variant)
    profiler = TransformerProfiler()
    try:
        loaded = profiler.load(candidate, weights, split, fast_settings)
        fp32_model = loaded.model
        inputs = profiler.prepare_inputs(loaded, draw_texts(split, fast_settings), fast_settings, split.all_texts)
        counts = [count_forward_flops(fp32_model, single) for single in inputs.single]
    finally:
        profiler.close()
    executed = [c.input_dependent if variant == "onnx" else c.total for c in counts]
    assert loaded.flops == tuple(executed)
    assert all(c.weights_only > 0 for c in counts)

    result = profile_candidate(candidate, weights, split, fast_settings)
    (note,) = [n for n in result.notes if "read weights only" in n]
    if variant == "onnx":
        assert "folds them into constants" in note
    else:
        assert "recomputed on every call" in note
