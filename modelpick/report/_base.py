"""The renderer contract.

A renderer turns a finished :class:`~modelpick.results.Recommendation` into text. It is called once,
after the run, and must compute nothing new: every figure, the ranking, the Pareto front and the
reasons are already in the recommendation; a renderer only chooses how to show them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from modelpick.results import Recommendation

__all__ = ["Renderer"]


class Renderer(ABC):
    """Turns a recommendation into one document."""

    name: ClassVar[str]
    media_type: ClassVar[str]

    @abstractmethod
    def render(self, recommendation: Recommendation) -> str:
        """The whole document, as a string."""
