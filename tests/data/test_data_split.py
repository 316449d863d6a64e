"""stratified_split: determinism, stratification, every class on both sides, and its errors."""

from __future__ import annotations

import random
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


def test_a_rare_class_still_gets_a_test_and_two_training_examples():
    # The proportional share of 'rare' is 0.09 test examples: rounded, it would have none.
    sample = _sample({"common": 97, "rare": 3})
    for seed in range(5):
        split = sample.split(test_size=0.03, random_state=seed)
        assert Counter(split.test_labels)["rare"] == 1
        assert Counter(split.train_labels)["rare"] == 2
        assert len(split.test_texts) == 3


def test_a_large_test_size_still_leaves_two_training_examples_of_a_rare_class():
    # 8 of 13 held out: 'rare' alone would get 1.85 test examples; it keeps 2 of its 3 to train on.
    sample = _sample({"common": 10, "rare": 3})
    for seed in range(5):
        split = sample.split(test_size=0.6, random_state=seed)
        assert Counter(split.test_labels) == {"common": 7, "rare": 1}
        assert Counter(split.train_labels) == {"common": 3, "rare": 2}


def test_every_allowed_test_size_keeps_one_test_and_two_training_examples_per_class():
    sample = _sample({"a": 3, "b": 4, "c": 9, "d": 20})  # 36 examples: 4 to 28 can be held out
    for n_test in range(4, 29):
        split = sample.split(test_size=n_test / 36 - 1e-9, random_state=n_test)
        assert len(split.test_texts) == n_test
        assert set(split.test_labels) == set(sample.labels)
        assert min(Counter(split.train_labels).values()) >= 2


def test_sides_are_not_grouped_by_class():
    split = BALANCED.split(test_size=0.5, random_state=0)
    assert list(split.train_labels) != sorted(split.train_labels)


@pytest.mark.parametrize(
    "counts, message",
    [
        ({"a": 5, "b": 5, "lonely": 1},
         "Class 'lonely' has only 1 example in the sample (test); a stratified split needs at least 3 per "
         "class: 2 to train on, 1 to test on. Add examples of that class or remove it."),
        ({"ok": 10, "two": 2, "one": 1},
         "Classes 'one' (1 example), 'two' (2 examples) have fewer than 3 examples in the sample (test); a "
         "stratified split needs at least 3 per class: 2 to train on, 1 to test on. Add examples of those "
         "classes or remove them."),
    ],
)
def test_every_class_with_too_few_examples_is_named_with_its_count(counts, message):
    with pytest.raises(DataError) as info:
        _sample(counts).split(test_size=0.25, random_state=0)
    assert str(info.value) == message


def test_a_class_with_two_examples_is_an_error_whatever_the_test_size():
    # One training example per class would leave cross-validation and the probe nothing to measure.
    for test_size in (0.05, 0.25, 0.5):
        with pytest.raises(DataError, match=r"^Class 'pair' has only 2 examples in the sample \(test\); .*"
                                            r"at least 3 per class: 2 to train on, 1 to test on\."):
            _sample({"a": 40, "pair": 2}).split(test_size=test_size, random_state=0)




def test_a_long_list_of_small_classes_is_cut():
    counts = {"big": 50} | {f"c{i:02}": 1 for i in range(13)}
    with pytest.raises(DataError, match=r"^Classes 'c00' \(1 example\), .*'c09' \(1 example\) and 3 more have "):
        _sample(counts).split(test_size=0.25, random_state=0)


def test_test_size_too_small_for_the_classes_says_the_minimum():
    with pytest.raises(DataError) as info:
        BALANCED.split(test_size=0.01, random_state=0)
    assert str(info.value) == (
        "test_size=0.01 holds out 1 of 100 examples, fewer than the 3 classes; every class needs a test "
        "example. Use test_size >= 0.03."
    )
    assert len(BALANCED.split(test_size=0.03, random_state=0).test_texts) == 3


def test_test_size_too_large_for_the_classes_says_the_maximum():
    with pytest.raises(DataError) as info:
        BALANCED.split(test_size=0.95, random_state=0)
    assert str(info.value) == (
        "test_size=0.95 leaves 5 of 100 examples for training, fewer than 2 for each of the 3 classes; every "
        "class needs 2 training examples. Use test_size <= 0.94."
    )
    split = BALANCED.split(test_size=0.94, random_state=0)
    assert Counter(split.train_labels) == {"a": 2, "b": 2, "c": 2}


def _suggested(sample: DatasetSample, test_size: float) -> str:
    with pytest.raises(DataError) as info:
        sample.split(test_size=test_size, random_state=0)
    return str(info.value).rsplit(" ", 1)[-1].rstrip(".")


def _one_step_more(shown: str) -> float:
    # Bounds are rounded to 3 decimals, more only where needed; "0.9" is 0.900 with its zeros dropped.
    decimals = max(3, len(shown.split(".")[1]))
    return float(shown) + 10**-decimals


def test_suggested_maximum_works_and_one_step_more_fails_even_where_floats_round_up():
    # 28 of 50 is the most that can be held out; 0.56 * 50 is 28.000000000000004 in floats, so
    # test_size=0.56 holds out 29 and fails: the message must not suggest it.
    sample = _sample({f"c{i:02}": 4 for i in range(10)} | {"big": 10})
    shown = _suggested(sample, 0.99)
    assert shown == "0.559"
    assert len(sample.split(test_size=0.559, random_state=0).test_texts) == 28
    with pytest.raises(DataError, match="fewer than 2 for each of the 11 classes"):
        sample.split(test_size=0.56, random_state=0)


def test_suggested_bounds_work_on_many_samples():
    rng = random.Random(0)
    samples = [_sample({f"c{j}": rng.randint(3, 40) for j in range(rng.randint(2, 12))}) for _ in range(150)]
    for sample in samples:
        largest = _suggested(sample, 0.9999)
        split = sample.split(test_size=float(largest), random_state=0)
        assert set(Counter(split.train_labels).values()) == {2}  # the very most that can be held out
        with pytest.raises(DataError, match="leaves"):
            sample.split(test_size=_one_step_more(largest), random_state=0)
        # The minimum is rounded up to read well (0.03, not 0.021), so it is enough, if not the least.
        smallest = _suggested(sample, 0.0001)
        split = sample.split(test_size=float(smallest), random_state=0)
        assert set(split.test_labels) == set(sample.labels)


def test_a_range_narrower_than_a_thousandth_gets_more_decimals():
    # 1000 classes of 3: exactly 1000 of 3000 must be held out, test_size in (0.333, 0.33333...].
    sample = _sample({f"c{i:04}": 3 for i in range(1000)})
    for too_far in (0.3, 0.34):
        shown = _suggested(sample, too_far)
        assert len(shown) > len("0.333")
        assert len(sample.split(test_size=float(shown), random_state=0).test_texts) == 1000


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
