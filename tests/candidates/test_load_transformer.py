"""load_transformer: errors become CandidateError, each kind of resolution loads."""

from __future__ import annotations

import pytest

from modelpick.candidates import WeightsResolution, load_transformer
from modelpick.exceptions import CandidateError
from modelpick.testing.tiny_models import tiny_config


def test_architecture_only_builds_random_weights_without_tokenizer():
    resolution = WeightsResolution("architecture-only", None, "test", config=tiny_config("electra"))
    loaded = load_transformer(resolution)
    assert type(loaded.model).__name__ == "ElectraModel"
    assert loaded.tokenizer is None and loaded.weights_on_disk_mb is None
    assert loaded.parameters == sum(p.numel() for p in loaded.model.parameters())


def test_architecture_only_without_config_is_a_candidate_error():
    with pytest.raises(CandidateError, match="needs an architecture config"):
        load_transformer(WeightsResolution("architecture-only", None, "test"))


def test_unknown_model_type_is_a_candidate_error():
    resolution = WeightsResolution("architecture-only", None, "test", config={"model_type": "no-such-model"})
    with pytest.raises(CandidateError, match="Could not load the model"):
        load_transformer(resolution)


def test_corrupt_checkpoint_is_a_candidate_error(tiny_models, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_models["bert"] / "config.json").read_text())
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(CandidateError, match=str(broken)):
        load_transformer(WeightsResolution("local", str(broken), "test"))


def test_loaded_weights_are_the_saved_ones(tiny_models):
    import torch
    from transformers import AutoModel

    loaded = load_transformer(WeightsResolution("local", str(tiny_models["bert"]), "test"))
    reference = AutoModel.from_pretrained(tiny_models["bert"])
    for (name, ours), (_, theirs) in zip(loaded.model.state_dict().items(), reference.state_dict().items()):
        assert torch.equal(ours, theirs), name
