"""The machine-readable report: exactly ``Recommendation.to_json()``."""

from __future__ import annotations

from typing import ClassVar

from modelpick.report._base import Renderer
from modelpick.results import Recommendation

__all__ = ["JsonRenderer"]


class JsonRenderer(Renderer):
    """JSON that :meth:`Recommendation.from_json` reads back."""

    name: ClassVar[str] = "json"
    media_type: ClassVar[str] = "application/json"

    def render(self, recommendation: Recommendation) -> str:
        return recommendation.to_json() + "\n"
