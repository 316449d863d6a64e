"""Turning what users type into candidates: catalog names, aliases, baselines, paths, Hub ids."""

from __future__ import annotations

import pytest

from modelpick.candidates import (
    CANDIDATE_KINDS,
    BaselineCandidate,
    TransformerCandidate,
    baselines,
    catalog,
    default_candidates,
    resolve_candidate,
    resolve_candidates,
)
from modelpick.exceptions import InvalidParameterError, UnknownNameError


def test_registry_names_both_kinds():
    assert CANDIDATE_KINDS == {"transformer": TransformerCandidate, "baseline": BaselineCandidate}
    assert {c.kind for c in default_candidates()} == set(CANDIDATE_KINDS)


@pytest.mark.parametrize("candidate", catalog(), ids=lambda c: c.name)
def test_every_catalog_name_and_alias_resolves_to_its_entry(candidate):
    for spec in (candidate.name, *candidate.aliases, candidate.name.upper(), f"  {candidate.name} "):
        assert resolve_candidate(spec) is candidate


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("google-bert/bert-base-uncased", "bert-base-uncased"),
        ("distilbert/distilbert-base-uncased", "distilbert-base-uncased"),
        ("albert/albert-base-v2", "albert-base-v2"),
        ("FacebookAI/roberta-base", "roberta-base"),
        ("distilbert/distilroberta-base", "distilroberta-base"),
        ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
    ],
)
def test_organisation_aliases(alias, name):
    assert resolve_candidate(alias).name == name


def test_baselines_resolve_by_name():
    for baseline in baselines():
        assert resolve_candidate(baseline.name) is not None
        assert resolve_candidate(baseline.name).name == baseline.name
        assert resolve_candidate(baseline.name).kind == "baseline"


def test_local_directory_with_config_is_a_local_candidate(tiny_models):
    directory = tiny_models["albert"]
    candidate = resolve_candidate(str(directory) + "/")
    assert isinstance(candidate, TransformerCandidate)
    assert candidate.source == "local path" and candidate.family == "ALBERT"
    assert candidate.local_path == str(directory.resolve()) and candidate.architecture is None
    assert candidate.name == str(directory)
    assert candidate.hub_ids() == ()


def test_directory_without_config_is_rejected_with_the_rule(tmp_path):
    with pytest.raises(UnknownNameError, match="must contain config.json"):
        resolve_candidate(str(tmp_path))


def test_hub_id_outside_catalog_is_a_hub_candidate():
    candidate = resolve_candidate("someorg/some-encoder")
    assert candidate.source == "hub id" and candidate.architecture is None
    assert candidate.model_id == "someorg/some-encoder" and candidate.hub_ids() == ("someorg/some-encoder",)


def test_garbage_lists_the_choices():
    with pytest.raises(UnknownNameError) as error:
        resolve_candidate("not a model!")
    message = str(error.value)
    assert "Unknown candidate 'not a model!'" in message
    for name in ("bert-base-uncased", "microsoft/deberta-v3-small", "majority-class", "tfidf-linearsvm"):
        assert name in message
    assert "'org/name'" in message and "config.json" in message


def test_near_miss_suggests_the_closest_name():
    with pytest.raises(UnknownNameError, match="Did you mean 'distilbert-base-uncased'"):
        resolve_candidate("distilbert-base-uncase")


def test_empty_spec_is_a_parameter_error():
    with pytest.raises(InvalidParameterError, match="'spec' parameter of resolve_candidate"):
        resolve_candidate("  ")


def test_none_means_the_defaults():
    resolved = resolve_candidates(None)
    assert resolved == list(default_candidates())
    assert len(resolved) == 13


def test_names_resolve_in_order():
    names = ["roberta-base", "tfidf-logreg", "google/electra-small-discriminator"]
    assert [c.name for c in resolve_candidates(names)] == names
    assert [c.name for c in resolve_candidates(("majority-class",))] == ["majority-class"]


@pytest.mark.parametrize(
    "specs",
    [
        ["bert-base-uncased", "bert-base-uncased"],
        ["bert-base-uncased", "google-bert/bert-base-uncased"],
        ["tfidf-logreg", "TFIDF-LOGREG"],
    ],
)
def test_duplicates_are_rejected(specs):
    with pytest.raises(InvalidParameterError, match="without duplicates") as error:
        resolve_candidates(specs)
    assert "'candidates' parameter of resolve_candidates" in str(error.value)


def test_the_same_directory_twice_is_a_duplicate(tiny_models):
    directory = tiny_models["bert"]
    with pytest.raises(InvalidParameterError, match="without duplicates"):
        resolve_candidates([str(directory), str(directory) + "/"])


@pytest.mark.parametrize("specs", [[], "bert-base-uncased", [""], [3]])
def test_not_a_list_of_names_is_a_parameter_error(specs):
    with pytest.raises(InvalidParameterError, match="'candidates' parameter of resolve_candidates must be"):
        resolve_candidates(specs)


def test_a_missing_local_path_is_named_as_a_path(tmp_path):
    import pytest

    from modelpick.candidates import resolve_candidate
    from modelpick.exceptions import UnknownNameError

    missing = str(tmp_path / "models" / "mine")
    with pytest.raises(UnknownNameError, match="looks like a local path but no such directory exists"):
        resolve_candidate(missing)
