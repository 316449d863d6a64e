"""stratified_split: determinism, stratification, every class on both sides, and its errors."""

from __future__ import annotations

from collections import Counter

import pytest

from modelpick.data import DatasetSample, DataSplit
from modelpick.data._split import stratified_split
from modelpick.exceptions import DataError, InvalidParameterError


def _sample(counts: dict[str, int]) -> DatasetSample:
    labels = tuple(label for label, k in counts.items() for _ in range(k))
    texts = tuple(f"text {i} of {label}" for i, label in enumerate(labels))
    return DatasetSample(texts=texts, labels=labels, source="test", text_column="text", label_column="label")


BALANCED = _sample({"a": 40, "b": 40, "c": 20})


def test_same_seed_same_split_and_different_seed_different_split():
    first = BALANCED.split(test_size=0.25, random_state=3)
    assert first == BALANCED.split(test_size=0.25, random_state=3)
    assert first.test_texts != BALANCED.split(test_size=0.25, random_state=4).test_texts
    assert first.random_state == 3


def test_split_is_a_partition_that_keeps_text_and_label_together():
    split = BALANCED.split(test_size=0.25, random_state=0)
    assert isinstance(split, DataSplit)
    assert sorted(split.all_texts) == sorted(BALANCED.texts)
    label_of = dict(zip(BALANCED.texts, BALANCED.labels))
    pairs = list(zip(split.train_texts, split.train_labels)) + list(zip(split.test_texts, split.test_labels))
    assert all(label_of[text] == label for text, label in pairs)


def test_test_size_and_class_proportions():
    split = BALANCED.split(test_size=0.25, random_state=0)
    assert len(split.test_texts) == 25 and len(split.train_texts) == 75
    assert Counter(split.test_labels) == {"a": 10, "b": 10, "c": 5}
    assert Counter(split.train_labels) == {"a": 30, "b": 30, "c": 15}


def test_test_count_rounds_up_like_scikit_learn():
    split = _sample({"a": 5, "b": 6}).split(test_size=0.3, random_state=0)  # ceil(3.3) = 4
    assert len(split.test_texts) == 4


def test_a_rare_class_still_gets_a_test_and_a_training_example():
    # scikit-learn's train_test_split puts none of the 2 'rare' examples in this test set
    sample = _sample({"common": 98, "rare": 2})
    for seed in range(5):
        split = sample.split(test_size=0.03, random_state=seed)
        assert Counter(split.test_labels)["rare"] == 1
        assert Counter(split.train_labels)["rare"] == 1
        assert len(split.test_texts) == 3


def test_sides_are_not_grouped_by_class():
    split = BALANCED.split(test_size=0.5, random_state=0)
    assert list(split.train_labels) != sorted(split.train_labels)


def test_a_class_with_one_example_is_named():
    with pytest.raises(DataError) as info:
        _sample({"a": 5, "b": 5, "lonely": 1}).split(test_size=0.25, random_state=0)
    message = str(info.value)
    assert message.startswith("Class 'lonely' has only 1 example in the sample (test)")
    assert "at least 2 per class" in message


def test_test_size_too_small_for_the_classes_says_the_minimum():
    with pytest.raises(DataError) as info:
        BALANCED.split(test_size=0.01, random_state=0)
    assert str(info.value) == (
        "test_size=0.01 holds out 1 of 100 examples, fewer than the 3 classes; every class needs a test "
        "example. Use test_size >= 0.03."
    )
    assert len(BALANCED.split(test_size=0.03, random_state=0).test_texts) == 3


def test_test_size_too_large_for_the_classes_says_the_maximum():
    with pytest.raises(DataError, match=r"leaves 1 of 100 examples for training.*Use test_size <= 0\.97\."):
        BALANCED.split(test_size=0.99, random_state=0)


def test_unlabelled_sample_cannot_be_split():
    sample = DatasetSample(texts=("a", "b"), labels=None, source="s", text_column="text", label_column=None)
    with pytest.raises(DataError, match="has no labels"):
        sample.split(test_size=0.5, random_state=0)


@pytest.mark.parametrize("kwargs", [{"test_size": 0, "random_state": 0}, {"test_size": 1.5, "random_state": 0},
                                    {"test_size": 0.2, "random_state": -1}, {"test_size": 0.2, "random_state": 1.5}])
def test_bad_parameters(kwargs):
    with pytest.raises(InvalidParameterError, match="parameter of split must be"):
        stratified_split(BALANCED.texts, BALANCED.labels, source="test", **kwargs)


def test_stratified_split_on_plain_lists_is_the_samples_split():
    split = stratified_split(list(BALANCED.texts), list(BALANCED.labels), test_size=0.25, random_state=3,
                             source="test")
    assert split == BALANCED.split(test_size=0.25, random_state=3)


def test_plain_texts_and_labels_of_different_lengths_are_an_error():
    with pytest.raises(DataError) as info:
        stratified_split(("a", "b", "c"), ("x", "y"), test_size=0.5, random_state=0, source="hand")
    assert str(info.value) == (
        "The sample (hand) needs one label per text to be split. Got 2 labels for 3 texts."
    )
