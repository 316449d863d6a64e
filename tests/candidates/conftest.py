"""Fixtures for the candidates tests: no network, an empty Hugging Face cache, tiny saved models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelpick.testing.tiny_models import TINY_VOCABULARY, save_tiny_model


@pytest.fixture(autouse=True)
def offline_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Offline mode on, and an empty hub cache, so no test reads the user's cache or touches the network.

    huggingface_hub reads HF_HUB_OFFLINE once, at import, so its constant is patched as well.
    """
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    empty_cache = tmp_path / "empty-hf-cache"
    monkeypatch.setenv("HF_HUB_CACHE", str(empty_cache))
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_HOME", raising=False)
    return empty_cache


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny real BERT, DistilBERT and ALBERT checkpoints with tokenizers, saved once per session."""
    root = tmp_path_factory.mktemp("tiny-models")
    return {kind: save_tiny_model(kind, root / kind) for kind in ("bert", "distilbert", "albert")}


@pytest.fixture(scope="session")
def tiny_bert_without_model_type(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BERT laid out like huawei-noah/TinyBERT_General_4L_312D: no model_type, only vocab.txt."""
    directory = save_tiny_model("bert", tmp_path_factory.mktemp("tinybert-like") / "model")
    config_file = directory / "config.json"
    config = json.loads(config_file.read_text())
    config.pop("model_type")
    config.pop("architectures", None)
    config_file.write_text(json.dumps(config))
    for name in ("tokenizer_config.json", "special_tokens_map.json", "tokenizer.json"):
        (directory / name).unlink(missing_ok=True)
    (directory / "vocab.txt").write_text("\n".join(TINY_VOCABULARY) + "\n")
    return directory
