"""The pieces of benchmarks/ranking_fidelity.py that can be checked without apt, real weights or minutes of CPU."""

from __future__ import annotations

import dataclasses
import math
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import _debian
import ranking_fidelity as bench

from modelpick.results import QualityEstimate, TransferabilityScore, TuningRun, TuningSummary
from modelpick.testing.factories import make_recommendation, make_result

DUMP = """\
Package: webby
Version: 1.0
Description: Small web server
Section: contrib/httpd
Description-md5: aaa

Package: webby
Version: 0.9
Description: An older stanza of the same package
Section: net

Package: paint
Description: Raster graphics editor
 Paint edits images.
 .
 Layers and brushes.
Section: graphics

Package: nosection
Description: Has no section
"""


def test_stanzas_are_parsed_with_continuation_lines_and_the_area_prefix_stripped():
    packages = _debian.packages_from_index(_debian.parse_stanzas(DUMP))
    assert sorted(packages) == ["paint", "webby"]  # no Section: dropped; first stanza of a name wins
    assert packages["webby"].section == "httpd"
    assert packages["webby"].synopsis == "Small web server"
    assert packages["webby"].description_md5 == "aaa"
    assert packages["paint"].long_description == "Paint edits images.\n\nLayers and brushes."


def test_translations_are_keyed_by_package_and_description_md5():
    found = _debian.translations_from_index(_debian.parse_stanzas(
        "Package: webby\nDescription-md5: aaa\nDescription-en: Small web server\n Serves pages.\n"))
    assert found == {("webby", "aaa"): "Serves pages."}


def test_texts_drop_empty_and_repeated_descriptions_and_are_cut_at_a_word():
    P = _debian.Package
    rows = _debian.build_texts([
        P("game-data", "games", "Data for game", "A long shared story."),
        P("game", "games", "A game", "A long shared story."),
        P("empty", "games", "", ""),
        P("long", "text", "Long one", "word " * 500),
    ])
    assert [name for name, _, _ in rows] == ["game", "long"]  # "game" sorts first and keeps the shared text
    assert rows[0][1] == "A game. A long shared story."
    long_text = rows[1][1]
    assert len(long_text) <= _debian.MAX_CHARS and long_text.endswith("word")


def test_sections_are_drawn_from_eligible_ones_with_the_seed():
    counts = Counter({"libs": 1000, "games": 50, "net": 50, "text": 50, "sound": 50, "admin": 9})
    chosen = _debian.choose_sections(counts, n_sections=3, per_section=20, seed=0)
    assert chosen == _debian.choose_sections(counts, n_sections=3, per_section=20, seed=0)
    assert set(chosen) <= {"games", "net", "text", "sound"}  # libs excluded, admin too small
    with pytest.raises(ValueError, match="Only 4 sections"):
        _debian.choose_sections(counts, n_sections=5, per_section=20, seed=0)


def test_rows_are_sampled_per_section():
    rows = [(f"p{s}{i}", f"text {s} {i}", s) for s in ("games", "net", "sound") for i in range(10)]
    sections, chosen = _debian.sample_rows(rows, n_sections=2, per_section=4, seed=1)
    assert Counter(label for _, label in chosen) == dict.fromkeys(sections, 4)
    assert (sections, chosen) == _debian.sample_rows(rows, n_sections=2, per_section=4, seed=1)


def test_taus_against_the_reference():
    reference = {"a": 0.9, "b": 0.8, "c": 0.5}
    assert bench.taus({"a": 3.0, "b": 2.0, "c": 1.0}, reference)[:2] == (pytest.approx(1.0), pytest.approx(1.0))
    assert bench.taus({"a": 1.0, "b": 2.0, "c": 3.0}, reference)[0] == pytest.approx(-1.0)
    assert math.isnan(bench.taus({"a": 1.0}, reference)[0])  # fewer than 2 candidates
    assert math.isnan(bench.taus({"a": 1.0, "b": 1.0}, reference)[0])  # a constant ranking says nothing
    assert bench.taus({"a": 1.0, "b": 0.0, "zzz": 5.0}, reference)[2] == 2  # only common candidates count


def _entries():
    return [bench.Entry("m", "MiniLM", "transformer", reference=0.9), bench.Entry("s", "static", "static",
            reference=0.7), bench.Entry("tfidf-logreg", "tfidf-logreg", "baseline", reference=0.8)]


def test_probe_and_tuned_figures_are_read_from_modelpick_results():
    minilm = make_result("m", accuracy=0.7)
    minilm = dataclasses.replace(minilm, quality=dataclasses.replace(
        minilm.quality, prescreen=(TransferabilityScore("logme", -0.5), TransferabilityScore("h-score", 2.0))))
    rec = make_recommendation((minilm, make_result("tfidf-logreg", accuracy=0.8, kind="baseline")))
    entries = _entries()
    assert bench.fill_probe(entries, rec) == []
    assert [(e.probe, e.logme, e.h_score) for e in entries] == [(0.7, -0.5, 2.0), (None, None, None),
                                                                  (0.8, None, None)]

    entries[1].probe = 0.6
    tuned_minilm = dataclasses.replace(
        minilm, fine_tuned=QualityEstimate("m", "fine-tune", "measured", 0.88),
        tuning=TuningSummary("m", "tuned", trials_complete=3, trials_pruned=1, seconds=40.0))
    baseline = dataclasses.replace(make_result("tfidf-logreg", accuracy=0.8, kind="baseline"),
                                   tuning=TuningSummary("tfidf-logreg", "skipped", reason="outside the top-1"))
    tuned = dataclasses.replace(make_recommendation((tuned_minilm, baseline)), tuning=TuningRun(
        storage="sqlite:///x", study_prefix="modelpick", top_k=1, trials_per_candidate=3, budget_s=60.0,
        seconds=41.0, finished=True))
    note = bench.fill_tuned(entries, tuned, 60.0)
    assert [e.tuned for e in entries] == [0.88, 0.6, 0.8]
    assert "3 trials complete" in entries[0].tuned_how and "skipped (outside the top-1)" in entries[2].tuned_how
    assert note == "time_budget_s 60; tuning step 41 s, finished"


def test_method_rows_compare_rankings_and_compute_with_the_reference():
    entries = _entries()
    for entry, probe in zip(entries, (0.7, 0.5, 0.6), strict=True):
        entry.probe = probe
    rows = bench.method_rows(entries, [("probe", "probe", bench.Cost(5.0, 8.0), ""),
                                       ("tuned", "tuned", None, "not run")], bench.Cost(100.0, 100.0))
    probe, tuned = rows
    assert probe.n == 3 and probe.tau == pytest.approx(1.0) and probe.tau_encoders == pytest.approx(1.0)
    assert (probe.share_wall, probe.share_cpu, probe.met) == (pytest.approx(0.05), pytest.approx(0.08), True)
    assert tuned.cost is None and not tuned.met and tuned.note == "not run"


def test_minilm_cut_keeps_the_first_layers_with_their_weights(tmp_path):
    torch = pytest.importorskip("torch")
    import _derived_models
    from transformers import AutoModel

    from modelpick.testing.tiny_models import save_tiny_model

    source = save_tiny_model("bert", tmp_path / "tiny")
    cut = _derived_models.cut_minilm(1, source=source, cache_dir=tmp_path)
    original, model = AutoModel.from_pretrained(source), AutoModel.from_pretrained(cut)
    assert model.config.num_hidden_layers == 1 and len(model.encoder.layer) == 1
    for name, tensor in model.encoder.layer[0].state_dict().items():
        assert torch.equal(tensor, original.encoder.layer[0].state_dict()[name])
    assert (cut / "tokenizer_config.json").is_file()
    assert _derived_models.cut_minilm(1, source=source, cache_dir=tmp_path) == cut  # reused, not rebuilt
    with pytest.raises(ValueError, match="between 1 and 1"):
        _derived_models.cut_minilm(2, source=source, cache_dir=tmp_path / "other")
