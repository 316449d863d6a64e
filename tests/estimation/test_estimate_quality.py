"""Settings, the registry, and which estimator estimate_quality picks for each candidate."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from modelpick.candidates._base import WeightsResolution
from modelpick.candidates.baseline import BaselineCandidate
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.estimation import ARCHITECTURE_ONLY_NOTE, QUALITY_ESTIMATORS, QualityEstimator, estimate_quality
from modelpick.estimation.cross_validation import CrossValidationEstimator
from modelpick.estimation.linear_probe import LinearProbeEstimator
from modelpick.estimation.published import PublishedEstimator
from modelpick.exceptions import EstimationError, InvalidParameterError, UnknownNameError
from modelpick.results import PublishedFigure, QualityEstimate
from modelpick.testing.tiny_models import tiny_config

ARCH_ONLY = WeightsResolution("architecture-only", None, "no weights found anywhere", config=tiny_config("bert"))
REAL = WeightsResolution("local", "/nonexistent/model", "explicit local path")


def _transformer(name="tiny-bert", **fields) -> TransformerCandidate:
    return TransformerCandidate(name=name, family="bert", model_id=name, architecture=tiny_config("bert"), **fields)


def _baseline(strategy="tfidf-logreg") -> BaselineCandidate:
    names = {"majority": "majority-class", "tfidf-logreg": "tfidf-logreg", "tfidf-linearsvm": "tfidf-linearsvm"}
    return BaselineCandidate(name=names[strategy], family="baseline", source="builtin", strategy=strategy)


def test_settings_defaults_and_frozen(settings):
    assert (settings.n_bootstrap, settings.cv_folds, settings.probe_max_length) == (1000, 5, 256)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.random_state = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("num_threads", 0, "an integer >= 1"),
        ("device", "auto", "'cpu', 'cuda' or 'cuda:N'"),
        ("random_state", -1, "an integer >= 0"),
        ("timeout_s", 0, "a number > 0"),
        ("trust_remote_code", "yes", "True or False"),
        ("n_bootstrap", 0, "an integer >= 1"),
        ("cv_folds", 1, "an integer >= 2"),
    ],
)
def test_settings_reject_bad_values_in_the_one_error_format(make_settings, field, value, expected):
    with pytest.raises(InvalidParameterError) as info:
        make_settings(**{field: value})
    assert str(info.value) == (
        f"The {field!r} parameter of EstimationSettings must be {expected}. Got {value!r} instead."
    )


def test_cuda_device_index_is_accepted(make_settings):
    assert make_settings(device="cuda:1").device == "cuda:1"


def test_registry_names_match_the_estimators_and_methods():
    assert QUALITY_ESTIMATORS == {
        "cross-validation": CrossValidationEstimator,
        "linear-probe": LinearProbeEstimator,
        "published": PublishedEstimator,
    }
    for name, cls in QUALITY_ESTIMATORS.items():
        assert issubclass(cls, QualityEstimator)
        assert cls.name == name


def test_importing_estimation_loads_no_heavy_library():
    code = (
        "import sys, modelpick.estimation\n"
        "heavy = [m for m in ('torch', 'transformers', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("candidate", "weights", "with_split", "expected"),
    [
        (_baseline(), None, True, "cross-validation"),
        (_baseline(), None, False, "published"),
        (_transformer(), REAL, True, "linear-probe"),
        (_transformer(), REAL, False, "published"),
        (_transformer(), ARCH_ONLY, False, "published"),
        (_transformer(), ARCH_ONLY, True, None),
    ],
)
def test_each_estimator_applies_to_exactly_its_cases(candidate, weights, with_split, expected, topic_split):
    split = topic_split if with_split else None
    applying = [name for name, cls in QUALITY_ESTIMATORS.items() if cls().applies_to(candidate, weights, split)]
    assert applying == ([expected] if expected else [])


def test_architecture_only_weights_give_unknown_accuracy_not_a_guess(topic_split, settings):
    estimate = estimate_quality(_transformer(), ARCH_ONLY, topic_split, task="text-classification", settings=settings)
    assert estimate == QualityEstimate(
        candidate="tiny-bert", method="none", provenance="unknown", accuracy=None, note=ARCHITECTURE_ONLY_NOTE
    )
    assert ARCHITECTURE_ONLY_NOTE == (
        "architecture-only weights (random): accuracy cannot be estimated; latency and memory are still exact"
    )


def test_no_sample_uses_published_figures_even_for_architecture_only_weights(settings):
    from modelpick.candidates._catalog import PUBLISHED_QUALITY_METRIC

    figure = PublishedFigure(PUBLISHED_QUALITY_METRIC, 0.8, "dev", "Some et al. 2020, arXiv:0000.00000, Table 1")
    candidate = _transformer(published=(figure,))
    estimate = estimate_quality(candidate, ARCH_ONLY, None, task="text-classification", settings=settings)
    assert (estimate.method, estimate.provenance, estimate.accuracy) == ("published", "published", 0.8)


def test_transformer_with_a_sample_but_unresolved_weights_is_an_error(topic_split, settings):
    with pytest.raises(EstimationError, match="no resolved weights.*resolve_weights"):
        estimate_quality(_transformer(), None, topic_split, task="text-classification", settings=settings)


def test_settings_must_be_estimation_settings(topic_split):
    with pytest.raises(InvalidParameterError, match="'settings' parameter of estimate_quality"):
        estimate_quality(_baseline(), None, topic_split, task="text-classification", settings={"random_state": 0})


def test_unknown_task_name_is_reported_with_the_known_names(topic_split, settings):
    with pytest.raises(UnknownNameError, match="text-classification"):
        estimate_quality(_baseline(), None, topic_split, task="no-such-task", settings=settings)


def test_task_object_is_accepted(topic_split, settings):
    from modelpick.tasks import get_task

    by_object = estimate_quality(_baseline(), None, topic_split, task=get_task("text-classification"), settings=settings)
    by_name = estimate_quality(_baseline(), None, topic_split, task="text-classification", settings=settings)
    assert by_object == by_name
