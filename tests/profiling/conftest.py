"""Fixtures for the profiling tests: a small split, a tiny saved model, fast settings."""

from __future__ import annotations

import pytest

from modelpick.data._sample import DataSplit
from modelpick.profiling import ProfileSettings

# One text longer than the tiny models' 128 positions, so truncation is exercised.
_LONG = " ".join(["the service was slow and the app crash , i want a refund"] * 16)
_TEXTS = (
    "the movie was great",
    "terrible service and slow delivery !",
    "i love this app",
    "login error again",
    "refund my order please , it was late and broken",
    "the film was ok but not great",
    "my password is not working",
    "fast delivery , good price",
    _LONG,
    "why is my account broken ?",
    "excellent support , very fast",
    "the app is slow",
)
_LABELS = ("pos", "neg", "pos", "neg", "neg", "pos", "neg", "pos", "neg", "neg", "pos", "neg")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    # Spawned children inherit the environment, so this keeps them offline too.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def _torch_default_threads() -> int:
    import torch

    return torch.get_num_threads()


@pytest.fixture(autouse=True)
def _keep_torch_threads(_torch_default_threads: int):
    # In-process profiling sets torch's thread count; later tests in this process should not inherit it.
    yield
    import torch

    torch.set_num_threads(_torch_default_threads)


@pytest.fixture(scope="session")
def split() -> DataSplit:
    return DataSplit(_TEXTS[:8], _LABELS[:8], _TEXTS[8:], _LABELS[8:], random_state=0)


@pytest.fixture(scope="session")
def fast_settings() -> ProfileSettings:
    return ProfileSettings(num_threads=1, max_time_s=0.3, throughput_batch_size=4, max_input_lengths=6)


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory):
    from modelpick.testing.tiny_models import save_tiny_model

    return save_tiny_model("bert", tmp_path_factory.mktemp("tiny-bert"))
