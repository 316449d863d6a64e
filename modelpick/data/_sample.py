"""The validated, immutable sample; its split and summary are computed by ``_split`` and ``_stats``.

Those two modules work on plain texts and labels and never import this one, so the package has no import
circle. ``DataSplit``, ``approximate_token_lengths`` and ``TOKEN_LENGTH_METHOD`` are re-exported here
because other packages import them from ``modelpick.data._sample``.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelpick.data._split import DataSplit, stratified_split
from modelpick.data._stats import TOKEN_LENGTH_METHOD, approximate_token_lengths, summarize
from modelpick.exceptions import DataError
from modelpick.results import SampleSummary

__all__ = ["TOKEN_LENGTH_METHOD", "DataSplit", "DatasetSample", "approximate_token_lengths"]


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
        """Statistics of the sample for the report (n, classes, balance, token-length quantiles).

        Args:
            split: The run's split; its train and test sizes go into the summary.

        Example:
            >>> sample = DatasetSample(texts=("good", "bad!"), labels=("pos", "neg"), source="example",
            ...                        text_column="text", label_column="label")
            >>> sample.summary().class_counts
            {'neg': 1, 'pos': 1}
        """
        return summarize(
            self.texts,
            self.labels,
            source=self.source,
            text_column=self.text_column,
            label_column=self.label_column,
            split=split,
        )

    def split(self, *, test_size: float, random_state: int) -> DataSplit:
        """A stratified train/test split; the same arguments always give the same split.

        See :func:`~modelpick.data._split.stratified_split` for how examples are allocated and its errors.

        Example:
            >>> sample = DatasetSample(texts=tuple("abcdefgh"), labels=("x",) * 4 + ("y",) * 4,
            ...                        source="example", text_column="text", label_column="label")
            >>> split = sample.split(test_size=0.25, random_state=0)
            >>> sorted(split.test_labels), len(split.train_texts)
            (['x', 'y'], 6)
        """
        return stratified_split(
            self.texts, self.labels, test_size=test_size, random_state=random_state, source=self.source
        )
