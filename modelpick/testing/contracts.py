"""Contract suites: what every member of a plug-in family must do, whoever wrote it.

Each ``check_*`` function raises ``AssertionError`` whose message names the plug-in key and the broken
rule. modelpick's own tests run them over every registry; a plug-in author runs them over a new class,
with an example of what it handles, before adding its registry line::

    from modelpick.testing.contracts import check_renderer
    check_renderer("html", HtmlRenderer)

The profiler, quality-estimator and deployment-variant contracts *run* the plug-in (a real, tiny
measurement in this process), since a class that registers correctly can still return numbers that
cannot be right.

This module imports nothing heavy at import time: torch, transformers and scikit-learn are imported by
the plug-ins when a check runs them.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING, Any

from modelpick.testing._contract_inputs import (
    _check_registered,
    contract_estimation_settings,
    contract_profile_settings,
    contract_split,
)
from modelpick.testing._measurement_contracts import (
    check_profile_result,
    check_profiler,
    check_quality_estimate,
    check_quality_estimator,
)
from modelpick.testing._variant_contracts import check_variant

if TYPE_CHECKING:  # annotations only: the checks import these where they run
    from modelpick.candidates._base import Candidate
    from modelpick.report import Renderer
    from modelpick.tasks import Task

__all__ = [
    "check_candidate_kind",
    "check_profile_result",
    "check_profiler",
    "check_quality_estimate",
    "check_quality_estimator",
    "check_renderer",
    "check_task",
    "check_variant",
    "contract_estimation_settings",
    "contract_profile_settings",
    "contract_split",
]


def check_renderer(key: str, renderer_class: type[Renderer]) -> None:
    """A renderer is registered under its name, and shows every candidate without changing anything.

    Rules:
        * it subclasses ``Renderer``, is concrete, and its ``name`` is ``key``;
        * ``media_type`` is a MIME type;
        * ``render`` returns a non-empty string naming every candidate, ok, unknown or failed, and the
          reason a candidate failed;
        * ``render`` is deterministic and leaves the recommendation unchanged.
    """
    from modelpick.report import Renderer
    from modelpick.testing.factories import make_recommendation, make_result

    _check_registered(key, renderer_class, "name", Renderer)
    assert isinstance(renderer_class.media_type, str) and "/" in renderer_class.media_type, (
        f"{key}: media_type must be a MIME type"
    )
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
    assert isinstance(first, str) and first.strip(), f"{key}: render() must return a non-empty string"
    for name in ("contract-ok", "contract-unknown", "contract-failed"):
        assert name in first, f"{key} report does not mention candidate {name!r}"
    assert "contract failure reason" in first, f"{key} report hides the reason a candidate failed"
    assert renderer_class().render(rec) == first, f"{key}: render() must be deterministic"
    assert rec.to_dict() == before, f"{key}: render() must not change the recommendation"


def check_task(key: str, task_class: type[Task]) -> None:
    """A task names its metrics, scores perfect predictions as perfect, and refuses a single class.

    Rules:
        * it subclasses ``Task``, is concrete, and its ``name`` is ``key``;
        * ``primary_metric`` is one of ``metrics``, and ``score`` returns every metric;
        * perfect predictions score 1.0 on the primary metric;
        * ``validate_labels`` accepts several classes and raises ``DataError`` for a single one.
    """
    from modelpick.exceptions import DataError
    from modelpick.tasks import Task

    _check_registered(key, task_class, "name", Task)
    task = task_class()
    assert task.primary_metric in task.metrics, f"{key}: primary_metric must be one of metrics"
    labels = ["a", "b", "a", "b", "c", "c", "a", "b", "c"]
    scores = task.score(labels, labels)
    assert set(task.metrics) <= set(scores), f"{key}: score() must return every metric in {task.metrics}"
    assert scores[task.primary_metric] == 1.0, f"{key}: perfect predictions must score 1.0"
    task.validate_labels(labels, source="contract")
    try:
        task.validate_labels(["only"] * 6, source="contract")
    except DataError:
        pass
    else:
        raise AssertionError(f"{key}: validate_labels must raise DataError for a single class")


# -- candidate kinds ----------------------------------------------------------------------------------


def check_candidate_kind(key: str, candidate_class: type[Candidate], example: Any) -> None:
    """A candidate kind is a frozen dataclass registered under its kind, and describes itself.

    Rules:
        * the class subclasses ``Candidate``, is concrete, and its ``kind`` is ``key``;
        * it is a frozen dataclass (candidates travel into child processes unchanged);
        * ``example.info()`` is a ``CandidateInfo`` of kind ``key`` and the example's name;
        * the example pickles (spawned children receive it pickled).
    """
    import pickle

    from modelpick.candidates._base import Candidate
    from modelpick.results import CandidateInfo

    _check_registered(key, candidate_class, "kind", Candidate)
    assert dataclasses.is_dataclass(candidate_class), f"{key}: candidates must be dataclasses"
    assert isinstance(example, candidate_class), f"{key}: the example must be a {candidate_class.__name__}"
    # Frozen is a behaviour, so it is tested as one (on a copy: a non-frozen example must stay untouched).
    probe = copy.copy(example)
    first_field = dataclasses.fields(probe)[0].name
    try:
        setattr(probe, first_field, "contract-changed")
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError(
            f"{key}: candidates must be frozen dataclasses (they travel into child processes unchanged)"
        )
    info = example.info()
    assert isinstance(info, CandidateInfo) and info.kind == key and info.name == example.name, (
        f"{key}: info() must describe the example as kind {key!r} named {example.name!r}; got {info!r}"
    )
    assert pickle.loads(pickle.dumps(example)) == example, f"{key}: candidates must pickle (spawned children)"
