"""Contract suites: what every member of a plug-in family must do, whoever wrote it.

Each ``check_*`` function raises ``AssertionError`` naming the broken rule. modelpick's own tests run
them over every registry; a plug-in author runs them over a new class before adding its registry line::

    from modelpick.testing.contracts import check_renderer
    check_renderer("html", HtmlRenderer)
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

__all__ = [
    "check_candidate_kind",
    "check_profiler",
    "check_quality_estimator",
    "check_renderer",
    "check_task",
]


def _check_registered(key: str, cls: type, attribute: str, base: type) -> None:
    assert inspect.isclass(cls) and issubclass(cls, base), f"{cls!r} must subclass {base.__name__}"
    assert not inspect.isabstract(cls), f"{cls.__name__} leaves abstract methods: {sorted(cls.__abstractmethods__)}"
    value = getattr(cls, attribute, None)
    assert value == key, f"{cls.__name__}.{attribute} is {value!r} but it is registered as {key!r}"


def check_renderer(key: str, renderer_class: type) -> None:
    """A renderer is registered under its name, and shows every candidate without changing anything."""
    from modelpick.report import Renderer
    from modelpick.testing.factories import make_recommendation, make_result

    _check_registered(key, renderer_class, "name", Renderer)
    assert isinstance(renderer_class.media_type, str) and "/" in renderer_class.media_type, "media_type must be a MIME type"
    rec = make_recommendation(
        (
            make_result("contract-ok", accuracy=0.9, p90_ms=5),
            make_result("contract-unknown", accuracy=None, weights_source="architecture-only"),
            make_result("contract-failed", status="failed", reason="contract failure reason"),
        ),
        max_latency_ms=10.0,
    )
    before = rec.to_dict()
    first = renderer_class().render(rec)
    assert isinstance(first, str) and first.strip(), "render() must return a non-empty string"
    for name in ("contract-ok", "contract-unknown", "contract-failed"):
        assert name in first, f"{key} report does not mention candidate {name!r}"
    assert "contract failure reason" in first, f"{key} report hides the reason a candidate failed"
    assert renderer_class().render(rec) == first, "render() must be deterministic"
    assert rec.to_dict() == before, "render() must not change the recommendation"


def check_task(key: str, task_class: type) -> None:
    """A task names its metrics, scores perfect predictions as perfect, and refuses a single class."""
    from modelpick.exceptions import DataError
    from modelpick.tasks import Task

    _check_registered(key, task_class, "name", Task)
    task = task_class()
    assert task.primary_metric in task.metrics, "primary_metric must be one of metrics"
    labels = ["a", "b", "a", "b", "c", "c"]
    scores = task.score(labels, labels)
    assert set(task.metrics) <= set(scores), f"score() must return every metric in {task.metrics}"
    assert scores[task.primary_metric] == 1.0, "perfect predictions must score 1.0"
    task.validate_labels(labels, source="contract")
    try:
        task.validate_labels(["only"] * 6, source="contract")
    except DataError:
        pass
    else:
        raise AssertionError("validate_labels must raise DataError for a single class")


def check_quality_estimator(key: str, estimator_class: type) -> None:
    """An estimator is registered under the method name it writes into its estimates."""
    from modelpick.estimation._base import QualityEstimator

    _check_registered(key, estimator_class, "name", QualityEstimator)
    parameters = inspect.signature(estimator_class.estimate).parameters
    for keyword in ("task", "settings"):
        assert parameters[keyword].kind is inspect.Parameter.KEYWORD_ONLY, f"estimate() must take {keyword}= by keyword"


def check_profiler(key: str, profiler_class: type) -> None:
    """A profiler is registered under the candidate kind it measures and can be built without arguments."""
    from modelpick.profiling import Profiler

    _check_registered(key, profiler_class, "kind", Profiler)
    profiler_class()


def check_candidate_kind(key: str, candidate_class: type, example: Any) -> None:
    """A candidate kind is a frozen dataclass registered under its kind, and describes itself."""
    from modelpick.candidates._base import Candidate
    from modelpick.results import CandidateInfo

    _check_registered(key, candidate_class, "kind", Candidate)
    assert dataclasses.is_dataclass(candidate_class) and candidate_class.__dataclass_params__.frozen, (
        "candidates must be frozen dataclasses (they travel into child processes unchanged)"
    )
    assert isinstance(example, candidate_class)
    info = example.info()
    assert isinstance(info, CandidateInfo) and info.kind == key and info.name == example.name
    import pickle

    assert pickle.loads(pickle.dumps(example)) == example, "candidates must pickle (spawned children)"
