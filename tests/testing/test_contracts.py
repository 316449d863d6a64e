"""Every registered member of every plug-in family passes its family's contract."""

from __future__ import annotations

import pytest

from modelpick.candidates import CANDIDATE_KINDS, baselines, catalog
from modelpick.estimation import QUALITY_ESTIMATORS
from modelpick.profiling import PROFILERS
from modelpick.report import RENDERERS
from modelpick.tasks import TASKS
from modelpick.testing import contracts


@pytest.mark.parametrize("key", sorted(RENDERERS))
def test_renderers(key):
    contracts.check_renderer(key, RENDERERS[key])


@pytest.mark.parametrize("key", sorted(TASKS))
def test_tasks(key):
    contracts.check_task(key, TASKS[key])


@pytest.mark.parametrize("key", sorted(QUALITY_ESTIMATORS))
def test_quality_estimators(key):
    contracts.check_quality_estimator(key, QUALITY_ESTIMATORS[key])


@pytest.mark.parametrize("key", sorted(PROFILERS))
def test_profilers(key):
    contracts.check_profiler(key, PROFILERS[key])


@pytest.mark.parametrize("key", sorted(CANDIDATE_KINDS))
def test_candidate_kinds(key):
    example = {"transformer": catalog()[0], "baseline": baselines()[0]}[key]
    contracts.check_candidate_kind(key, CANDIDATE_KINDS[key], example)


def test_a_broken_renderer_is_caught():
    from modelpick.report import Renderer

    class Forgetful(Renderer):
        name = "forgetful"
        media_type = "text/plain"

        def render(self, recommendation):
            return recommendation.ranked[0].name if recommendation.ranked else "nothing"

    with pytest.raises(AssertionError, match="does not mention candidate"):
        contracts.check_renderer("forgetful", Forgetful)
