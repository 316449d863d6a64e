"""Comparison pages: one matrix drawn by every format, verdicts and traits with their rules, a real run's
JSON valid against the published schema and read back whole."""

from __future__ import annotations

import json

import jsonschema
import pytest

import modelpick
from modelpick.exceptions import InvalidParameterError, UnknownNameError
from modelpick.report import schema_for
from modelpick.report.comparison import comparison_matrix, render_comparison
from modelpick.results import Comparison


@pytest.fixture(scope="module")
def real(baseline_comparison):
    return baseline_comparison


def test_a_real_comparison_measures_both_and_judges_them(real):
    assert real.candidates == ("tfidf-logreg", "majority-class")
    (verdict,) = real.verdicts
    assert verdict.faster == "majority-class" and verdict.sentence.startswith("On this machine and this data, ")
    assert verdict.accuracy_delta is not None and verdict.accuracy_delta < -30  # the majority class guesses
    assert any(t.metric == "accuracy" for t in real.traits_of("tfidf-logreg", "strength"))


def test_the_matrix_has_each_figure_with_its_provenance(real):
    rows = {row.label: row for row in comparison_matrix(real)}
    for label in ("Parameters (counted here)", "Latency p50, batch 1", "Latency p90, batch 1", "Throughput",
                  "Peak memory", "Cost: core-seconds per 1,000 examples", "Accuracy on your data (probe or CV)"):
        assert all(cell.provenance == "measured" for cell in rows[label].cells), label
    assert rows["Latency p50, batch 1"].best == 1  # majority-class predicts without looking
    assert rows["Accuracy on your data (probe or CV)"].best == 0
    assert "cross-validation" in rows["Accuracy on your data (probe or CV)"].cells[0].text


def test_published_figures_carry_their_citation():
    import dataclasses

    from modelpick.candidates import catalog
    from modelpick.selection import compare_results
    from modelpick.testing.factories import make_recommendation, make_result

    bert = next(c for c in catalog() if c.name == "bert-base-uncased")
    r = make_result("bert-base-uncased")
    r = dataclasses.replace(r, candidate=dataclasses.replace(bert.info(), weights_source="local"))
    cmp = compare_results(make_recommendation((r, make_result("other"))))
    rows = {row.label: row for row in comparison_matrix(cmp)}
    published = rows["Parameters (published)"].cells[0]
    assert published.provenance == "published" and "Devlin et al. 2019" in published.detail
    assert rows["MNLI-m accuracy (published benchmark)"].cells[0].provenance == "published"
    html = render_comparison(cmp, "html")
    assert "Devlin et al. 2019" in html.split('id="sources"')[1]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_format_shows_verdict_matrix_traits_and_rules(real, fmt):
    document = render_comparison(real, fmt)
    if fmt == "html":
        import html

        document = html.unescape(document)
    if fmt != "text":  # the terminal wraps long lines
        assert real.verdicts[0].sentence in document
    for expected in ("Latency p50, batch 1", "Cost: core-seconds per 1,000 examples", "rule: "):
        assert expected in document
    for trait in real.traits:
        assert trait.text.replace("|", "\\|") in document or trait.text in document


def test_the_html_page_has_the_comparison_sections_in_order(real):
    document = render_comparison(real, "html")
    ids = [part.split('"')[0] for part in document.split('<section id="')[1:]]
    assert ids == ["verdict", "matrix", "traits", "pareto", "method", "environment"]
    assert "<script" not in document and "<svg" in document


def test_real_json_validates_against_the_published_schema_and_reads_back_whole(real):
    document = json.loads(render_comparison(real, "json"))
    jsonschema.Draft202012Validator(schema_for("compare")).validate(document)
    assert document["schema_version"] == "1.2"
    assert Comparison.from_json(real.to_json()) == real


def test_compare_needs_two_candidates_and_a_known_format(real):
    with pytest.raises(InvalidParameterError, match=r"^compare needs two or more candidates; got 1: tfidf-logreg\. "
                       r"Name another one too, e\.g\. tfidf-logreg and majority-class\.$"):
        modelpick.compare(["tfidf-logreg"])
    with pytest.raises(InvalidParameterError, match=r"got 1: tfidf-logreg\."):
        modelpick.compare("tfidf-logreg")  # one name, not a sequence of letters
    with pytest.raises(InvalidParameterError, match="got 0: none"):
        modelpick.compare([])
    with pytest.raises(UnknownNameError, match="Choose one of: html, json, markdown, text"):
        render_comparison(real, "pdf")


def test_the_matrix_bolds_only_a_lead_the_comparison_rules_call_real():
    from modelpick.selection import compare_results
    from modelpick.testing.factories import make_recommendation, make_result

    close = compare_results(make_recommendation((make_result("a", p90_ms=10.0, accuracy=0.85),
                                                 make_result("b", p90_ms=10.3, accuracy=0.84))))
    rows = {row.label: row for row in comparison_matrix(close)}
    assert close.traits_of("a", "strength") == ()  # within 10% and inside the accuracy intervals: a tie
    for label in ("Latency p50, batch 1", "Latency p90, batch 1", "Accuracy on your data (probe or CV)"):
        assert rows[label].best is None, label
    apart = compare_results(make_recommendation((make_result("a", p90_ms=10.0), make_result("b", p90_ms=20.0))))
    assert {row.label: row for row in comparison_matrix(apart)}["Latency p90, batch 1"].best == 0
