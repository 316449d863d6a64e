"""The FLOP counter, the matmul peak probe and the sanity gate."""

from __future__ import annotations

import pytest

from modelpick.exceptions import ProfilingError
from modelpick.profiling._sanity import SANITY_MARGIN, check_sanity, count_forward_flops, matmul_peak_gflops


def test_gate_passes_below_the_margin_and_fails_above():
    check_sanity(10.0, 100.0)
    check_sanity(SANITY_MARGIN * 100.0, 100.0)  # at the margin: still believable
    with pytest.raises(ProfilingError) as info:
        check_sanity(200.0, 100.0)
    assert str(info.value) == (
        "sanity gate: implied 200 GFLOP/s exceeds the measured matmul peak 100 GFLOP/s; the timing is wrong"
    )


def test_matmul_peak_is_a_positive_rate():
    assert matmul_peak_gflops(sizes=(64, 128), repeats=2) > 0


def test_flops_grow_with_input_length():
    import torch
    from transformers import AutoConfig, AutoModel

    from modelpick.testing.tiny_models import tiny_config

    torch.manual_seed(0)
    model = AutoModel.from_config(AutoConfig.for_model(**tiny_config("bert"))).eval()

    def flops(length: int) -> int:
        ids = torch.ones((1, length), dtype=torch.long)
        return count_forward_flops(model, {"input_ids": ids, "attention_mask": torch.ones_like(ids)}).total

    short, long = flops(8), flops(32)
    assert short > 0
    # The dense layers grow linearly with length; only the pooler (on one token) does not.
    assert long > 3 * short


def test_flops_are_counted_inside_inference_mode_for_relative_attention():
    # Regression: DeBERTa-v3's relative-position embeddings broke FlopCounterMode in inference mode.
    import torch
    from transformers import AutoConfig, AutoModel

    from modelpick.testing.tiny_models import tiny_config

    model = AutoModel.from_config(AutoConfig.for_model(**tiny_config("deberta-v2"))).eval()
    inputs = {"input_ids": torch.randint(5, 40, (1, 12)), "attention_mask": torch.ones(1, 12, dtype=torch.long)}
    with torch.inference_mode():
        flops = count_forward_flops(model, inputs)
    assert flops.total > 0


def test_bert_has_no_weight_only_work():
    import torch
    from transformers import AutoConfig, AutoModel

    from modelpick.testing.tiny_models import tiny_config

    model = AutoModel.from_config(AutoConfig.for_model(**tiny_config("bert"))).eval()
    ids = torch.randint(5, 40, (2, 9))
    flops = count_forward_flops(model, {"input_ids": ids, "attention_mask": torch.ones_like(ids)})
    assert flops.total > 0
    assert flops.input_dependent == flops.total and flops.weights_only == 0


def test_deberta_relative_position_projections_read_weights_only():
    # DeBERTa-v3 projects its 2 x position_buckets relative-position embeddings through each layer's query and
    # key weights on every call, whatever the text: work ONNX Runtime folds into constants, eager repeats.
    import torch
    from transformers import AutoConfig, AutoModel

    from modelpick.testing.tiny_models import tiny_config

    config = tiny_config("deberta-v2")
    model = AutoModel.from_config(AutoConfig.for_model(**config)).eval()
    hidden, layers, span = config["hidden_size"], config["num_hidden_layers"], config["position_buckets"]
    projections = 2  # query_proj and key_proj (share_att_key), for c2p and p2c
    expected = layers * projections * (2 * hidden * hidden * 2 * span)
    for length in (6, 20):
        ids = torch.randint(5, 40, (1, length))
        inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
        flops = count_forward_flops(model, inputs)
        assert flops.weights_only == expected  # the same at every length
        assert flops.input_dependent > 0
        assert not any(hasattr(tensor, "_modelpick_from_input") for tensor in inputs.values())  # inputs left as given


def test_onnxruntime_has_a_matmul_peak_of_its_own():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from modelpick.profiling._sanity import onnxruntime_matmul_peak_gflops

    calls = []

    def counting_timer(call):
        calls.append(call)
        return 1e-3  # every call "takes" 1 ms: the rate is then 2 * size**3 / 1e-3 / 1e9

    rate = onnxruntime_matmul_peak_gflops(num_threads=1, sizes=(16, 32), repeats=3, timer=counting_timer)
    assert len(calls) == 6
    assert rate == pytest.approx(2 * 32**3 / 1e-3 / 1e9)
    assert onnxruntime_matmul_peak_gflops(num_threads=1, sizes=(64,), repeats=2) > 0
