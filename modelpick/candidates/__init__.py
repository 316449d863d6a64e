"""Candidates: the models an advise run compares.

* :class:`TransformerCandidate`: a Hugging Face encoder; the catalog (``catalog.json``) holds ten
  defaults with their architectures and published figures; any Hub id or local directory works too.
* :class:`BaselineCandidate`: scikit-learn pipelines (majority class, TF-IDF + linear models).

Adding a kind of candidate is one module with a :class:`Candidate` subclass and one line in
:data:`CANDIDATE_KINDS`. Nothing here imports torch, transformers or scikit-learn until a model is
actually built.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from pathlib import Path

from modelpick._validation import StrSequence, invalid_parameter
from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.candidates._catalog import PUBLISHED_QUALITY_METRIC, catalog_index, load_catalog
from modelpick.candidates._loading import LoadedTransformer, load_transformer
from modelpick.candidates._hub import looks_like_hub_id
from modelpick.candidates.baseline import BaselineCandidate, builtin_baselines
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.exceptions import UnknownNameError

__all__ = [
    "CANDIDATE_KINDS",
    "PUBLISHED_QUALITY_METRIC",
    "BaselineCandidate",
    "Candidate",
    "LoadedTransformer",
    "TransformerCandidate",
    "WeightsResolution",
    "baselines",
    "catalog",
    "default_candidates",
    "load_transformer",
    "resolve_candidate",
    "resolve_candidates",
]

CANDIDATE_KINDS: dict[str, type[Candidate]] = {
    "transformer": TransformerCandidate,
    "baseline": BaselineCandidate,
}

# config.json model_type -> family shown for local directories outside the catalog.
_FAMILIES = {
    "bert": "BERT",
    "distilbert": "DistilBERT",
    "albert": "ALBERT",
    "mobilebert": "MobileBERT",
    "electra": "ELECTRA",
    "roberta": "RoBERTa",
    "xlm-roberta": "XLM-RoBERTa",
    "deberta": "DeBERTa",
    "deberta-v2": "DeBERTa",
    "mpnet": "MPNet",
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
    """What an advise run compares when no candidates are named: the catalog, then the baselines."""
    return (*catalog(), *baselines())


def _local_candidate(spec: str, directory: Path) -> TransformerCandidate:
    try:
        model_type = json.loads((directory / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError, AttributeError):
        model_type = None  # loading will say what is wrong with it; resolving only names it
    return TransformerCandidate(
        name=spec,
        family=_FAMILIES.get(model_type or "", model_type or "unknown"),
        source="local path",
        model_id=str(directory.resolve()),
        local_path=str(directory.resolve()),
    )


def _choices() -> list[str]:
    return [c.name for c in catalog()] + [b.name for b in baselines()]


def resolve_candidate(spec: str) -> Candidate:
    """Turn a name the user typed into a candidate.

    Tried in order: a catalog name or alias (case-insensitive), a baseline name, an existing local
    directory with ``config.json``, a Hugging Face Hub id ``org/name``.

    Raises:
        UnknownNameError: none of these; the message lists the choices.

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
    entry = catalog_index().get(text.lower())
    if entry is not None:
        return entry
    for baseline in baselines():
        if text.lower() == baseline.name:
            return baseline
    path = Path(text).expanduser()
    if path.is_dir():
        if (path / "config.json").is_file():
            return _local_candidate(text.rstrip("/\\") or text, path)
        raise UnknownNameError(
            f"Candidate {text!r} is a directory without config.json. A local model directory must contain "
            "config.json and the weights (model.save_pretrained(dir) writes both)."
        )
    if text.startswith(("/", "./", "../", "~", ".\\")) or (len(text) > 1 and text[1] == ":"):
        # Written as a path, so a Hub id was never meant: say the path is wrong, not the name.
        raise UnknownNameError(
            f"Candidate {text!r} looks like a local path but no such directory exists. Give the directory "
            "that holds the model's config.json and weights (model.save_pretrained(dir) writes both)."
        )
    if looks_like_hub_id(text):
        return TransformerCandidate(name=text, family="unknown", source="hub id", model_id=text)
    close = difflib.get_close_matches(text.lower(), [*catalog_index(), *(b.name for b in baselines())], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownNameError(
        f"Unknown candidate {text!r}.{hint} Choose a catalog model or baseline ({', '.join(_choices())}), "
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
    given: dict[str, str] = {}
    for spec in specs:
        candidate = resolve_candidate(spec)
        key = candidate.model_id if isinstance(candidate, TransformerCandidate) else candidate.name
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

