"""Statistics of a sample for the report: size, classes, balance and token-length quantiles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from modelpick._numeric import percentile
from modelpick.data._sample import TOKEN_LENGTH_METHOD, approximate_token_lengths
from modelpick.exceptions import DataError
from modelpick.results import SampleSummary

if TYPE_CHECKING:
    from modelpick._numeric import percentile
from modelpick.data._sample import DatasetSample, DataSplit

__all__ = ["QUANTILES", "quantile", "summarize"]

QUANTILES = {"p50": 0.5, "p90": 0.9, "p99": 0.99}


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1), interpolated as numpy's default.

    Example:
        >>> quantile([1, 2, 3, 4], 0.5)
        2.5
        >>> quantile([1, 2, 3, 4], 0.9)
        3.7
    """
    # round() keeps 3.7 from printing as 3.7000000000000006; token counts never need more digits.
    return round(float(percentile(values, q * 100)), 9)


def summarize(sample: DatasetSample, split: DataSplit | None = None) -> SampleSummary:
    """Summarize ``sample`` (and the sizes of ``split``, when given).

    Token lengths are approximate (word and punctuation pieces, see
    :func:`~modelpick.data.approximate_token_lengths`); ``token_length_method`` says so in the report.

    Example:
        >>> from modelpick.data import DatasetSample
        >>> sample = DatasetSample(texts=("good", "not good at all", "bad!"), labels=("pos", "neg", "neg"),
        ...                        source="example", text_column="text", label_column="label")
        >>> s = summarize(sample)
        >>> s.class_counts, s.token_length_quantiles["p50"], s.token_length_quantiles["max"]
        ({'neg': 2, 'pos': 1}, 2.0, 4.0)
    """
    if sample.n == 0:
        raise DataError(f"The sample ({sample.source}) has no texts to summarize. Add rows.")
    lengths = approximate_token_lengths(sample.texts)
    quantiles = {name: quantile(lengths, q) for name, q in QUANTILES.items()}
    quantiles["max"] = float(max(lengths))
    counts = Counter(sample.labels) if sample.labels is not None else Counter()
    return SampleSummary(
        source=sample.source,
        text_column=sample.text_column,
        label_column=sample.label_column,
        n=sample.n,
        classes=sample.classes,
        class_counts={c: counts[c] for c in sorted(counts)},
        token_length_quantiles=quantiles,
        token_length_method=TOKEN_LENGTH_METHOD,
        n_train=len(split.train_texts) if split is not None else None,
        n_test=len(split.test_texts) if split is not None else None,
    )
