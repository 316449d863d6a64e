"""Statistics of a sample for the report: size, classes, balance and token-length quantiles.

It works on plain texts and labels, so it needs nothing from :mod:`modelpick.data._sample` (which calls
it from ``DatasetSample.summary``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from modelpick._numeric import percentile
from modelpick.exceptions import DataError
from modelpick.results import SampleSummary

if TYPE_CHECKING:
    from modelpick.data._split import DataSplit

__all__ = ["QUANTILES", "TOKEN_LENGTH_METHOD", "approximate_token_lengths", "quantile", "summarize"]

QUANTILES = {"p50": 0.5, "p90": 0.9, "p99": 0.99}

# Stats are computed before any candidate's tokenizer is known, so lengths are counted as word and
# punctuation pieces. Profiling re-tokenizes with each candidate's own tokenizer.
TOKEN_LENGTH_METHOD = "regex word/punctuation pieces (approximation before model tokenization)"
_PIECE = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def approximate_token_lengths(texts: Iterable[str]) -> list[int]:
    """Word and punctuation pieces per text, a tokenizer-free stand-in for token counts.

    Example:
        >>> approximate_token_lengths(["Hello, world!", "ok"])
        [4, 1]
    """
    return [len(_PIECE.findall(text)) for text in texts]


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


def summarize(
    texts: Sequence[str],
    labels: Sequence[str] | None,
    *,
    source: str,
    text_column: str,
    label_column: str | None,
    split: DataSplit | None = None,
) -> SampleSummary:
    """Summarize a sample's texts and labels (and the sizes of ``split``, when given).

    Token lengths are approximate (word and punctuation pieces, see :func:`approximate_token_lengths`);
    ``token_length_method`` says so in the report.

    Args:
        texts: The texts of the sample.
        labels: One label per text, or ``None`` for an unlabelled sample.
        source: Where the sample came from (``DatasetSample.source``).
        text_column: The column the texts came from.
        label_column: The column the labels came from, or ``None``.
        split: The run's split, whose train and test sizes the summary reports.

    Returns:
        The :class:`~modelpick.results.SampleSummary` the report shows.

    Raises:
        DataError: There are no texts.

    Example:
        >>> s = summarize(("good", "not good at all", "bad!"), ("pos", "neg", "neg"), source="example",
        ...               text_column="text", label_column="label")
        >>> s.class_counts, s.token_length_quantiles["p50"], s.token_length_quantiles["max"]
        ({'neg': 2, 'pos': 1}, 2.0, 4.0)
    """
    if not texts:
        raise DataError(f"The sample ({source}) has no texts to summarize. Add rows.")
    lengths = approximate_token_lengths(texts)
    quantiles = {name: quantile(lengths, q) for name, q in QUANTILES.items()}
    quantiles["max"] = float(max(lengths))
    counts = Counter(labels) if labels is not None else Counter()
    return SampleSummary(
        source=source,
        text_column=text_column,
        label_column=label_column,
        n=len(texts),
        classes=tuple(sorted(counts)),
        class_counts={c: counts[c] for c in sorted(counts)},
        token_length_quantiles=quantiles,
        token_length_method=TOKEN_LENGTH_METHOD,
        n_train=len(split.train_texts) if split is not None else None,
        n_test=len(split.test_texts) if split is not None else None,
    )
