"""The published JSON Schema describes exactly what modelpick writes, and ``schema_version`` guards readers."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

import modelpick
from modelpick._serialization import Serializable
from modelpick.api import builtin_sample
from modelpick.exceptions import DataError, UnknownNameError
from modelpick.report import SCHEMAS, json_schema, schema_for, schema_text
from modelpick.results import SCHEMA_VERSION, Recommendation, TuningRun, TuningSummary
from modelpick.testing.factories import make_recommendation, make_result


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = schema_for("advise")
    Draft202012Validator.check_schema(schema)  # the schema itself is a valid draft 2020-12 schema
    return Draft202012Validator(schema)


def _errors(validator: Draft202012Validator, document: dict[str, Any]) -> list[str]:
    """One line per error; under ``anyOf`` (an object or null) the one from the branch that fits best."""
    found = [best_match([e]) for e in validator.iter_errors(document)]
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found if e is not None]


@pytest.fixture
def tuned_by_hand() -> Recommendation:
    """A recommendation from the real decision code whose first candidate carries a tuning summary."""
    rec = make_recommendation((make_result("fast-model", accuracy=0.88, p90_ms=8), make_result("slow-model")))
    summary = TuningSummary(
        candidate="fast-model", status="tuned", reason="2 trials", trials_planned=2, trials_complete=2,
        best_trial=1, best_params={"learning_rate": 3e-5, "num_train_epochs": 2, "max_length": 64},
        best_validation_accuracy=0.9, validation_spread=(0.85, 0.9), n_validation=20, seconds=12.5,
    )
    first = replace(rec.results[0], fine_tuned=rec.results[0].quality, tuning=summary)
    run = TuningRun(storage="sqlite:///s.db", study_prefix="modelpick", top_k=3, trials_per_candidate=2,
                    budget_s=180, seconds=12.5, finished=True)
    return replace(rec, results=(first, *rec.results[1:]), tuning=run)


# --- the schema describes what the writer writes ---------------------------------------------------------


def test_a_recommendation_with_every_optional_part_validates(validator, tuned_by_hand):
    document = json.loads(tuned_by_hand.to_json())
    assert document["schema_version"] == SCHEMA_VERSION
    assert _errors(validator, document) == []


@pytest.mark.slow
def test_a_real_recommendation_on_the_demo_sample_validates(validator):
    rec = modelpick.recommend(
        sample=builtin_sample(), candidates=["tfidf-logreg", "majority-class"],
        max_profile_time_s=0.2, num_threads=1, allow_download=False, random_state=0,
    )
    assert {r.status for r in rec.results} == {"ok"}
    document = json.loads(rec.to_json())
    assert _errors(validator, document) == []
    assert Recommendation.from_json(rec.to_json()) == rec


# A real tuned recommendation is validated against this schema by the tuning step's own test
# (tests/tuning/test_tuner.py), which runs one anyway: a second tuned run here took 25 s of the suite.


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d.update(task=3), "task: 3 is not of type 'string'"),
        (lambda d: d["results"][0]["profile"]["latency"].update(p90_ms="fast"), "is not of type 'number'"),
        (lambda d: d["results"][0]["profile"].update(num_threads=True), "is not of type 'integer'"),
        (lambda d: d.pop("created_at"), "'created_at' is a required property"),
        (lambda d: d["results"][0]["candidate"].pop("name"), "'name' is a required property"),
        (lambda d: d.update(surprise=1), "Additional properties are not allowed ('surprise'"),
        (lambda d: d["results"][0].update(surprise=1), "Additional properties are not allowed ('surprise'"),
        (lambda d: d["results"][0].update(status="great"), "'great' is not one of ['ok', 'failed', 'skipped']"),
        (lambda d: d["results"][0]["tuning"].update(validation_spread=[0.1, 0.2, 0.3]), "is too long"),
        (lambda d: d["sample"]["class_counts"].update(a="many"), "'many' is not of type 'integer'"),
        (lambda d: d.update(schema_version="2.0"), "'2.0' does not match"),
    ],
    ids=["wrong type", "nested wrong type", "bool for int", "missing key", "nested missing key", "unknown key",
         "nested unknown key", "not in the enum", "pair of three", "dict value type", "newer major version"],
)
def test_the_schema_rejects_a_document_the_writer_would_not_write(validator, tuned_by_hand, change, complaint):
    document = json.loads(tuned_by_hand.to_json())
    changed = copy.deepcopy(document)
    change(changed)
    errors = _errors(validator, changed)
    assert len(errors) == 1 and complaint in errors[0], errors


def test_a_newer_minor_version_and_a_document_without_a_version_are_valid(validator, tuned_by_hand):
    document = json.loads(tuned_by_hand.to_json())
    assert _errors(validator, {**document, "schema_version": "1.12"}) == []
    document.pop("schema_version")  # written before versioning began
    assert _errors(validator, document) == []


# --- schema_version when reading -------------------------------------------------------------------------


def test_a_newer_major_version_is_refused_in_one_line_that_says_what_to_do(tuned_by_hand):
    document = {**tuned_by_hand.to_dict(), "schema_version": "2.0"}
    with pytest.raises(DataError) as caught:
        Recommendation.from_json(json.dumps(document))
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert "schema_version 2.0" in message and "reads schema_version 1.x" in message
    assert "Upgrade modelpick" in message


def test_a_version_that_is_not_major_dot_minor_is_refused(tuned_by_hand):
    with pytest.raises(DataError, match="schema_version 'v1', which is not MAJOR.MINOR"):
        Recommendation.from_dict({**tuned_by_hand.to_dict(), "schema_version": "v1"})


def test_a_document_without_a_version_reads_as_before(tuned_by_hand):
    document = tuned_by_hand.to_dict()
    del document["schema_version"]
    assert Recommendation.from_dict(document) == tuned_by_hand


def test_a_newer_minor_version_reads_and_its_unknown_fields_are_dropped(tuned_by_hand):
    document = {**tuned_by_hand.to_dict(), "schema_version": "1.9", "added_in_1_9": {"x": 1}}
    read = Recommendation.from_dict(document)
    # What it holds is what this version knows, so written again it is a document of this version.
    assert read == tuned_by_hand and read.schema_version == SCHEMA_VERSION


# --- the published files -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_the_published_schema_file_is_the_generated_schema(kind):
    published = resources.files("modelpick").joinpath("schemas", f"{kind}.schema.json")
    assert published.is_file(), f"modelpick/schemas/{kind}.schema.json is missing"
    assert published.read_text(encoding="utf-8") == schema_text(kind), (
        f"modelpick/schemas/{kind}.schema.json no longer matches the result types. Regenerate it with "
        f"`python -m modelpick schema {kind} > modelpick/schemas/{kind}.schema.json`, and bump SCHEMA_VERSION "
        "in modelpick/results.py: the minor version when fields were only added, the major version when a "
        "field was removed, renamed or retyped."
    )


def test_the_schema_id_names_the_kind_and_the_version():
    schema = schema_for("advise")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/advise-{SCHEMA_VERSION}.schema.json")
    assert schema["properties"]["schema_version"]["pattern"] == r"^1\.\d+$"
    assert schema["title"] and schema["description"]


def test_an_unknown_kind_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match=r"Unknown schema 'nope'\. Choose one of: advise, compare\.$"):
        schema_for("nope")


# --- the generator on each kind of type hint -------------------------------------------------------------


@dataclass(frozen=True)
class _Inner(Serializable):
    """An inner object.

    More text that the description leaves out.
    """

    x: int


@dataclass(frozen=True)
class _Outer(Serializable):
    """An outer object."""

    name: str
    flag: bool
    ratio: float
    kind: Literal["a", "b"]
    inner: _Inner
    maybe_inner: _Inner | None
    inners: tuple[_Inner, ...] = ()
    pair: tuple[float, float] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    anything: dict[str, Any] = field(default_factory=dict)
    free: Any = None


def test_each_type_hint_maps_to_its_json_schema():
    schema = json_schema(_Outer)
    assert "$id" not in schema and schema["title"] == "_Outer" and schema["description"] == "An outer object."
    properties = schema["properties"]
    assert properties == {
        "name": {"type": "string"},
        "flag": {"type": "boolean"},
        "ratio": {"type": "number"},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "inner": {"$ref": "#/$defs/_Inner"},
        "maybe_inner": {"anyOf": [{"$ref": "#/$defs/_Inner"}, {"type": "null"}]},
        "inners": {"type": "array", "items": {"$ref": "#/$defs/_Inner"}, "default": []},
        "pair": {"type": ["array", "null"], "prefixItems": [{"type": "number"}, {"type": "number"}],
                 "minItems": 2, "maxItems": 2, "default": None},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}, "default": {}},
        "anything": {"type": "object", "default": {}},
        "free": {"default": None},
    }
    assert schema["required"] == ["name", "flag", "ratio", "kind", "inner", "maybe_inner"]
    assert schema["additionalProperties"] is False
    assert schema["$defs"] == {
        "_Inner": {"type": "object", "description": "An inner object.", "properties": {"x": {"type": "integer"}},
                   "required": ["x"], "additionalProperties": False},
    }


def test_constraints_fields_are_described_by_their_option_help():
    constraints = schema_for("advise")["$defs"]["Constraints"]["properties"]
    assert "in ms" in constraints["max_latency_ms"]["description"]


def test_a_type_hint_without_a_json_schema_is_an_error_not_a_guess():
    @dataclass(frozen=True)
    class Odd(Serializable):
        tags: set[str]

    with pytest.raises(TypeError, match="No JSON Schema for the type hint"):
        json_schema(Odd)
