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
    with pytest.raises(CandidateError) as error:
        load_transformer(resolution)
    message = str(error.value)
    # One line: where it was loaded from, then the library's error as "Type: first line".
    assert message.startswith("Could not load the model from config 'no-such-model': ValueError: ")
    assert "no-such-model" in message.partition(": ValueError: ")[2] and "\n" not in message
    assert isinstance(error.value.__cause__, ValueError)


def test_corrupt_checkpoint_is_a_candidate_error(tiny_models, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_models["bert"] / "config.json").read_text())
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(CandidateError) as error:
        load_transformer(WeightsResolution("local", str(broken), "test"))
    assert str(error.value).startswith(f"Could not load the model from {broken}: ")
    assert "\n" not in str(error.value) and error.value.__cause__ is not None


def test_loaded_weights_are_the_saved_ones(tiny_models):
    import torch
    from transformers import AutoModel

    loaded = load_transformer(WeightsResolution("local", str(tiny_models["bert"]), "test"))
    reference = AutoModel.from_pretrained(tiny_models["bert"])
    for (name, ours), (_, theirs) in zip(loaded.model.state_dict().items(), reference.state_dict().items()):
        assert torch.equal(ours, theirs), name


def test_max_input_length_takes_the_tighter_limit():
    from modelpick.candidates._loading import max_input_length

    class Config:
        max_position_embeddings = 512

    class Tokenizer:
        model_max_length = 256

    class Unset:
        model_max_length = int(1e30)  # transformers' sentinel for "no limit configured"

    assert max_input_length(object(), Config(), Tokenizer()) == 256
    assert max_input_length(object(), Config(), Unset()) == 512
    assert max_input_length(object(), Config(), None) == 512


def test_loaded_model_reports_its_limits_and_inputs(tmp_path):
    from modelpick.candidates._base import WeightsResolution
    from modelpick.candidates._loading import load_transformer
    from modelpick.testing.tiny_models import save_tiny_model

    distilbert = load_transformer(WeightsResolution("local", str(save_tiny_model("distilbert", tmp_path / "d")), "t"))
    assert distilbert.accepted_inputs == {"input_ids", "attention_mask"}  # no token_type_ids
    assert distilbert.max_length == 128
    roberta = load_transformer(WeightsResolution("local", str(save_tiny_model("roberta", tmp_path / "r")), "t"))
    # 130 positions less the padding_idx + 1 = 1 unreachable slot is 129; the tokenizer caps at 128.
    assert roberta.max_length == 128
