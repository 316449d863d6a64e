"""Deployment variants as rows (option ``variants``): which rows a run makes, how each is profiled and
scored in the form deployed, and how a variant's accuracy compares with its eager row's."""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys

import pytest

import modelpick
from modelpick._advisor import resolve_variants
from modelpick.candidates.variants import Fp16Variant
from modelpick.cli import main
from modelpick.data import DatasetSample
from modelpick.exceptions import InvalidParameterError
from modelpick.report import render
from modelpick.results import Recommendation
from modelpick.testing.tiny_models import save_tiny_model

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
FAST = dict(max_profile_time_s=0.3, num_threads=1, allow_download=False, device="cpu")
_ONNX_INSTALLED = all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnxscript", "onnx"))


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True, raising=False)


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return save_tiny_model("bert", tmp_path_factory.mktemp("tiny-bert"))


# -- the option ------------------------------------------------------------------------------------------------


def test_by_default_every_variant_that_runs_on_the_cpu_is_a_row():
    names, reasons = resolve_variants(None, "cpu")
    assert names == ("eager", "int8", *(("onnx",) if _ONNX_INSTALLED else ()))
    assert reasons == {}


def test_choosing_the_default_imports_no_onnx_runtime():
    # Whether ONNX Runtime is installed is asked of the import system, not by importing it (seconds, memory).
    code = ("import sys, modelpick; from modelpick._advisor import resolve_variants; "
            "resolve_variants(None, 'cpu'); print(sorted(m for m in ('onnxruntime', 'onnx', 'onnxscript') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_named_variants_are_kept_in_order_and_those_that_cannot_run_say_why():
    names, reasons = resolve_variants(("int8", "eager", "fp16"), "cpu")
    assert names == ("int8", "eager", "fp16")
    assert reasons == {"fp16": Fp16Variant().unavailable_reason("cpu")}


@pytest.mark.parametrize(("given", "message"), [
    (("onxx",), r"must be variant names among 'eager', 'int8', 'onnx', 'fp16', 'bf16' \(did you mean 'onnx'\?\)"
                r"\. Got 'onxx' instead\."),
    (("int8", "int8"), r"without duplicates\. Got \['int8', 'int8'\] instead\."),
])
def test_an_unknown_or_repeated_variant_is_a_parameter_error(given, message):
    with pytest.raises(InvalidParameterError, match=message):
        resolve_variants(given, "cpu", check=False)


def test_an_unknown_variant_stops_the_run_before_anything_is_measured():
    with pytest.raises(InvalidParameterError, match=r"^The 'variants' parameter of recommend .*did you mean 'int8'"):
        modelpick.recommend(candidates=["majority-class"], variants=["int9"], **FAST)
    with pytest.raises(InvalidParameterError, match="non-empty list"):
        modelpick.AdviseConfig(variants=[])


def test_an_unknown_variant_on_the_command_line_is_one_line_and_exit_2(capsys):
    code = main(["advise", "--demo", "--candidate", "majority-class", "--variant", "onxx", "--threads", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == ("error: The --variant option must be variant names among 'eager', 'int8', 'onnx', 'fp16', "
                   "'bf16' (did you mean 'onnx'?). Got 'onxx' instead.\n")


def test_a_named_variant_that_cannot_run_here_is_a_skipped_row_with_its_reason(tiny_bert):
    rec = modelpick.recommend("text-classification", modelpick.api.builtin_sample(),
                              candidates=[str(tiny_bert), "majority-class"], variants=["fp16"],
                              estimate_quality=False, **FAST)
    row = rec.result(f"{tiny_bert} [fp16]")
    assert row.status == "skipped" and row.profile is None
    assert row.reason == Fp16Variant().unavailable_reason("cpu") and "\n" not in row.reason
    assert (row.candidate.variant, row.candidate.variant_of) == ("fp16", str(tiny_bert))
    assert [r.name for r in rec.results] == [f"{tiny_bert} [fp16]", "majority-class"]
    # Baselines have no variants; the options echo the variants as used.
    assert rec.result("majority-class").candidate.variant is None
    assert rec.config["variants"] == ["fp16"] and rec.config["candidates"] == [str(tiny_bert), "majority-class"]


# -- rows measured in the form deployed ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not _ONNX_INSTALLED, reason="the onnx variant needs modelpick[onnx]")
def test_each_variant_is_a_row_profiled_in_its_own_runtime(tiny_bert, tmp_path, capsys):
    data = tmp_path / "short.csv"  # short texts: a short length grid, so the rounds are quick
    data.write_text("text\n" + "".join(f"order {i} never arrived, please help\n" for i in range(12)))
    variants = ("eager", "int8", "onnx")
    code = main(["advise", "--data", str(data), "--candidate", str(tiny_bert),
                 *(a for v in variants for a in ("--variant", v)), "--no-quality", "--threads", "2",
                 "--max-profile-time-s", "0.3", "--offline", "--no-cache", "--quiet", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    rec = Recommendation.from_json(captured.out)
    names = [str(tiny_bert), f"{tiny_bert} [int8]", f"{tiny_bert} [onnx]"]
    assert [r.name for r in rec.results] == names
    for result, variant in zip(rec.results, variants, strict=True):
        assert result.status == "ok", result.reason
        assert result.candidate.variant == result.profile.variant == variant
        assert result.candidate.variant_of == (None if variant == "eager" else str(tiny_bert))
        assert result.profile.candidate == result.name
        assert result.profile.runtime["variant"] == variant
        assert result.profile.peak_rss_mb is not None
        assert result.profile.throughput_batch_size == 16 and result.profile.batch_size == 1
    eager, int8, onnx = (r.profile for r in rec.results)
    # The quantized model is what was timed, and says so.
    assert int(int8.runtime["quantized_linear_modules"]) > 0 and int8.runtime["float_linear_modules"] == "0"
    assert float(int8.runtime["weights_mb"]) < float(eager.runtime["weights_mb"])
    # The ONNX Runtime session ran on the threads asked for; torch's threads for the torch rows.
    assert onnx.num_threads == 2 and onnx.runtime["intra_op_num_threads"] == "2"
    assert eager.num_threads == int8.num_threads == 2
    # The sanity gate holds the fp32 rows to an fp32 matmul peak (ONNX Runtime's own kernels to theirs: they can
    # beat torch's BLAS); int8's rate is kept and says it is not gated.
    ort_peak = float(onnx.runtime["onnxruntime_matmul_peak_gflops"])
    assert eager.gflops_per_s <= 1.25 * eager.machine_peak_gflops
    assert onnx.gflops_per_s <= 1.25 * max(ort_peak, onnx.machine_peak_gflops)
    for fp32 in (eager, onnx):
        assert not any("not checked" in note for note in fp32.notes)
    assert int8.gflops_per_s > 0 and any("not checked against the fp32 matmul peak" in n for n in int8.notes)
    text = render(rec, "text")
    assert "Deployment variants" in text and "Linear layers in int8" in text


def _small_demo(per_class: int) -> DatasetSample:
    """``per_class`` texts of each class of the demo sample, drawn with a fixed seed: a real sample, but short."""
    demo = modelpick.api.builtin_sample()
    by_label: dict[str, list[str]] = {}
    for text, label in zip(demo.texts, demo.labels, strict=True):
        by_label.setdefault(label, []).append(text)
    rng = random.Random(0)
    rows = [(text, label) for label, texts in sorted(by_label.items()) for text in rng.sample(texts, per_class)]
    return DatasetSample(tuple(t for t, _ in rows), tuple(lab for _, lab in rows), "demo (subsampled)", "text", "label")


@pytest.mark.slow
def test_int8_accuracy_is_measured_on_int8_and_compared_with_eager_paired():
    rec = modelpick.recommend("text-classification", _small_demo(20), candidates=[MINILM],
                              variants=["eager", "int8"], test_size=0.5, use_cache=False, **FAST)
    eager, int8 = rec.result(MINILM), rec.result(f"{MINILM} [int8]")
    assert eager.status == int8.status == "ok", (eager.reason, int8.reason)
    assert eager.candidate.weights_source == int8.candidate.weights_source == "package"
    qe, qi = eager.quality, int8.quality
    assert qi.method == "linear-probe" and qi.provenance == "measured" and "int8 variant" in qi.note
    n = rec.sample.n_test
    assert len(qe.test_correct) == len(qi.test_correct) == qi.n_test == n == 40
    # Each row's accuracy is its own correctness vector's mean.
    assert qe.accuracy == pytest.approx(sum(qe.test_correct) / n)
    assert qi.accuracy == pytest.approx(sum(qi.test_correct) / n)
    assert eager.accuracy_delta is None
    delta = int8.accuracy_delta
    assert delta is not None and delta.versus == MINILM and delta.n == n
    # The difference, counted independently: examples int8 gets right minus those eager gets right.
    gained = sum(i and not e for i, e in zip(qi.test_correct, qe.test_correct, strict=True))
    lost = sum(e and not i for i, e in zip(qi.test_correct, qe.test_correct, strict=True))
    assert delta.delta == pytest.approx((gained - lost) / n) == pytest.approx(qi.accuracy - qe.accuracy)
    assert -1.0 <= delta.low <= delta.delta <= delta.high <= 1.0
    if gained == lost == 0:
        assert delta.low == delta.high == 0.0  # they agree on every example: nothing to be unsure about
    # The int8 row's profile is int8's.
    assert int8.profile.variant == "int8" and int8.profile.runtime["engine"]
    line = f"int8: accuracy {delta.delta:+.3f} [{delta.low:+.3f}, {delta.high:+.3f}] vs eager"
    for fmt in ("text", "markdown"):
        assert line in render(rec, fmt), fmt
    html = render(rec, "html")
    assert 'id="variants"' in html and f"{delta.delta:+.3f} [{delta.low:+.3f}, {delta.high:+.3f}]" in html
    assert Recommendation.from_json(rec.to_json()) == rec
    assert json.loads(rec.to_json())["results"][1]["accuracy_delta"]["versus"] == MINILM


def test_without_a_sample_a_variant_s_accuracy_is_unknown_never_the_published_figure():
    from modelpick.candidates import TransformerCandidate
    from modelpick.estimation import EstimationSettings, estimate_quality

    model = TransformerCandidate.from_name("distilbert-base-uncased")
    settings = EstimationSettings(num_threads=1, device="cpu", random_state=0, timeout_s=60, trust_remote_code=False)
    released = estimate_quality(model, None, None, task="text-classification", settings=settings)
    int8 = estimate_quality(model.with_variant("int8"), None, None, task="text-classification", settings=settings)
    assert released.provenance == "published" and released.accuracy is not None
    assert (int8.candidate, int8.provenance, int8.accuracy) == ("distilbert-base-uncased [int8]", "unknown", None)
    assert "not for its int8 variant" in int8.note
