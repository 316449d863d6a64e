"""No sample: the catalog's cited figure, labelled as published; an absent figure stays absent."""

from __future__ import annotations

from modelpick.candidates._catalog import PUBLISHED_QUALITY_METRIC
from modelpick.candidates.baseline import BaselineCandidate
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.estimation import estimate_quality
from modelpick.results import PublishedFigure
from modelpick.testing.tiny_models import tiny_config

CITATION = "Example et al. 2019, arXiv:1900.00000, Table 2"


def _candidate(*figures: PublishedFigure) -> TransformerCandidate:
    return TransformerCandidate(name="some-encoder", family="bert", model_id="org/some-encoder",
                                architecture=tiny_config("bert"), published=figures)


def test_published_figure_is_reported_with_citation_and_caveat(settings):
    figures = (
        PublishedFigure("SST-2 accuracy", 0.93, "dev", "elsewhere"),
        PublishedFigure(PUBLISHED_QUALITY_METRIC, 0.841, "dev", CITATION),
    )
    estimate = estimate_quality(_candidate(*figures), None, None, task="text-classification", settings=settings)
    assert (estimate.method, estimate.provenance, estimate.accuracy) == ("published", "published", 0.841)
    assert estimate.citation == CITATION
    assert estimate.note == f"{PUBLISHED_QUALITY_METRIC} (dev), published; not measured on your data"
    assert estimate.accuracy_low is None and estimate.n_train is None  # nothing was measured here


def test_missing_figure_means_unknown_not_zero(settings):
    only_other = PublishedFigure("SST-2 accuracy", 0.93, "dev", "elsewhere")
    estimate = estimate_quality(_candidate(only_other), None, None, task="text-classification", settings=settings)
    assert estimate.accuracy is None
    assert (estimate.method, estimate.provenance, estimate.citation) == ("published", "unknown", None)
    assert f"no published {PUBLISHED_QUALITY_METRIC} for some-encoder" in estimate.note
    assert "labelled sample" in estimate.note


def test_baselines_have_no_published_figure(settings):
    baseline = BaselineCandidate(name="tfidf-logreg", family="baseline", source="builtin", strategy="tfidf-logreg")
    estimate = estimate_quality(baseline, None, None, task="text-classification", settings=settings)
    assert estimate.accuracy is None and estimate.provenance == "unknown"


def test_catalog_figures_pass_through_unchanged(settings):
    from modelpick.candidates import catalog

    for candidate in catalog():
        estimate = estimate_quality(candidate, None, None, task="text-classification", settings=settings)
        figure = candidate.published_figure(PUBLISHED_QUALITY_METRIC)
        if figure is None:
            assert estimate.accuracy is None and estimate.provenance == "unknown"
        else:
            assert estimate.accuracy == figure.value and 0 < estimate.accuracy <= 1
            assert estimate.citation == figure.citation and estimate.citation
