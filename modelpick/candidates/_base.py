"""What a candidate model is, and the contract each kind of candidate fulfils.

Kinds (registry :data:`modelpick.candidates.CANDIDATE_KINDS`):

* ``transformer``: a Hugging Face encoder, loaded with ``AutoModel``; weights resolved in the order of
  DESIGN.md §4 by :meth:`TransformerCandidate.resolve_weights`.
* ``baseline``: a scikit-learn pipeline, fitted on the training split.

A kind says through the classmethod hooks of :class:`Candidate` which names and specs it turns into
candidates and which of them an advise run compares by default, so resolution needs no list of kinds
besides the registry. Candidates are frozen dataclasses so they pickle into spawned child processes
unchanged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from modelpick.results import CandidateInfo, PublishedFigure

__all__ = ["Candidate", "WeightsResolution"]

WeightsSourceName = Literal["local", "hf-cache", "hub", "package", "architecture-only"]


@dataclass(frozen=True)
class WeightsResolution:
    """Where a transformer candidate's weights come from.

    ``path`` is a directory ``from_pretrained`` can load (config, tokenizer, weights), or ``None`` for
    ``architecture-only``, where the model is built from ``config`` with random weights: latency and
    memory are exact, accuracy is unknown.

    ``allow_pickle`` is the user's consent, given at resolution, to load ``path``'s weights when they are
    only a pickled ``pytorch_model.bin`` (which can run code when loaded); the loader refuses such a
    directory without it. Safetensors are loaded either way, and preferred when both are there.
    """

    source: WeightsSourceName
    path: str | None
    detail: str  # what was found where, or why each earlier place failed
    config: dict[str, Any] | None = None  # architecture config used when path is None
    allow_pickle: bool = False

    @property
    def has_real_weights(self) -> bool:
        return self.source != "architecture-only"


@dataclass(frozen=True)
class Candidate(ABC):
    """One model to consider. Subclasses say how it is built; the measuring code does the rest.

    A kind is a subclass with a ``kind`` name, registered under that name in
    :data:`modelpick.candidates.CANDIDATE_KINDS`. The registry is read in order, and these hooks are
    called on every registered kind (each has a default that knows nothing, so a kind implements only
    what it has):

    * :meth:`defaults`: by :func:`~modelpick.candidates.default_candidates`, when an advise run names no
      candidates. Kinds contribute in registry order (the transformer catalog first, then baselines).
    * :meth:`from_name`: first step of :func:`~modelpick.candidates.resolve_candidate`, on every kind
      in turn, with what the user typed (stripped): an exact name or alias this kind knows.
    * :meth:`from_spec`: second step, on every kind in turn, once no kind knew the text as a name: a spec
      this kind recognises by its form (a local directory, a Hub id ``org/name``). It raises
      :class:`~modelpick.exceptions.UnknownNameError` when the form is its own but the target is wrong,
      which ends the resolution with that message.
    * :meth:`known_names` and :meth:`known_aliases`: when nothing matched, for the "Did you mean ...?"
      hint (both) and the list of choices in the error (names only).

    And per candidate:

    * :meth:`check_safe_to_load`: by the advisor, on every candidate of a run before any is measured.
    * :meth:`resolve_weights`: by the advisor and the profilers before a model is built; ``None`` for
      kinds without pretrained weights.
    * :meth:`identity`: by :func:`~modelpick.candidates.resolve_candidates`, to reject one model named
      twice.

    Example:
        >>> from modelpick.candidates import BaselineCandidate
        >>> BaselineCandidate.from_name("TFIDF-LOGREG").name, BaselineCandidate.from_spec("./x")
        ('tfidf-logreg', None)
    """

    name: str
    family: str
    source: str = "catalog"  # "catalog", "hub id", "local path", "builtin"
    published: tuple[PublishedFigure, ...] = ()
    published_parameters: int | None = None
    published_parameters_source: str | None = None

    kind: ClassVar[str]

    def info(self, weights: WeightsResolution | None = None) -> CandidateInfo:
        """The description the report shows, with the weights' source once resolved."""
        return CandidateInfo(
            name=self.name,
            kind=self.kind,
            family=self.family,
            source=self.source,
            weights_source=weights.source if weights else self._default_weights_source(),
            weights_detail=weights.detail if weights else None,
            published=self.published,
            published_parameters=self.published_parameters,
            published_parameters_source=self.published_parameters_source,
        )

    @abstractmethod
    def _default_weights_source(self) -> str | None:
        """The weights source shown before (or without) resolution."""

    @classmethod
    def defaults(cls) -> tuple[Candidate, ...]:
        """The members of this kind an advise run compares when no candidates are named, in order."""
        return ()

    @classmethod
    def from_name(cls, text: str) -> Candidate | None:
        """The candidate ``text`` names exactly (a name or alias, case-insensitive), or ``None``.

        Args:
            text: What the user typed, stripped of surrounding blanks; never empty.
        """
        return None

    @classmethod
    def from_spec(cls, text: str) -> Candidate | None:
        """A candidate built from ``text`` when it has a form this kind recognises, else ``None``.

        Args:
            text: What the user typed, stripped of surrounding blanks; no kind knew it as a name.

        Raises:
            UnknownNameError: ``text`` has this kind's form but names nothing usable (e.g. a directory
                without config.json); the message says what is wrong and how to fix it.
        """
        return None

    @classmethod
    def known_names(cls) -> tuple[str, ...]:
        """The names :meth:`from_name` accepts, as listed among the choices when a name is unknown."""
        return ()

    @classmethod
    def known_aliases(cls) -> tuple[str, ...]:
        """Other names :meth:`from_name` accepts: matched for "Did you mean ...?" but not listed."""
        return ()

    def resolve_weights(
        self, *, allow_download: bool, allow_pickle: bool = False, cache_dir: str | None = None
    ) -> WeightsResolution | None:
        """Where this candidate's pretrained weights are, or ``None`` for kinds without any (baselines).

        Args:
            allow_download: Allow a download (e.g. from the Hugging Face Hub) when the source is reachable.
            allow_pickle: Accept weights stored only as a pickle, which can run code when loaded.
            cache_dir: Where downloaded weights are cached; ``None`` for the kind's default.
        """
        return None

    def check_safe_to_load(self, *, allow_pickle: bool, trust_remote_code: bool) -> None:
        """Refuse, before anything is measured, a candidate the user named whose loading would run code
        they have not allowed (a pickled checkpoint, the model's own Python files).

        Raises:
            UnsafeModelError: what would run, and the option that allows it.
        """
        return None  # kinds that load no files have nothing to refuse

    def identity(self) -> tuple[str, str]:
        """What makes two candidates the same model (two aliases of one name, two spellings of one path)."""
        return (self.kind, self.name)

    def published_figure(self, metric: str) -> PublishedFigure | None:
        """The published figure for ``metric``, if the catalog has one."""
        for figure in self.published:
            if figure.metric == metric:
                return figure
        return None
