"""End to end through ``modelpick.recommend`` on real models: the packaged pretrained MiniLM, tiny saved
checkpoints found through a fake Hugging Face cache, catalog architectures built from config."""

from __future__ import annotations

import json

import pytest

import modelpick
from modelpick.results import Recommendation
from modelpick.testing.tiny_models import make_fake_hf_cache, save_tiny_model

# One row per model: these tests are about other things (deployment variants: tests/test_advisor_variants.py).
FAST = dict(max_profile_time_s=0.3, num_threads=1, allow_download=False, variants=["eager"])
MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True, raising=False)


@pytest.fixture(scope="module")
def demo():
    from modelpick.api import builtin_sample

    return builtin_sample()


@pytest.mark.slow
def test_packaged_minilm_gets_real_accuracy_on_the_demo(demo):
    rec = modelpick.recommend("text-classification", demo, candidates=[MINILM, "tfidf-logreg"], **FAST)
    minilm = rec.result(MINILM)
    assert minilm.status == "ok", minilm.reason
    assert minilm.candidate.weights_source == "package"
    q = minilm.quality
    assert q.method == "linear-probe" and q.provenance == "measured"
    assert 0.5 < q.accuracy <= 1.0
    assert q.accuracy_low <= q.accuracy <= q.accuracy_high
    p = minilm.profile
    assert p.parameters == pytest.approx(22_713_216, rel=0.01)
    assert p.lengths.source.startswith("candidate tokenizer")
    assert p.latency.p50_ms <= p.latency.p90_ms <= p.latency.p99_ms
    assert p.weights_on_disk_mb > 80
    baseline = rec.result("tfidf-logreg")
    assert baseline.quality.method == "cross-validation"
    assert rec.quality_basis.startswith("measured")
    assert rec.sample.n_test + rec.sample.n_train == rec.sample.n
    # Same split for every candidate: both report the same held-out size.
    assert q.n_test == baseline.quality.n_test == rec.sample.n_test
    assert set(rec.to_frame().index) == {MINILM, "tfidf-logreg"}
    assert Recommendation.from_json(rec.to_json()) == rec


@pytest.mark.slow
def test_no_sample_ranks_by_published_figures_never_measured():
    rec = modelpick.recommend(
        "text-classification", candidates=["distilbert-base-uncased", "huawei-noah/TinyBERT_General_4L_312D"], **FAST
    )
    assert "published" in rec.quality_basis
    for result in rec.results:
        assert result.status == "ok", result.reason
        assert result.candidate.weights_source == "architecture-only"
        assert result.quality.provenance == "published"
        assert result.quality.citation
        assert result.profile.lengths.source.startswith("approximated")
    assert rec.best is not None
    assert "published accuracy" in rec.ranked[0].reason


@pytest.mark.slow
def test_hf_cache_checkpoint_and_a_broken_candidate(tmp_path, monkeypatch, demo):
    cache = tmp_path / "hub"
    make_fake_hf_cache(cache, "acme/tiny-bert", save_tiny_model("bert", tmp_path / "src"))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache), raising=False)
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 30, "num_attention_heads": 4}))

    rec = modelpick.recommend(
        "text-classification", demo, candidates=["acme/tiny-bert", str(broken), "majority-class"], **FAST
    )
    tiny = rec.result("acme/tiny-bert")
    assert tiny.status == "ok", tiny.reason
    assert tiny.candidate.weights_source == "hf-cache"
    assert tiny.quality.method == "linear-probe" and tiny.quality.accuracy is not None
    failed = rec.result(str(broken))
    assert failed.status == "failed" and failed.reason
    assert any(r.name == str(broken) for r in rec.rejected)
    assert rec.result("majority-class").status == "ok"


def test_bad_inputs_raise_clear_errors(tmp_path):
    with pytest.raises(modelpick.ModelpickError, match="'max_memory_mb' parameter of recommend"):
        modelpick.recommend(sample=None, max_memory_mb=-1)
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        modelpick.recommend(sample=str(tmp_path / "missing.csv"))
    with pytest.raises(KeyError, match="no-such-task"):
        modelpick.recommend("no-such-task", max_latency_ms=20)


@pytest.mark.slow
def test_failed_accuracy_estimate_keeps_the_measured_cost(tmp_path, demo):
    # Real weights but no tokenizer: cost is measured at approximated lengths, the probe cannot run.
    from transformers import AutoConfig, AutoModel

    from modelpick.testing.tiny_models import tiny_config

    model_dir = tmp_path / "no-tokenizer"
    AutoModel.from_config(AutoConfig.for_model(**tiny_config("bert"))).save_pretrained(model_dir)
    rec = modelpick.recommend("text-classification", demo, candidates=[str(model_dir)], **FAST)
    (result,) = rec.results
    assert result.status == "ok", result.reason
    assert result.profile is not None and result.profile.lengths.source.startswith("approximated")
    assert result.quality.accuracy is None
    assert result.quality.note.startswith("estimation failed:") and "tokenizer" in result.quality.note


@pytest.mark.slow
def test_dataframe_and_records_with_named_columns_give_the_same_split():
    import pandas as pd

    texts = [f"refund for invoice {i}" for i in range(12)] + [f"app crashes on screen {i}" for i in range(12)]
    labels = ["billing"] * 12 + ["technical"] * 12
    frame = pd.DataFrame({"message": texts, "team": labels, "id": range(24)})
    kwargs = dict(candidates=["tfidf-logreg"], text_column="message", label_column="team", **FAST)
    from_frame = modelpick.recommend("text-classification", frame, **kwargs)
    from_records = modelpick.recommend("text-classification", frame.to_dict("records"), **kwargs)
    for rec in (from_frame, from_records):
        assert rec.sample.text_column == "message" and rec.sample.label_column == "team"
        assert rec.sample.classes == ("billing", "technical")
    assert from_frame.result("tfidf-logreg").quality == from_records.result("tfidf-logreg").quality
