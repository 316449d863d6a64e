"""The registry is the only list of kinds: a kind added to it resolves, suggests and defaults with no
other code changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from modelpick.candidates import (
    CANDIDATE_KINDS,
    BaselineCandidate,
    Candidate,
    TransformerCandidate,
    baselines,
    catalog,
    default_candidates,
    resolve_candidate,
    resolve_candidates,
)
from modelpick.exceptions import InvalidParameterError, UnknownNameError
from modelpick.testing import contracts


@dataclass(frozen=True, kw_only=True)
class EchoCandidate(Candidate):
    """A kind made up for this test: two named sizes, and any size written ``echo:<size>``."""

    size: str

    kind: ClassVar[str] = "echo"

    def _default_weights_source(self) -> str | None:
        return None

    @classmethod
    def _named(cls) -> tuple[EchoCandidate, ...]:
        return tuple(cls(name=f"echo-{size}", family="Echo", source="builtin", size=size) for size in ("small", "large"))

    @classmethod
    def defaults(cls) -> tuple[EchoCandidate, ...]:
        return cls._named()[:1]

    @classmethod
    def from_name(cls, text: str) -> EchoCandidate | None:
        aliases = {"echo/large": "echo-large"}  # shaped like a Hub id on purpose: names win over specs
        wanted = aliases.get(text.lower(), text.lower())
        return next((c for c in cls._named() if c.name == wanted), None)

    @classmethod
    def from_spec(cls, text: str) -> EchoCandidate | None:
        if not text.startswith("echo:"):
            return None
        if not text[len("echo:"):]:
            raise UnknownNameError(f"Candidate {text!r} names no size. Write echo:<size>, e.g. echo:tiny.")
        return cls(name=text, family="Echo", source="spec", size=text[len("echo:"):])

    @classmethod
    def known_names(cls) -> tuple[str, ...]:
        return tuple(c.name for c in cls._named())

    @classmethod
    def known_aliases(cls) -> tuple[str, ...]:
        return ("echo/large",)


@pytest.fixture
def echo_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CANDIDATE_KINDS, "echo", EchoCandidate)


def test_the_made_up_kind_passes_the_candidate_contract():
    contracts.check_candidate_kind("echo", EchoCandidate, EchoCandidate.defaults()[0])


@pytest.mark.usefixtures("echo_registered")
def test_an_added_kind_resolves_by_name_alias_and_its_own_spec_form():
    assert resolve_candidate("ECHO-large") == EchoCandidate(name="echo-large", family="Echo", source="builtin",
                                                             size="large")
    # A name any kind knows wins over a spec another kind recognises (this one is shaped like a Hub id).
    assert isinstance(resolve_candidate("echo/large"), EchoCandidate)
    spec = resolve_candidate("  echo:tiny ")
    assert isinstance(spec, EchoCandidate) and (spec.name, spec.size, spec.source) == ("echo:tiny", "tiny", "spec")
    assert [c.kind for c in resolve_candidates(["echo-small", "bert-base-uncased", "echo:x", "tfidf-logreg"])] == [
        "echo", "transformer", "echo", "baseline"
    ]


@pytest.mark.usefixtures("echo_registered")
def test_an_added_kinds_spec_error_ends_the_resolution_with_its_message():
    with pytest.raises(UnknownNameError, match=r"^Candidate 'echo:' names no size\. Write echo:<size>"):
        resolve_candidate("echo:")


@pytest.mark.usefixtures("echo_registered")
def test_an_added_kinds_names_are_suggested_and_listed():
    with pytest.raises(UnknownNameError) as error:
        resolve_candidate("echo-larg")
    message = str(error.value)
    assert message.startswith("Unknown candidate 'echo-larg'. Did you mean 'echo-large'? Choose a catalog model")
    assert "majority-class, tfidf-logreg, tfidf-linearsvm, echo-small, echo-large)" in message
    assert "echo/large" not in message  # aliases are matched for the hint, not listed
    with pytest.raises(UnknownNameError, match="Did you mean 'echo/large'"):
        resolve_candidate("echo/large!")  # "!" : not a Hub id


@pytest.mark.usefixtures("echo_registered")
def test_an_added_kinds_defaults_come_after_the_earlier_kinds():
    defaults = default_candidates()
    assert defaults == (*catalog(), *baselines(), *EchoCandidate.defaults())
    assert resolve_candidates(None) == list(defaults)


@pytest.mark.usefixtures("echo_registered")
def test_an_added_kind_takes_part_in_the_duplicate_check():
    with pytest.raises(InvalidParameterError, match="without duplicates"):
        resolve_candidates(["echo-small", "Echo-Small"])
    assert len(resolve_candidates(["echo:a", "echo:b"])) == 2


def test_without_the_kind_its_names_are_unknown():
    assert "echo" not in CANDIDATE_KINDS
    with pytest.raises(UnknownNameError, match="Unknown candidate 'echo-small'"):
        resolve_candidate("echo-small")
    assert all(c.kind != "echo" for c in default_candidates())


def test_a_kind_without_hooks_knows_nothing(monkeypatch):
    @dataclass(frozen=True, kw_only=True)
    class Silent(Candidate):
        kind: ClassVar[str] = "silent"

        def _default_weights_source(self) -> str | None:
            return None

    monkeypatch.setitem(CANDIDATE_KINDS, "silent", Silent)
    assert (Silent.defaults(), Silent.from_name("x"), Silent.from_spec("x"), Silent.known_names()) == ((), None, None, ())
    assert default_candidates() == (*catalog(), *baselines())
    silent = Silent(name="s", family="S")
    assert silent.resolve_weights(allow_download=True) is None and silent.identity() == ("silent", "s")


def test_kinds_without_weights_resolve_to_none_and_transformers_to_a_resolution():
    for baseline in baselines():
        assert baseline.resolve_weights(allow_download=True) is None
        assert baseline.resolve_weights(allow_download=False, cache_dir="/no/such/cache") is None
    assert catalog()[0].resolve_weights(allow_download=False).source == "architecture-only"


def test_the_builtin_kinds_answer_their_hooks():
    assert TransformerCandidate.defaults() == catalog() and BaselineCandidate.defaults() == baselines()
    assert TransformerCandidate.known_names() == tuple(c.name for c in catalog())
    assert "google-bert/bert-base-uncased" in TransformerCandidate.known_aliases()
    assert BaselineCandidate.known_names() == ("majority-class", "tfidf-logreg", "tfidf-linearsvm")
    assert BaselineCandidate.known_aliases() == ()
    # Each kind answers only for its own names and forms.
    assert BaselineCandidate.from_name("bert-base-uncased") is None
    assert TransformerCandidate.from_name("tfidf-logreg") is None
    assert BaselineCandidate.from_spec("someorg/model") is None
    assert TransformerCandidate.from_spec("someorg/model").source == "hub id"
