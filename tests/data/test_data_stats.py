"""summarize and approximate_token_lengths on small hand-computed examples; DatasetSample guards."""

from __future__ import annotations

import pytest

from modelpick.data import DatasetSample, approximate_token_lengths
from modelpick.data._sample import TOKEN_LENGTH_METHOD
from modelpick.data._stats import quantile
from modelpick.exceptions import DataError
from modelpick.results import SampleSummary


def test_token_lengths_count_words_and_punctuation():
    assert approximate_token_lengths(["Hello, world!", "don't", "  ", "café au lait"]) == [4, 3, 0, 3]


def test_quantile_matches_linear_interpolation():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert quantile(values, 0.5) == 5.5
    assert quantile(values, 0.9) == 9.1
    assert quantile(values, 0.99) == 9.91
    assert quantile([7], 0.9) == 7.0


def test_summary_values():
    # piece counts 1, 2, 3, 4 ("a", "b c", "d e f", "g h i !")
    sample = DatasetSample(
        texts=("a", "b c", "d e f", "g h i!"),
        labels=("x", "y", "x", "x"),
        source="hand.csv",
        text_column="t",
        label_column="l",
    )
    summary = sample.summary()
    assert isinstance(summary, SampleSummary)
    assert summary.n == 4
    assert summary.classes == ("x", "y")
    assert summary.class_counts == {"x": 3, "y": 1}
    assert summary.token_length_quantiles == {"p50": 2.5, "p90": 3.7, "p99": 3.97, "max": 4.0}
    assert summary.token_length_method == TOKEN_LENGTH_METHOD
    assert (summary.source, summary.text_column, summary.label_column) == ("hand.csv", "t", "l")
    assert summary.n_train is None and summary.n_test is None


def test_summary_with_a_split_and_round_trip():
    labels = ("a",) * 6 + ("b",) * 6
    sample = DatasetSample(texts=tuple(f"t{i}" for i in range(12)), labels=labels, source="s",
                           text_column="text", label_column="label")
    summary = sample.summary(sample.split(test_size=0.25, random_state=0))
    assert (summary.n_train, summary.n_test) == (9, 3)
    assert SampleSummary.from_dict(summary.to_dict()) == summary


def test_summary_of_an_unlabelled_sample():
    sample = DatasetSample(texts=("one two", "three"), labels=None, source="s", text_column="text",
                           label_column=None)
    summary = sample.summary()
    assert summary.classes == () and summary.class_counts == {}


def test_sample_guards_and_tuples():
    sample = DatasetSample(texts=["a", "b"], labels=["x", "y"], source="s", text_column="t", label_column="l")
    assert sample.texts == ("a", "b") and sample.labels == ("x", "y")
    hash(sample)
    with pytest.raises(DataError, match="one label per text"):
        DatasetSample(texts=("a", "b"), labels=("x",), source="s", text_column="t", label_column="l")
    with pytest.raises(DataError, match="must be a str. Got 1"):
        DatasetSample(texts=("a", "b"), labels=("x", 1), source="s", text_column="t", label_column="l")
    with pytest.raises(DataError, match="must be a str. Got None"):
        DatasetSample(texts=("a", None), labels=None, source="s", text_column="t", label_column=None)
