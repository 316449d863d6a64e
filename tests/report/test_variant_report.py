"""Deployment variant rows in the reports: each row's runtime, and a variant's accuracy against its eager row."""

from __future__ import annotations

from dataclasses import replace

import pytest

from modelpick.report import render
from modelpick.results import AccuracyDelta, CandidateInfo, Recommendation
from modelpick.testing.factories import make_recommendation, make_result

MODEL = "org/encoder"


def _row(name: str, variant: str, *, runtime: dict[str, str], delta: AccuracyDelta | None = None, **values):
    result = make_result(name, **values)
    info: CandidateInfo = replace(result.candidate, variant=variant,
                                  variant_of=None if variant == "eager" else MODEL)
    profile = replace(result.profile, variant=variant, runtime={"variant": variant, **runtime}) \
        if result.profile is not None else None
    return replace(result, candidate=info, profile=profile, accuracy_delta=delta)


@pytest.fixture
def rec() -> Recommendation:
    return make_recommendation((
        _row(MODEL, "eager", runtime={"label": "PyTorch eager fp32", "weights_mb": "86.6"}, accuracy=0.90),
        _row(f"{MODEL} [int8]", "int8", accuracy=0.892, p90_ms=6,
             runtime={"label": "PyTorch dynamic int8 (Linear)", "weights_mb": "22.1",
                      "quantized_linear_modules": "36"},
             delta=AccuracyDelta(versus=MODEL, delta=-0.008, low=-0.021, high=0.004, n=120)),
        _row(f"{MODEL} [fp16]", "fp16", status="skipped", reason="fp16 runs on CUDA only", runtime={}),
        make_result("tfidf-logreg", kind="baseline"),
    ))


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_variant_row_shows_its_accuracy_against_eager_with_the_paired_interval(rec, fmt):
    out = render(rec, fmt)
    assert "Deployment variants" in out
    assert "int8: accuracy -0.008 [-0.021, +0.004] vs eager (paired bootstrap over held-out examples, 120 texts; " \
           "not a clear difference)" in out
    assert "PyTorch dynamic int8 (Linear), 2 threads, weights 22.1 MB as deployed, 36 Linear layers in int8" in out
    assert "(skipped: fp16 runs on CUDA only)" in out
    # Baselines have no variant: no line of their own in the section.
    section = out[out.index("Deployment variants"):]
    assert "tfidf-logreg:" not in section.split("How these numbers")[0]


def test_the_html_report_has_a_variants_table(rec):
    html = render(rec, "html")
    assert 'id="variants"' in html
    assert "-0.008 [-0.021, +0.004]" in html and "accuracy minus org/encoder&#x27;s on the same 120" in html


def test_no_variant_section_when_each_model_has_one_row():
    rec = make_recommendation((make_result("a"), make_result("b")))
    for fmt in ("text", "markdown", "html"):
        assert "Deployment variants" not in render(rec, fmt)


def test_the_frame_carries_the_variant_and_its_delta(rec):
    pd = pytest.importorskip("pandas")
    frame = rec.to_frame()
    assert frame.loc[f"{MODEL} [int8]", "variant"] == "int8"
    assert frame.loc[f"{MODEL} [int8]", "accuracy_delta"] == pytest.approx(-0.008)
    assert pd.isna(frame.loc[MODEL, "accuracy_delta"])


def test_the_ranked_text_table_shows_each_rows_variant_in_its_name():
    from modelpick.report.text import TextRenderer

    # Rich read " [int8]" as a style tag and dropped it: three rows of one model looked identical.
    rec = make_recommendation((
        _row(MODEL, "eager", runtime={"label": "PyTorch eager fp32"}, accuracy=0.90),
        _row(f"{MODEL} [int8]", "int8", runtime={"label": "PyTorch dynamic int8 (Linear)"}, accuracy=0.89, p90_ms=6),
        _row(f"{MODEL} [onnx]", "onnx", runtime={"label": "ONNX Runtime fp32"}, accuracy=0.88, p90_ms=7),
        make_result("models/[bold]mine[/bold]", kind="transformer"),
    ))
    out = TextRenderer().render(rec)
    table = out[:out.index("Pareto front")]
    cells = {line.split("│")[2].strip() for line in table.splitlines() if line.startswith("│")}
    assert cells == {MODEL, f"{MODEL} [int8]", f"{MODEL} [onnx]", "models/[bold]mine[/bold]"}
