"""Every registered member of every plug-in family passes its family's contract, and broken ones fail it.

The profiler and estimator contracts run the plug-in on a real example. Each registered key needs an
example below: a key without one fails, so a new family member cannot slip through untested.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from modelpick.candidates import CANDIDATE_KINDS, baselines, catalog, resolve_candidate
from modelpick.candidates._base import WeightsResolution
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.estimation import QUALITY_ESTIMATORS
from modelpick.profiling import PROFILERS
from modelpick.report import RENDERERS
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
