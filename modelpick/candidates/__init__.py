"""Candidates: the models an advise run compares.

* :class:`TransformerCandidate`: a Hugging Face encoder; the catalog (``catalog.json``) holds ten
  defaults with their architectures and published figures; any Hub id or local directory works too.
* :class:`BaselineCandidate`: scikit-learn pipelines (majority class, TF-IDF + linear models).

Adding a kind of candidate is one module with a :class:`Candidate` subclass and one line in
:data:`CANDIDATE_KINDS`: resolving names and choosing defaults ask each registered kind through the
hooks of :class:`Candidate` (``defaults``, ``from_name``, ``from_spec``, ``known_names``). Nothing here
imports torch, transformers, huggingface_hub or scikit-learn until a model is actually built.
"""

from __future__ import annotations

from collections.abc import Sequence

from modelpick._validation import StrSequence, closest_name, invalid_parameter
from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.candidates._catalog import PUBLISHED_QUALITY_METRIC
from modelpick.candidates._claims import Claim, common_claims
from modelpick.candidates._hub import looks_like_hub_id
from modelpick.candidates._loading import LoadedTransformer, load_transformer
from modelpick.candidates.baseline import BaselineCandidate, builtin_baselines
from modelpick.candidates.transformer import TransformerCandidate, load_catalog
from modelpick.exceptions import UnknownNameError

__all__ = [
    "CANDIDATE_KINDS",
    "PUBLISHED_QUALITY_METRIC",
    "BaselineCandidate",
    "Candidate",
    "Claim",
    "LoadedTransformer",
    "TransformerCandidate",
    "WeightsResolution",
    "baselines",
    "catalog",
    "common_claims",
    "default_candidates",
    "load_transformer",
    "looks_like_hub_id",
    "resolve_candidate",
    "resolve_candidates",
]

# Kind name -> class. The order is the order of precedence: names are looked up, then specs recognised,
# kind by kind in this order, and defaults come in this order too.
CANDIDATE_KINDS: dict[str, type[Candidate]] = {
    "transformer": TransformerCandidate,
    "baseline": BaselineCandidate,
}


def catalog() -> tuple[TransformerCandidate, ...]:
    """The ten default transformer models, with architectures and published figures.

    Example:
        >>> len(catalog()), catalog()[0].name
        (10, 'bert-base-uncased')
    """
    return load_catalog()


def baselines() -> tuple[BaselineCandidate, ...]:
    """The built-in scikit-learn baselines.

    Example:
        >>> [b.name for b in baselines()]
        ['majority-class', 'tfidf-logreg', 'tfidf-linearsvm']
    """
    return builtin_baselines()


def default_candidates() -> tuple[Candidate, ...]:
    """What an advise run compares when no candidates are named: each kind's defaults, in registry order.

    Example:
        >>> [c.kind for c in default_candidates()].count("transformer"), default_candidates()[-1].name
        (10, 'tfidf-linearsvm')
    """
    return tuple(candidate for kind in CANDIDATE_KINDS.values() for candidate in kind.defaults())


def resolve_candidate(spec: str) -> Candidate:
    """Turn a name the user typed into a candidate.

    Every kind in :data:`CANDIDATE_KINDS` is asked in registry order, first for a name it knows
    (:meth:`Candidate.from_name`: a catalog name or alias, a baseline name; case-insensitive), then for
    a spec it recognises by its form (:meth:`Candidate.from_spec`: an existing local directory with
    ``config.json``, a Hugging Face Hub id ``org/name``).

    Raises:
        UnknownNameError: none of these; the message lists the choices. Also raised by a kind whose form
            ``spec`` has but whose target is wrong (a directory without config.json).

    Example:
        >>> resolve_candidate("google-bert/bert-base-uncased").name
        'bert-base-uncased'
        >>> resolve_candidate("tfidf-logreg").kind
        'baseline'
        >>> resolve_candidate("someorg/some-model").source
        'hub id'
    """
    if not isinstance(spec, str) or not spec.strip():
        raise invalid_parameter("spec", "resolve_candidate", "a non-empty string", spec)
    text = spec.strip()
    kinds = tuple(CANDIDATE_KINDS.values())  # read at call time: a kind registered later counts
    for kind in kinds:
        named = kind.from_name(text)
        if named is not None:
            return named
    for kind in kinds:
        built = kind.from_spec(text)
        if built is not None:
            return built
    choices = [name for kind in kinds for name in kind.known_names()]
    close = closest_name(text, [name for kind in kinds for name in (*kind.known_names(), *kind.known_aliases())])
    hint = f" Did you mean {close!r}?" if close else ""
    raise UnknownNameError(
        f"Unknown candidate {text!r}.{hint} Choose a catalog model or baseline ({', '.join(choices)}), "
        "a Hugging Face Hub id 'org/name', or a local directory that contains config.json."
    )


def resolve_candidates(specs: Sequence[str] | None) -> list[Candidate]:
    """Resolve every name in ``specs``; ``None`` means :func:`default_candidates`.

    Raises:
        InvalidParameterError: ``specs`` is not a non-empty list of strings, or names one model twice
            (also through two aliases of it).
        UnknownNameError: a name is unknown (see :func:`resolve_candidate`).

    Example:
        >>> [c.name for c in resolve_candidates(["albert-base-v2", "majority-class"])]
        ['albert-base-v2', 'majority-class']
    """
    if specs is None:
        return list(default_candidates())
    if not StrSequence().is_satisfied_by(specs) or len(specs) == 0:
        raise invalid_parameter("candidates", "resolve_candidates", "a non-empty list of non-empty strings", specs)
    resolved: list[Candidate] = []
    given: dict[tuple[str, str], str] = {}
    for spec in specs:
        candidate = resolve_candidate(spec)
        key = candidate.identity()
        if key in given:
            raise invalid_parameter(
                "candidates",
                "resolve_candidates",
                f"a list without duplicates ({given[key]!r} and {spec!r} are the same model, {candidate.name})",
                list(specs),
            )
        given[key] = spec
        resolved.append(candidate)
    return resolved
