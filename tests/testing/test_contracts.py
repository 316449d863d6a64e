"""Every registered member of every plug-in family passes its family's contract, and broken ones fail it.

The profiler and estimator contracts run the plug-in on a real example. Each registered key needs an
example below: a key without one fails, so a new family member cannot slip through untested.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from modelpick.candidates import CANDIDATE_KINDS, baselines, catalog, resolve_candidate
from modelpick.candidates._base import WeightsResolution
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.candidates.variants import VARIANTS, EagerVariant, ModuleRunner, Variant
from modelpick.estimation import QUALITY_ESTIMATORS
from modelpick.estimation._base import QualityEstimator
from modelpick.profiling import PROFILERS
from modelpick.profiling.baseline import BaselineProfiler
from modelpick.profiling.transformer import TransformerProfiler
from modelpick.report import RENDERERS
from modelpick.results import ProfileResult, QualityEstimate
from modelpick.tasks import TASKS
from modelpick.testing import contracts


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    # The linear probe spawns a child, which inherits the environment: it must not reach the network.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A tiny BERT with tokenizer, saved once, as a local-path candidate with real (local) weights."""
    from modelpick.testing.tiny_models import save_tiny_model

    path = str(save_tiny_model("bert", tmp_path_factory.mktemp("contract-bert")))
    candidate = TransformerCandidate(name="contract-tiny-bert", family="BERT", model_id=path, local_path=path,
                                     source="local path")
    return {"candidate": candidate, "weights": WeightsResolution("local", path, "saved by the contract tests")}


def _tfidf_baseline() -> dict[str, Any]:
    # TF-IDF + logistic regression rather than majority class: it fits and predicts something real.
    return {"candidate": next(b for b in baselines() if b.name == "tfidf-logreg")}


# key -> builder of check_* keyword arguments; builders get the pytest request to reach fixtures lazily.
Example = Callable[[pytest.FixtureRequest], dict[str, Any]]

PROFILER_EXAMPLES: dict[str, Example] = {
    "transformer": lambda request: request.getfixturevalue("tiny_bert"),
    "baseline": lambda request: _tfidf_baseline(),
}

ESTIMATOR_EXAMPLES: dict[str, Example] = {
    "cross-validation": lambda request: _tfidf_baseline(),
    "linear-probe": lambda request: request.getfixturevalue("tiny_bert"),
    # No sample given: the catalog's cited figure. DistilBERT has one (MNLI-m).
    "published": lambda request: {"candidate": resolve_candidate("distilbert-base-uncased"), "split": None},
}


def _example(examples: dict[str, Example], key: str, family: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    if key not in examples:
        pytest.fail(f"{family} {key!r} is registered but has no contract example: add one to "
                    f"tests/testing/test_contracts.py so its contract runs")
    return examples[key](request)


@pytest.mark.parametrize("key", sorted(RENDERERS))
def test_renderers(key):
    contracts.check_renderer(key, RENDERERS[key])


@pytest.mark.parametrize("key", sorted(TASKS))
def test_tasks(key):
    contracts.check_task(key, TASKS[key])


# Estimators whose example spawns a model process: "slow" by this project's marker.
_SPAWNS_A_CHILD = {"linear-probe"}


@pytest.mark.parametrize(
    "key", [pytest.param(k, marks=pytest.mark.slow) if k in _SPAWNS_A_CHILD else k for k in sorted(QUALITY_ESTIMATORS)]
)
def test_quality_estimators(key, request):
    example = _example(ESTIMATOR_EXAMPLES, key, "quality estimator", request)
    estimate = contracts.check_quality_estimator(key, QUALITY_ESTIMATORS[key], **example)
    # Every built-in example is one its estimator can estimate, so none comes back unknown.
    assert estimate.accuracy is not None


@pytest.mark.parametrize("key", sorted(PROFILERS))
def test_profilers(key, request):
    example = _example(PROFILER_EXAMPLES, key, "profiler", request)
    result = contracts.check_profiler(key, PROFILERS[key], **example)
    from modelpick.profiling._memory import peak_rss_mb

    if peak_rss_mb() is not None:  # where the OS reports peak RSS, a baseline was given: memory is reported
        assert result.peak_rss_mb is not None


@pytest.mark.parametrize("key", sorted(CANDIDATE_KINDS))
def test_candidate_kinds(key):
    example = {"transformer": catalog()[0], "baseline": baselines()[0]}[key]
    contracts.check_candidate_kind(key, CANDIDATE_KINDS[key], example)


@pytest.mark.parametrize(("examples", "registry"), [(PROFILER_EXAMPLES, PROFILERS),
                                                    (ESTIMATOR_EXAMPLES, QUALITY_ESTIMATORS)])
def test_no_example_for_an_unregistered_key(examples, registry):
    assert set(examples) <= set(registry), "an example for a key no longer registered is dead weight"


def test_a_registered_key_without_an_example_fails(request):
    with pytest.raises(pytest.fail.Exception, match="'new-kind' is registered but has no contract example"):
        _example(PROFILER_EXAMPLES, "new-kind", "profiler", request)


def test_the_contract_split_has_enough_examples_per_class():
    from collections import Counter

    split = contracts.contract_split()
    assert min(Counter(split.train_labels).values()) >= 3
    assert set(split.test_labels) == set(split.train_labels)


def test_check_modules_do_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, modelpick.testing.contracts, modelpick.testing.factories; "
            "print(sorted(m for m in ('torch', 'transformers', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- broken plug-ins fail their contract -----------------------------------------------------------------


def test_a_broken_renderer_is_caught():
    from modelpick.report import Renderer

    class Forgetful(Renderer):
        name = "forgetful"
        media_type = "text/plain"

        def render(self, recommendation):
            return recommendation.ranked[0].name if recommendation.ranked else "nothing"

    with pytest.raises(AssertionError, match="does not mention candidate"):
        contracts.check_renderer("forgetful", Forgetful)


@pytest.fixture(scope="module")
def good_profile() -> ProfileResult:
    """One real baseline profile, which each broken profiler below corrupts in one way."""
    return contracts.check_profiler("baseline", BaselineProfiler, baselines()[0])


def _latency(result: ProfileResult, **changes: Any) -> ProfileResult:
    return dataclasses.replace(result, latency=dataclasses.replace(result.latency, **changes))


PROFILE_BREAKS: dict[str, tuple[Callable[[ProfileResult], ProfileResult], str]] = {
    "p90 below p50": (lambda r: _latency(r, p90_ms=r.latency.p50_ms / 2), r"p50 <= p90 <= p95 <= p99 is broken"),
    "p99 not a number": (lambda r: _latency(r, p99_ms=float("nan")), r"latency\.p99_ms must be finite and > 0"),
    "no timed calls": (lambda r: _latency(r, n=0), r"latency\.n >= 1 is broken"),
    "negative stdev": (lambda r: _latency(r, stdev_ms=-1.0), r"latency\.stdev_ms must be finite and >= 0"),
    "negative memory": (lambda r: dataclasses.replace(r, peak_rss_mb=-3.0),
                        r"peak_rss_mb must be None or finite and >= 0"),
    "negative gpu memory": (lambda r: dataclasses.replace(r, peak_gpu_mb=-1.0), r"peak_gpu_mb must be None or"),
    "zero throughput": (lambda r: dataclasses.replace(r, throughput_per_s=0.0),
                        r"throughput_per_s must be finite and > 0"),
    "zero threads": (lambda r: dataclasses.replace(r, num_threads=0), r"num_threads >= 1 is broken"),
    "negative parameters": (lambda r: dataclasses.replace(r, parameters=-1), r"parameters must be an int >= 0"),
    "published, not measured": (lambda r: dataclasses.replace(r, provenance="published"),
                                r"provenance must be 'measured'"),
    "someone else's result": (lambda r: dataclasses.replace(r, candidate="other"), r"must be for candidate"),
    "no lengths": (lambda r: dataclasses.replace(r, lengths=dataclasses.replace(r.lengths, n=0)),
                   r"lengths\.n >= 1 and lengths\.max >= 1 is broken"),
    "lost on the way to JSON": (lambda r: dataclasses.replace(r, library_versions={"lib": ("1", "2")}),
                                r"round-trip through to_dict/from_dict"),
}


@pytest.mark.parametrize("broken", sorted(PROFILE_BREAKS))
def test_a_broken_profiler_is_caught(broken, good_profile):
    corrupt, rule = PROFILE_BREAKS[broken]

    class Broken(BaselineProfiler):
        def profile(self, candidate, weights, split, settings, *, baseline_rss_mb=None):
            return corrupt(good_profile)

    with pytest.raises(AssertionError, match=rule) as caught:
        contracts.check_profiler("baseline", Broken, baselines()[0])
    assert str(caught.value).startswith("baseline: ")  # the message names the plug-in


def test_a_profiler_that_leaves_torch_threads_changed_is_caught(request):
    import torch

    class Leaky(TransformerProfiler):
        def close(self):
            pass  # forgets to undo configure()

    before = torch.get_num_threads()
    request.addfinalizer(lambda: torch.set_num_threads(before))
    # A count other than the current one, so a forgotten close() shows whatever the default is.
    settings = dataclasses.replace(contracts.contract_profile_settings(), num_threads=before + 1)
    with pytest.raises(AssertionError, match=r"transformer: close\(\) must undo configure\(\)"):
        contracts.check_profiler("transformer", Leaky, **request.getfixturevalue("tiny_bert"), settings=settings)


def test_a_profiler_registered_under_another_kind_is_caught():
    with pytest.raises(AssertionError, match="is 'baseline' but it is registered as 'transformer'"):
        contracts.check_profiler("transformer", BaselineProfiler, baselines()[0])


def _estimate(**changes: Any) -> QualityEstimate:
    values: dict[str, Any] = {"candidate": "majority-class", "method": "broken", "provenance": "measured",
                              "accuracy": 0.5, "accuracy_low": 0.3, "accuracy_high": 0.7, "macro_f1": 0.4,
                              "note": "made up for the contract test"}
    values.update(changes)
    return QualityEstimate(**values)


def _estimator(estimate: QualityEstimate, *, applies: bool = True) -> type[QualityEstimator]:
    class Broken(QualityEstimator):
        name = "broken"

        def applies_to(self, candidate, weights, split):
            return applies

        def estimate(self, candidate, weights, split, *, task, settings):
            return estimate

    return Broken


def test_a_well_formed_estimate_passes():
    # The control for the cases below: each breaks exactly one rule of an estimate that passes.
    contracts.check_quality_estimator("broken", _estimator(_estimate()), baselines()[0])


ESTIMATE_BREAKS: dict[str, tuple[QualityEstimate, str]] = {
    "accuracy above 1": (_estimate(accuracy=1.2, accuracy_high=None), r"accuracy must be in \[0, 1\]; got 1\.2"),
    "accuracy not a number": (_estimate(accuracy=float("nan")), r"accuracy must be in \[0, 1\]"),
    "low above accuracy": (_estimate(accuracy_low=0.6), r"accuracy_low <= accuracy is broken"),
    "high below accuracy": (_estimate(accuracy_high=0.4), r"accuracy <= accuracy_high is broken"),
    "bound outside [0, 1]": (_estimate(accuracy_low=-0.1), r"accuracy_low must be in \[0, 1\]"),
    "unknown without a reason": (_estimate(accuracy=None, accuracy_low=None, accuracy_high=None, note=""),
                                 r"accuracy None \(unknown\) needs a non-empty note"),
    "unknown with an interval": (_estimate(accuracy=None, note="unknown"), r"cannot have an interval"),
    "macro-F1 above 1": (_estimate(macro_f1=1.5), r"macro_f1 must be in \[0, 1\]"),
    "method not the key": (_estimate(method="other"), r"method must be the registry key 'broken'"),
    "made-up provenance": (_estimate(provenance="guessed"), r"provenance must be one of"),
    "published without citation": (_estimate(provenance="published"), r"must carry its citation"),
    "someone else's estimate": (_estimate(candidate="other"), r"must be for candidate 'majority-class'"),
    "negative test count": (_estimate(n_test=-1), r"n_test must be >= 0"),
}


@pytest.mark.parametrize("broken", sorted(ESTIMATE_BREAKS))
def test_a_broken_estimator_is_caught(broken):
    estimate, rule = ESTIMATE_BREAKS[broken]
    with pytest.raises(AssertionError, match=rule) as caught:
        contracts.check_quality_estimator("broken", _estimator(estimate), baselines()[0])
    assert str(caught.value).startswith("broken: ")  # the message names the plug-in


def test_an_estimator_that_does_not_apply_to_its_example_is_caught():
    with pytest.raises(AssertionError, match=r"broken: applies_to\(\) must be true for the example"):
        contracts.check_quality_estimator("broken", _estimator(_estimate(), applies=False), baselines()[0])


def test_an_estimator_taking_settings_by_position_is_caught():
    class Positional(QualityEstimator):
        name = "positional"

        def applies_to(self, candidate, weights, split):
            return True

        def estimate(self, candidate, weights, split, task, settings):  # not keyword-only
            raise AssertionError("never called")

    with pytest.raises(AssertionError, match="positional: estimate\\(\\) must take task= by keyword"):
        contracts.check_quality_estimator("positional", Positional, baselines()[0])


def test_published_estimator_without_a_figure_keeps_its_method():
    minilm = resolve_candidate("sentence-transformers/all-MiniLM-L6-v2")
    contracts.check_quality_estimator("published", QUALITY_ESTIMATORS["published"], minilm, split=None)


def test_a_mutable_candidate_kind_is_caught():
    from modelpick.candidates.baseline import BaselineCandidate

    class Mutable(BaselineCandidate):
        def __setattr__(self, name, value):  # undoes frozen: a candidate could change in a child
            object.__setattr__(self, name, value)

    example = Mutable(name="majority-class", family="Majority class", strategy="majority", source="builtin")
    with pytest.raises(AssertionError, match="baseline: candidates must be frozen dataclasses"):
        contracts.check_candidate_kind("baseline", Mutable, example)
    assert example.name == "majority-class"  # the check probed a copy


# -- deployment variants ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def variant_example() -> dict[str, Any]:
    """A tiny BERT (random weights) and one batch of its inputs, for the variant contract."""
    import torch

    from modelpick.candidates import load_transformer
    from modelpick.testing.tiny_models import tiny_config

    model = load_transformer(WeightsResolution("architecture-only", None, "random weights",
                                               config=tiny_config("bert"))).model
    inputs = {"input_ids": torch.tensor([[2, 7, 9, 11, 3], [2, 8, 3, 0, 0]]),
              "attention_mask": torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])}
    return {"model": model, "example_inputs": inputs}


@pytest.mark.parametrize("key", sorted(VARIANTS))
def test_variants(key, variant_example):
    # int8 changes the numbers; every other variant computes the fp32 model's output up to rounding.
    runner = contracts.check_variant(key, VARIANTS[key], **variant_example,
                                     min_pooled_cosine=0.99 if key == "int8" else 0.9999)
    assert (runner is None) == (VARIANTS[key]().unavailable_reason("cpu") is not None)


def _broken_variant(**overrides: Any) -> type[Variant]:
    """The eager variant with one hook replaced: each case below breaks one rule of the contract."""
    return type("Broken", (EagerVariant,), {"name": "broken", **overrides})


class _NegatedRunner(ModuleRunner):
    def __call__(self, inputs):
        return -super().__call__(inputs)


class _DoubleRunner(ModuleRunner):
    def __call__(self, inputs):
        return super().__call__(inputs).double()


class _FirstShapeRunner(ModuleRunner):
    """Answers every call with its first output, as a graph traced at one fixed shape would."""

    def __call__(self, inputs):
        if "first" not in self.details:
            object.__setattr__(self, "details", {"first": ""})
            object.__setattr__(self, "_first", super().__call__(inputs))
        return self._first


def _build_with(runner_class: type[ModuleRunner], weights_mb: float | None = 1.0, details: Any = None) -> Any:
    def build(self, model, *, example_inputs, input_names, device, num_threads, workdir):
        return runner_class(model, input_names, weights_mb, {} if details is None else details)

    return build


def _build_touching_the_model(self, model, *, example_inputs, input_names, device, num_threads, workdir):
    import torch

    with torch.no_grad():
        next(model.parameters()).add_(1.0)  # casting or quantizing in place does the same to a caller
    return ModuleRunner(model, input_names, 1.0, {})


VARIANT_BREAKS: dict[str, tuple[dict[str, Any], str]] = {
    "another model": ({"build": _build_with(_NegatedRunner)}, r"pooled features' cosine similarity .* below 0\.99"),
    "float64 out": ({"build": _build_with(_DoubleRunner)}, r"must return float32; got torch\.float64"),
    "one shape only": ({"build": _build_with(_FirstShapeRunner)}, r"must return \(batch, sequence, hidden\)"),
    "negative size": ({"build": _build_with(ModuleRunner, weights_mb=-1.0)}, r"weights_mb must be None or a finite"),
    "details not text": ({"build": _build_with(ModuleRunner, details={"opset": 17})}, r"describe\(\) must return"),
    "model changed": ({"build": _build_touching_the_model}, r"must leave the caller's model unchanged"),
    "two-line reason": ({"unavailable_reason": lambda self, device: "no\nway"}, r"one non-empty line"),
    "prepares where it says it cannot": (
        {"unavailable_reason": lambda self, device: "never here",
         "prepare": lambda self, model, **kwargs: EagerVariant().prepare(model, **kwargs)},
        r"prepare\(\) must raise CandidateError on cpu, where it says: never here"),
    "registered under another name": ({"name": "other"}, r"is 'other' but it is registered as 'broken'"),
}


@pytest.mark.parametrize("broken", sorted(VARIANT_BREAKS))
def test_a_broken_variant_is_caught(broken):
    from modelpick.candidates import load_transformer
    from modelpick.testing.tiny_models import tiny_config

    overrides, rule = VARIANT_BREAKS[broken]
    # A model of its own: one case changes the model it is given.
    model = load_transformer(WeightsResolution("architecture-only", None, "random weights",
                                               config=tiny_config("bert"))).model
    import torch

    inputs = {"input_ids": torch.tensor([[2, 7, 9, 3]]), "attention_mask": torch.ones(1, 4, dtype=torch.long)}
    with pytest.raises(AssertionError, match=rule) as caught:
        contracts.check_variant("broken", _broken_variant(**overrides), model, inputs)
    assert str(caught.value).startswith("broken: ")  # the message names the plug-in
