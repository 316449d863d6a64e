"""The validated, immutable sample and its one held-out split."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modelpick.results import SampleSummary

__all__ = ["DataSplit", "DatasetSample", "approximate_token_lengths", "TOKEN_LENGTH_METHOD"]

# Stats are computed before any candidate's tokenizer is known, so lengths are counted as word and
# punctuation pieces. Profiling re-tokenizes with each candidate's own tokenizer.
TOKEN_LENGTH_METHOD = "regex word/punctuation pieces (approximation before model tokenization)"
_PIECE = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def approximate_token_lengths(texts) -> list[int]:  # noqa: ANN001 - any iterable of str
    """Word and punctuation pieces per text, a tokenizer-free stand-in for token counts."""
    return [len(_PIECE.findall(text)) for text in texts]


@dataclass(frozen=True)
class DataSplit:
    """The stratified held-out split made once per run and shared by every candidate."""

    train_texts: tuple[str, ...]
    train_labels: tuple[str, ...]
    test_texts: tuple[str, ...]
    test_labels: tuple[str, ...]
    random_state: int

    @property
    def all_texts(self) -> tuple[str, ...]:
        return self.train_texts + self.test_texts


@dataclass(frozen=True)
class DatasetSample:
    """A user's labelled (or unlabelled) texts, validated once.

    Labels are kept as strings so that reports and JSON show them exactly as the user wrote them.
    """

    texts: tuple[str, ...]
    labels: tuple[str, ...] | None
    source: str
    text_column: str
    label_column: str | None
    _summary: SampleSummary | None = field(default=None, repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.texts)

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.labels))) if self.labels is not None else ()

    def summary(self, split: DataSplit | None = None) -> SampleSummary:
        """Statistics of the sample for the report (n, classes, balance, token-length quantiles)."""
        from modelpick.data._stats import summarize

        return summarize(self, split)

    def split(self, *, test_size: float, random_state: int) -> DataSplit:
        """A stratified train/test split; the same arguments always give the same split."""
        from modelpick.data._split import stratified_split

        return stratified_split(self, test_size=test_size, random_state=random_state)
