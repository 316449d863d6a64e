"""The validated, immutable sample and its one held-out split."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modelpick.exceptions import DataError
from modelpick.results import SampleSummary

__all__ = ["DataSplit", "DatasetSample", "approximate_token_lengths", "TOKEN_LENGTH_METHOD"]

# Stats are computed before any candidate's tokenizer is known, so lengths are counted as word and
# punctuation pieces. Profiling re-tokenizes with each candidate's own tokenizer.
TOKEN_LENGTH_METHOD = "regex word/punctuation pieces (approximation before model tokenization)"
_PIECE = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def approximate_token_lengths(texts) -> list[int]:  # noqa: ANN001 - any iterable of str
    """Word and punctuation pieces per text, a tokenizer-free stand-in for token counts.

    Example:
        >>> approximate_token_lengths(["Hello, world!", "ok"])
        [4, 1]
    """
    return [len(_PIECE.findall(text)) for text in texts]


@dataclass(frozen=True)
class DataSplit:
    """The stratified held-out split made once per run and shared by every candidate."""

    train_texts: tuple[str, ...]
    train_labels: tuple[str, ...]
    test_texts: tuple[str, ...]
    test_labels: tuple[str, ...]
    random_state: int

    def __post_init__(self) -> None:
        # Lists given by hand become tuples, so all_texts concatenates and the split stays frozen.
        for name in ("train_texts", "train_labels", "test_texts", "test_labels"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

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

    def __post_init__(self) -> None:
        # A guard for samples built by hand (tests, plug-ins); load_sample already checks all of this
        # with messages that name rows. Lists become tuples so the sample stays hashable and frozen.
        texts = tuple(self.texts)
        labels = None if self.labels is None else tuple(self.labels)
        object.__setattr__(self, "texts", texts)
        object.__setattr__(self, "labels", labels)
        bad = [t for t in texts if not isinstance(t, str)]
        if bad:
            raise DataError(f"Every text of a DatasetSample must be a str. Got {bad[0]!r} instead.")
        if labels is not None:
            if len(labels) != len(texts):
                raise DataError(
                    f"A DatasetSample needs one label per text. Got {len(labels)} labels for "
                    f"{len(texts)} texts."
                )
            bad = [label for label in labels if not isinstance(label, str)]
            if bad:
                raise DataError(
                    f"Every label of a DatasetSample must be a str. Got {bad[0]!r} instead; "
                    "load_sample converts numbers to strings."
                )

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
