"""The HTML report: one self-contained page, sections in reading order, every figure with its provenance,
every user string escaped."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import pytest

from modelpick.exceptions import UnknownNameError
from modelpick.report import format_for_path, render
from modelpick.results import QualityEstimate, TuningRun, TuningSummary
from modelpick.testing.factories import make_recommendation, make_result

SECTIONS = ["recommendation", "constraints", "pareto", "ranking", "rejected", "tuning", "method", "environment"]


class _Page(HTMLParser):
    """What a browser would build: section ids in order, text, tags and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.cells: list[list[str]] = []  # per <td>: the tag names inside it
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag == "section":
            self.sections.append(dict(attrs)["id"])
        if tag == "td":
            self._cell = []
            self.cells.append(self._cell)
        elif self._cell is not None:
            self._cell.append(tag + ":" + (dict(attrs).get("class") or ""))

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append("text:" + data)


def parse(document: str) -> _Page:
    page = _Page()
    page.feed(document)
    return page


@pytest.fixture
def tuned_rec():
    rec = make_recommendation(
        (
            make_result("fast-model", accuracy=0.88, p90_ms=8),
            make_result("slow-model", accuracy=0.93, p90_ms=31.2),
            make_result("crashy", status="failed", reason="timed out after 30 s"),
        ),
        max_latency_ms=20.0,
    )
    fast = rec.result("fast-model")
    tuned = dataclasses.replace(
        fast,
        fine_tuned=QualityEstimate("fast-model", "fine-tune", "measured", 0.91, 0.86, 0.95, n_test=100),
        tuning=TuningSummary("fast-model", "tuned", study_name="modelpick/fast-model/abc", trials_planned=4,
                             trials_complete=2, trials_pruned=1, trials_failed=1, failures=("trial 3: timed out",),
                             best_validation_accuracy=0.9, validation_spread=(0.85, 0.9), seconds=42.0),
    )
    run = TuningRun(storage="sqlite:///t.db", study_prefix="modelpick", top_k=1, trials_per_candidate=4,
                    budget_s=None, seconds=42.0, finished=True, note="every planned trial ran")
    results = tuple(tuned if r.name == "fast-model" else r for r in rec.results)
    return dataclasses.replace(rec, results=results, tuning=run)


def test_sections_come_in_reading_order(tuned_rec):
    page = parse(render(tuned_rec, "html"))
    assert page.sections == SECTIONS
    text = "".join(page.text)
    assert "Recommended: fast-model" in text
    assert "p90 ≤ 20 ms" in text and "batch size 1" in text and "p50 12 and p90 30 pieces" in text


def test_the_tuning_summary_shows_trials_pruned_failed_and_time(tuned_rec):
    document = render(tuned_rec, "html")
    tuning = document[document.index('id="tuning"'):document.index('id="method"')]
    assert "4/4" in tuning and "2/1/1" in tuning and "42" in tuning
    assert "Failed trial: fast-model trial 3: timed out" in tuning
    assert "0.910 [0.86-0.95]" in tuning


def test_no_tuning_section_without_tuning():
    rec = make_recommendation((make_result("a"), make_result("b")))
    assert 'id="tuning"' not in render(rec, "html")


def test_the_page_is_self_contained(tuned_rec):
    document = render(tuned_rec, "html")
    page = parse(document)
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    for name, value in page.attributes:
        if name in ("src", "href", "xlink:href"):
            assert not (value or "").startswith(("http:", "https:", "//")), (name, value)
    assert "<svg" in document and "@import" not in document and "url(http" not in document


def test_every_number_in_the_ranking_has_its_provenance(tuned_rec):
    document = render(tuned_rec, "html")
    ranking = document[document.index('id="ranking"'):document.index('id="rejected"')]
    page = parse(ranking)
    for cell in page.cells:
        texts = [c[5:] for c in cell if c.startswith("text:")]
        if any(re.search(r"\d", t) for t in texts) and not texts[0].strip().isdigit():  # the rank is a position
            assert any(c.startswith("sup:prov") for c in cell), cell
    assert 'title="measured here: accuracy of a fine-tune on 100 held-out texts' in ranking
    assert "fine-tune" in ranking  # the ranking used the better of probe and fine-tune, and says which


def test_published_accuracy_is_marked_with_its_citation():
    rec = make_recommendation((make_result("paper-model", provenance="published"), make_result("other")))
    document = render(rec, "html")
    assert 'class="prov prov-p" title="published: a paper"' in document
    assert "Published figures" in document


def test_the_environment_names_hardware_threads_seed_and_versions():
    rec = make_recommendation((make_result("a"),))
    rec = dataclasses.replace(
        rec, config={**rec.config, "random_state": 7},
        environment=dataclasses.replace(rec.environment, library_versions={"torch": "2.13.0", "numpy": "2.0"}),
    )
    environment = render(rec, "html").split('id="environment"')[1]
    for expected in ("Test CPU", "2 logical CPUs", "Torch threads", "<td>7</td>", "numpy 2.0, torch 2.13.0"):
        assert expected in environment


def test_user_strings_are_escaped_everywhere():
    label, path = "<script>alert(1)</script>", '/data/my "quoted" model\'s dir'
    rec = make_recommendation(
        (make_result(path, p90_ms=5), make_result("crashy", status="failed", reason=f"label {label} broke it")),
    )
    sample = dataclasses.replace(rec.sample, source='reviews "<b>".csv', text_column="<i>text", classes=(label, "b"),
                                 class_counts={label: 200, "b": 200})
    document = render(dataclasses.replace(rec, sample=sample, config={**rec.config, "label_column": label}), "html")
    page = parse(document)
    assert "script" not in page.tags and "b" not in page.tags and "i" not in page.tags
    text = "".join(page.text)
    for shown in (label, path, 'reviews "<b>".csv', "'<i>text'"):
        assert shown in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document


@pytest.mark.parametrize(("path", "expected"), [
    ("report.html", "html"), ("r.HTM", "html"), ("out/r.md", "markdown"), ("rec.json", "json"), ("r.txt", "text"),
])
def test_the_report_format_follows_the_file_name(path, expected):
    assert format_for_path(path) == expected


def test_an_unknown_report_suffix_names_the_choices():
    with pytest.raises(UnknownNameError, match=r"'report\.pdf'.*\.html, \.htm, \.md"):
        format_for_path("report.pdf")
