"""Safe loading: no pickle and no model code runs unless the user allows it (--allow-pickle,
--trust-remote-code), proved with files that leave a marker when they do run."""

from __future__ import annotations

import ast
import json
import pickle
import re
import shutil
from pathlib import Path

import pytest

from modelpick.candidates import catalog, load_transformer, resolve_candidate
from modelpick.candidates._base import WeightsResolution
from modelpick.candidates._weights import display_path
from modelpick.cli import main
from modelpick.exceptions import UnsafeModelError
from modelpick.testing.tiny_models import make_fake_hf_cache, save_tiny_model
from modelpick.tuning._trial import _load as load_for_tuning
from modelpick.tuning._trial import token_length_p99

# One row per model (the eager one): what is loaded, and whether its code runs, is the same for every variant.
FAST = ["--threads", "1", "--max-profile-time-s", "0.2", "--timeout", "120", "--variant", "eager"]
PICKLE_FIX = ("a pickle that can run code when loaded; convert it to safetensors or pass --allow-pickle "
              "(allow_pickle=True) if you trust it.")


class _RunsCode:
    """Unpickling this calls open(marker, "w"): what any pickle may do instead."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _pickle_only(source: Path, directory: Path) -> Path:
    """``source``'s tiny model with its weights as pytorch_model.bin (torch.save) instead of safetensors."""
    import torch
    from safetensors.torch import load_file

    shutil.copytree(source, directory)
    torch.save(load_file(directory / "model.safetensors"), directory / "pytorch_model.bin")
    (directory / "model.safetensors").unlink()
    return directory


def _booby_trapped_pickle(source: Path, directory: Path, marker: Path) -> Path:
    """A model directory whose pytorch_model.bin writes ``marker`` when it is unpickled."""
    shutil.copytree(source, directory)
    (directory / "model.safetensors").unlink()
    (directory / "pytorch_model.bin").write_bytes(pickle.dumps(_RunsCode(marker)))
    return directory


def _custom_code(source: Path, directory: Path, marker: Path, *, model_type: str = "evil") -> Path:
    """A working tiny BERT that asks for its own code (auto_map), which writes ``marker`` when imported."""
    shutil.copytree(source, directory)
    config_file = directory / "config.json"
    config = json.loads(config_file.read_text())
    config.update(model_type=model_type, architectures=["EvilModel"], auto_map={
        "AutoConfig": "configuration_evil.EvilConfig", "AutoModel": "modeling_evil.EvilModel",
    })
    config_file.write_text(json.dumps(config))
    (directory / "configuration_evil.py").write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('configuration_evil.py ran')\n"
        "from transformers import BertConfig\n\n\n"
        "class EvilConfig(BertConfig):\n"
        "    model_type = 'evil'\n"
    )
    (directory / "modeling_evil.py").write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('modeling_evil.py ran')\n"
        "from transformers import BertModel\n"
        "from .configuration_evil import EvilConfig\n\n\n"
        "class EvilModel(BertModel):\n"
        "    config_class = EvilConfig\n"
    )
    return directory


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    return save_tiny_model("bert", tmp_path_factory.mktemp("safe") / "bert")


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "code-ran.txt"


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


# -- pickles -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["advise", "profile"])
def test_a_pickle_only_model_dir_is_refused_before_anything_is_measured(command, tiny_bert, tmp_path, capsys):
    directory = _pickle_only(tiny_bert, tmp_path / "old-model")
    # Progress stays on (no --quiet): a refusal before measuring prints no candidate line.
    code = main([command, "--candidate", str(directory), "--candidate", "majority-class", *FAST])
    err = _one_line_error(capsys)
    assert code == 2
    shown = display_path(directory.resolve())
    assert err == f"error: The local model directory {shown} has only pytorch_model.bin, {PICKLE_FIX}"


def test_a_booby_trapped_pickle_is_never_unpickled_without_consent(tiny_bert, tmp_path, marker):
    directory = _booby_trapped_pickle(tiny_bert, tmp_path / "trap", marker)
    candidate = resolve_candidate(str(directory))
    with pytest.raises(UnsafeModelError, match=re.escape(PICKLE_FIX)):
        candidate.check_safe_to_load(allow_pickle=False, trust_remote_code=False)
    with pytest.raises(UnsafeModelError, match=re.escape(PICKLE_FIX)):
        candidate.resolve_weights(allow_download=False)
    # The loaders refuse it on their own too, whoever built the resolution (the children check again).
    with pytest.raises(UnsafeModelError, match=r"has only pytorch_model\.bin, a pickle"):
        load_transformer(WeightsResolution("local", str(directory), "built by hand"))
    with pytest.raises(UnsafeModelError, match=r"has only pytorch_model\.bin, a pickle"):
        load_for_tuning(str(directory), ["a", "b"], trust_remote_code=False)
    assert not marker.exists()


def test_allowed_pickles_still_go_through_torchs_weights_only_unpickler(tiny_bert, tmp_path, marker):
    # allow_pickle lets a .bin load; it never turns torch's weights-only unpickler off.
    directory = _booby_trapped_pickle(tiny_bert, tmp_path / "trap", marker)
    resolution = resolve_candidate(str(directory)).resolve_weights(allow_download=False, allow_pickle=True)
    assert resolution.allow_pickle
    with pytest.raises(Exception, match="Weights only load failed|weights_only"):
        load_transformer(resolution)
    assert not marker.exists()


def test_with_allow_pickle_a_pytorch_model_bin_loads_with_the_same_weights(tiny_bert, tmp_path):
    import torch

    directory = _pickle_only(tiny_bert, tmp_path / "old-model")
    candidate = resolve_candidate(str(directory))
    candidate.check_safe_to_load(allow_pickle=True, trust_remote_code=False)
    resolution = candidate.resolve_weights(allow_download=False, allow_pickle=True)
    assert resolution.source == "local" and resolution.allow_pickle
    assert resolution.detail.endswith("(pickle weights pytorch_model.bin, allowed by allow_pickle)")
    from_pickle = load_transformer(resolution)
    from_safetensors = load_transformer(WeightsResolution("local", str(tiny_bert), "safetensors"))
    assert from_pickle.weights_on_disk_mb == pytest.approx((directory / "pytorch_model.bin").stat().st_size / 2**20)
    for (name, ours), (_, theirs) in zip(from_pickle.model.state_dict().items(),
                                         from_safetensors.model.state_dict().items(), strict=True):
        assert torch.equal(ours, theirs), name


def test_safetensors_are_loaded_and_counted_when_a_pickle_lies_beside_them(tiny_bert, tmp_path, marker):
    directory = shutil.copytree(tiny_bert, tmp_path / "both")
    (directory / "pytorch_model.bin").write_bytes(pickle.dumps(_RunsCode(marker)))
    resolution = resolve_candidate(str(directory)).resolve_weights(allow_download=False)
    assert resolution.source == "local" and not resolution.allow_pickle
    loaded = load_transformer(resolution)
    assert loaded.weights_on_disk_mb == pytest.approx((directory / "model.safetensors").stat().st_size / 2**20)
    assert not marker.exists()


def test_a_pickle_only_copy_in_the_hf_cache_is_passed_over_with_the_reason(tiny_bert, tmp_path):
    cache = tmp_path / "hub-cache"
    make_fake_hf_cache(cache, "bert-base-uncased", _pickle_only(tiny_bert, tmp_path / "pickled"))
    bert = next(c for c in catalog() if c.name == "bert-base-uncased")
    refused = bert.resolve_weights(allow_download=False, cache_dir=str(cache))
    assert refused.source == "architecture-only"
    assert (f"in the Hugging Face cache ({display_path(cache)}) with only pickle weights (pytorch_model.bin), "
            "not loaded without --allow-pickle (allow_pickle=True)") in refused.detail
    allowed = bert.resolve_weights(allow_download=False, allow_pickle=True, cache_dir=str(cache))
    assert allowed.source == "hf-cache" and allowed.allow_pickle
    assert load_transformer(allowed).weights_on_disk_mb is not None


def test_a_hub_repository_with_only_pickles_is_not_downloaded_without_consent(tiny_bert, tmp_path, monkeypatch):
    from modelpick.candidates import _weights

    asked: list[list[str]] = []

    def download(repo_id, cache, patterns):
        asked.append(list(patterns))
        return _pickle_only(tiny_bert, tmp_path / "downloaded")

    monkeypatch.setattr(_weights, "hub_offline", lambda: False)
    monkeypatch.setattr(_weights, "hub_reachable", lambda **_: (True, ""))
    monkeypatch.setattr(_weights, "list_root_files", lambda repo_id: ["config.json", "vocab.txt", "pytorch_model.bin"])
    monkeypatch.setattr(_weights, "download_snapshot", download)
    roberta = next(c for c in catalog() if c.name == "roberta-base")
    refused = roberta.resolve_weights(allow_download=True)
    assert refused.source == "architecture-only" and asked == []
    assert ("the Hub repository roberta-base has only pickle weights (pytorch_model.bin), not loaded without "
            "--allow-pickle (allow_pickle=True), so nothing was downloaded") in refused.detail
    allowed = roberta.resolve_weights(allow_download=True, allow_pickle=True)
    assert allowed.source == "hub" and allowed.allow_pickle
    assert asked == [["*.json", "*.txt", "*.model", "pytorch_model.bin"]]


def test_allow_pickle_reaches_the_tuning_trials_and_their_loader_takes_the_pickle(tiny_bert, tmp_path):
    from modelpick._advisor import tuning_settings
    from modelpick.config import AdviseConfig

    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    assert not tuning_settings(AdviseConfig(storage=storage), num_threads=1, device="cpu").allow_pickle
    assert tuning_settings(AdviseConfig(storage=storage, allow_pickle=True), num_threads=1, device="cpu").allow_pickle
    directory = _pickle_only(tiny_bert, tmp_path / "old-model")
    model, tokenizer = load_for_tuning(str(directory), ["billing", "shipping"], trust_remote_code=False,
                                       allow_pickle=True)
    assert model.config.num_labels == 2 and tokenizer is not None


@pytest.mark.slow
def test_allow_pickle_on_the_command_line_profiles_the_pickled_model(tiny_bert, tmp_path, capsys):
    directory = _pickle_only(tiny_bert, tmp_path / "old-model")
    code = main(["profile", "--candidate", str(directory), "--allow-pickle", "--quiet", "--json", *FAST])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    profile_set = json.loads(captured.out)
    assert [p["candidate"] for p in profile_set["profiles"]] == [str(directory)]
    assert profile_set["config"]["allow_pickle"] is True


# -- model code ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["advise", "profile"])
def test_a_model_dir_with_its_own_code_is_refused_and_the_code_never_runs(command, tiny_bert, tmp_path, marker, capsys):
    directory = _custom_code(tiny_bert, tmp_path / "evil", marker)
    extra = ["--demo"] if command == "advise" else []
    code = main([command, "--candidate", str(directory), "--candidate", "majority-class", *extra, *FAST])
    err = _one_line_error(capsys)
    assert code == 2
    assert err == (
        f"error: The local model directory {display_path(directory.resolve())} needs its own Python code to load "
        "(configuration_evil.py, named by auto_map in config.json); modelpick runs no model code unless you pass "
        "--trust-remote-code (trust_remote_code=True), so read that code first and pass it only if you trust it."
    )
    assert not marker.exists()


def test_every_loader_refuses_model_code_on_its_own(tiny_bert, tmp_path, marker):
    # The children check again: a resolution built by hand, a tuning trial, a token count.
    directory = _custom_code(tiny_bert, tmp_path / "evil", marker)
    with pytest.raises(UnsafeModelError, match=r"needs its own Python code to load .* --trust-remote-code"):
        load_transformer(WeightsResolution("local", str(directory), "built by hand"))
    with pytest.raises(UnsafeModelError, match=r"needs its own Python code to load .* --trust-remote-code"):
        load_for_tuning(str(directory), ["a", "b"], trust_remote_code=False)
    with pytest.raises(UnsafeModelError, match=r"needs its own Python code to load .* --trust-remote-code"):
        token_length_p99(str(directory), ["the app is slow"])
    assert not marker.exists()


def test_a_built_in_model_type_is_built_by_transformers_and_its_auto_map_ignored(tiny_bert, tmp_path, marker):
    directory = _custom_code(tiny_bert, tmp_path / "bert-with-code", marker, model_type="bert")
    candidate = resolve_candidate(str(directory))
    candidate.check_safe_to_load(allow_pickle=False, trust_remote_code=False)
    loaded = load_transformer(candidate.resolve_weights(allow_download=False))
    assert type(loaded.model).__name__ == "BertModel"
    assert not marker.exists()


@pytest.mark.slow
def test_with_trust_remote_code_the_models_own_code_is_what_runs(tiny_bert, tmp_path, marker, capsys, monkeypatch):
    # The honest other half: the refusal above is what keeps the code from running, not a broken model.
    monkeypatch.setenv("HF_MODULES_CACHE", str(tmp_path / "hf-modules"))  # where transformers copies the code
    directory = _custom_code(tiny_bert, tmp_path / "evil", marker)
    code = main(["profile", "--candidate", str(directory), "--trust-remote-code", "--quiet", "--json", *FAST])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert marker.read_text() in ("configuration_evil.py ran", "modeling_evil.py ran")
    assert [p["candidate"] for p in json.loads(captured.out)["profiles"]] == [str(directory)]


# -- nothing pickles to disk -----------------------------------------------------------------------------


def _calls(tree: ast.AST) -> list[tuple[str, ast.Call]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            found.append((name, node))
    return found


def test_no_module_of_modelpick_writes_or_reads_a_pickle_file():
    import modelpick

    root = Path(modelpick.__file__).parent
    for source in sorted(root.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                    for alias in node.names} | {node.module for node in ast.walk(tree)
                                                 if isinstance(node, ast.ImportFrom) and node.module}
        assert "joblib" not in imported and "cloudpickle" not in imported, source
        for name, call in _calls(tree):
            assert name not in ("pickle.dump", "pickle.load", "torch.save"), f"{source}: {name}"
            if name == "torch.load":
                weights_only = [k for k in call.keywords if k.arg == "weights_only"]
                assert weights_only and ast.unparse(weights_only[0].value) == "True", f"{source}: torch.load"
            if name.endswith("from_pretrained") or name.endswith("from_config"):
                trusted = [k for k in call.keywords if k.arg == "trust_remote_code"]
                assert all(ast.unparse(k.value) != "True" for k in trusted), f"{source}: {name}"

