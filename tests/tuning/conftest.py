"""Shared pieces of the tuning tests: a tiny real BERT, a two-class sample, jobs and settings built on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelpick.tuning import SearchSpace, TuningJob, TuningSettings

# Words the tiny BERT's vocabulary knows, so the two classes differ in real tokens.
POSITIVE = ("good", "great", "excellent", "love")
NEGATIVE = ("awful", "bad", "terrible", "hate")


def two_class_texts(n_per_class: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``n_per_class`` texts of each class ("good great 3" / "awful bad 7"), interleaved, and their labels."""
    texts, labels = [], []
    for i in range(n_per_class):
        texts.append(f"{POSITIVE[i % 4]} {POSITIVE[(i + 1) % 4]} {i}")
        labels.append("pos")
        texts.append(f"{NEGATIVE[i % 4]} {NEGATIVE[(i + 1) % 4]} {i}")
        labels.append("neg")
    return tuple(texts), tuple(labels)


def make_job(model_path: str | Path, **changes) -> TuningJob:
    """A job over 24 texts (16 to train, 8 to validate) for the model at ``model_path``; ``changes`` replace fields."""
    texts, labels = two_class_texts(12)
    values = {
        "candidate": "tiny-bert",
        "model_path": str(model_path),
        "labels": ("neg", "pos"),
        "train_texts": texts[:16],
        "train_labels": labels[:16],
        "validation_texts": texts[16:],
        "validation_labels": labels[16:],
        "space": SearchSpace.for_lengths(p99_tokens=6, model_max_length=128),
        "trials_planned": 2,
        "trial_timeout_s": 120.0,
        "random_state": 0,
    }
    values.update(changes)
    return TuningJob(**values)


def make_settings(tmp_path: Path, **changes) -> TuningSettings:
    values = {
        "num_threads": 1, "device": "cpu", "random_state": 0, "trust_remote_code": False,
        "storage": f"sqlite:///{tmp_path}/s.db", "study_prefix": "t", "artifacts_dir": str(tmp_path / "art"),
        "trials_per_candidate": 2, "trial_timeout_s": 120,
    }
    values.update(changes)
    return TuningSettings(**values)


@pytest.fixture(name="make_job", scope="session")
def _make_job_fixture():
    """``make_job(model_path, **changes)``: a job over the two-class sample for the model at ``model_path``."""
    return make_job


@pytest.fixture(name="make_settings", scope="session")
def _make_settings_fixture():
    """``make_settings(tmp_path, **changes)``: settings whose storage and artifacts live under ``tmp_path``."""
    return make_settings


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """A tiny random BERT with its tokenizer, saved with ``save_pretrained``."""
    from modelpick.testing.tiny_models import save_tiny_model

    return save_tiny_model("bert", tmp_path_factory.mktemp("tiny-bert") / "model")


@pytest.fixture(autouse=True)
def _offline_and_private_cache(offline_and_private_cache):
    """Trial children inherit the environment: nothing may reach the network or the user's cache."""


@pytest.fixture
def tiny_job(tiny_bert):
    """``tiny_job(trials=2, **changes)``: a job for the tiny BERT planning ``trials`` trials."""

    def build(trials: int = 2, **changes) -> TuningJob:
        return make_job(tiny_bert, trials_planned=trials, **changes)

    return build


@pytest.fixture
def tuning_settings(tmp_path):
    """``tuning_settings(storage, **changes)``: settings for tests whose studies live in ``storage``."""

    def build(storage: str | None = None, **changes) -> TuningSettings:
        if storage is not None:
            changes["storage"] = storage
        return make_settings(tmp_path, **changes)

    return build
