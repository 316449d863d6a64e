"""The one stratified train/test split of a sample, shared by every candidate of a run.

It works on plain texts and labels, so it needs nothing from :mod:`modelpick.data._sample` (which calls
it from ``DatasetSample.split``).
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from modelpick._validation import FRACTION, SEED, validate_params
from modelpick.exceptions import DataError

__all__ = ["DataSplit", "stratified_split"]


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


# Per class. Two training examples, because quality is cross-validated on the training side with
# stratified folds (at least 2, each holding every class), and a probe fitted on one example per class
# measures nothing.
_MIN_TRAIN = 2
_MIN_TEST = 1
_MAX_LISTED_CLASSES = 10


def _n_test(test_size: float, n: int) -> int:
    # The one place the count is computed, so suggested test_size values are checked the same way.
    return math.ceil(test_size * n)


def _test_counts(counts: dict[str, int], n_test: int) -> dict[str, int]:
    """Test examples per class: proportional, summing to ``n_test``, and 1..count-2 for each class.

    Largest-remainder allocation like scikit-learn's, plus the bounds that keep one test and two training
    examples of every class (scikit-learn can give a small class no test example at all).
    """
    n = sum(counts.values())
    most = {c: k - _MIN_TRAIN for c, k in counts.items()}
    ideal = {c: k * n_test / n for c, k in counts.items()}
    alloc = {c: min(max(_MIN_TEST, math.floor(ideal[c])), most[c]) for c in counts}
    order = sorted(counts)  # ties go to the class that sorts first, so the result is deterministic
    while sum(alloc.values()) < n_test:
        c = max((c for c in order if alloc[c] < most[c]), key=lambda c: ideal[c] - alloc[c])
        alloc[c] += 1
    while sum(alloc.values()) > n_test:
        c = min((c for c in order if alloc[c] > _MIN_TEST), key=lambda c: ideal[c] - alloc[c])
        alloc[c] -= 1
    return alloc


def _suggested_test_size(n: int, n_test_range: tuple[int, int], *, smallest: bool) -> float:
    """The smallest (or largest) ``test_size`` to suggest, with 3 decimals or more if the range needs them.

    Every candidate is checked with :func:`_n_test` itself, so the printed value works even where a float
    product rounds up (``0.56 * 50`` is ``28.000000000000004``, whose ceiling is 29, not 28).
    """
    low, high = n_test_range
    for digits in range(3, 16):
        scale = 10**digits
        if smallest:
            # low/n rounded up reads best; just above (low - 1)/n is the true minimum, for narrow ranges.
            starts = [math.ceil(low / n * scale), math.floor((low - 1) / n * scale) + 1]
        else:
            starts = [math.floor(high / n * scale)]
        for start in starts:
            for step in range(3):
                value = round((start + step if smallest else start - step) / scale, digits)
                if 0 < value < 1 and low <= _n_test(value, n) <= high:
                    return value
    return (low if smallest else high) / n  # not reached: the valid range is at least 1/n wide


def _too_few_examples(counts: dict[str, int], source: str) -> DataError:
    small = {c: counts[c] for c in sorted(counts) if counts[c] < _MIN_TRAIN + _MIN_TEST}
    need = (
        f"a stratified split needs at least {_MIN_TRAIN + _MIN_TEST} per class: {_MIN_TRAIN} to train on, "
        f"{_MIN_TEST} to test on"
    )
    if len(small) == 1:
        [(name, k)] = small.items()
        return DataError(
            f"Class {name!r} has only {k} example{'' if k == 1 else 's'} in the sample ({source}); {need}. "
            "Add examples of that class or remove it."
        )
    shown = list(small.items())[:_MAX_LISTED_CLASSES]
    listed = ", ".join(f"{name!r} ({k} example{'' if k == 1 else 's'})" for name, k in shown)
    more = len(small) - _MAX_LISTED_CLASSES
    return DataError(
        f"Classes {listed}{f' and {more} more' if more > 0 else ''} have fewer than "
        f"{_MIN_TRAIN + _MIN_TEST} examples in the sample ({source}); {need}. Add examples of those "
        "classes or remove them."
    )


def _check_distinct_texts(texts: Sequence[str], labels: Sequence[str], source: str) -> None:
    """Every class needs as many distinct texts as a split needs examples.

    A class made of copies of one or two texts would put the same text on both sides of the split, and
    its held-out accuracy would score texts seen in training.
    """
    distinct: dict[str, set[str]] = defaultdict(set)
    for text, label in zip(texts, labels, strict=True):
        distinct[label].add(text)
    need = _MIN_TRAIN + _MIN_TEST
    for label in sorted(distinct):
        if len(distinct[label]) < need:
            rows = sum(1 for other in labels if other == label)
            k = len(distinct[label])
            raise DataError(
                f"Class {label!r} has {rows} examples in the sample ({source}) but only {k} distinct "
                f"text{'' if k == 1 else 's'}; the rest are duplicates, and a held-out duplicate would be scored "
                f"on a text seen in training. Give every class at least {need} different texts, or remove the "
                "duplicates."
            )


def stratified_split(
    texts: Sequence[str],
    labels: Sequence[str] | None,
    *,
    test_size: float,
    random_state: int,
    source: str,
) -> DataSplit:
    """Hold out ``test_size`` of the texts, keeping class proportions and every class on both sides.

    The number of test examples is ``ceil(test_size * n)`` (as in scikit-learn's ``train_test_split``);
    each class gets its proportional share, at least one and at most all but two of its examples, so
    every class keeps one test example and two training examples (cross-validation on the training side
    needs two). The same sample, ``test_size`` and ``random_state`` always give the same split.

    Args:
        texts: The texts of the sample.
        labels: One label per text; ``None`` (an unlabelled sample) is an error.
        test_size: Fraction held out for testing, strictly between 0 and 1.
        random_state: Seed of the shuffle (an integer >= 0).
        source: Where the sample came from, as messages name it (``DatasetSample.source``).

    Returns:
        The :class:`DataSplit`, each side shuffled.

    Raises:
        InvalidParameterError: ``test_size`` or ``random_state`` out of range.
        DataError: No labels; a class with fewer than 3 examples, or fewer than 3 distinct texts;
            ``test_size`` too small to put one
            example of every class in the test set, or too large to leave two of every class for
            training. The message names the ``test_size`` that works.

    Example:
        >>> split = stratified_split(tuple("abcdefgh"), ("x",) * 4 + ("y",) * 4, test_size=0.25,
        ...                          random_state=0, source="example")
        >>> sorted(split.test_labels), len(split.train_texts)
        (['x', 'y'], 6)
    """
    validate_params(
        {"test_size": test_size, "random_state": random_state},
        {
            "test_size": [FRACTION],
            "random_state": [SEED],
        },
        caller="split",
    )
    if labels is None:
        raise DataError(
            f"The sample ({source}) has no labels, so it cannot be split into train and test sets. "
            "Pass label_column= (--label-column)."
        )
    if len(labels) != len(texts):
        raise DataError(
            f"The sample ({source}) needs one label per text to be split. Got {len(labels)} labels for "
            f"{len(texts)} texts."
        )
    counts = Counter(labels)
    if min(counts.values()) < _MIN_TRAIN + _MIN_TEST:
        raise _too_few_examples(counts, source)
    _check_distinct_texts(texts, labels, source)
    n, k = len(texts), len(counts)
    n_test = _n_test(test_size, n)
    # Every class has >= 3 examples here, so n >= 3k: any n_test in [k, n - 2k] can be allocated.
    valid = (_MIN_TEST * k, n - _MIN_TRAIN * k)
    if n_test < valid[0]:
        smallest = _suggested_test_size(n, valid, smallest=True)
        raise DataError(
            f"test_size={test_size:g} holds out {n_test} of {n} examples, fewer than the {k} classes; "
            f"every class needs a test example. Use test_size >= {smallest:g}."
        )
    if n_test > valid[1]:
        largest = _suggested_test_size(n, valid, smallest=False)
        raise DataError(
            f"test_size={test_size:g} leaves {n - n_test} of {n} examples for training, fewer than "
            f"{_MIN_TRAIN} for each of the {k} classes; every class needs {_MIN_TRAIN} training examples. "
            f"Use test_size <= {largest:g}."
        )

    rng = random.Random(random_state)
    by_class: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_class[label].append(i)
    test_idx: list[int] = []
    train_idx: list[int] = []
    for label, take in sorted(_test_counts(dict(counts), n_test).items()):
        idx = by_class[label][:]
        rng.shuffle(idx)
        test_idx.extend(idx[:take])
        train_idx.extend(idx[take:])
    # Shuffled so neither side is grouped by class (batches and unshuffled folds see mixed classes).
    rng.shuffle(train_idx)
    rng.shuffle(test_idx)
    return DataSplit(
        train_texts=tuple(texts[i] for i in train_idx),
        train_labels=tuple(labels[i] for i in train_idx),
        test_texts=tuple(texts[i] for i in test_idx),
        test_labels=tuple(labels[i] for i in test_idx),
        random_state=random_state,
    )
