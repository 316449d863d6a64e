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
from numbers import Integral, Real

from modelpick._validation import Interval, validate_params
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


def _test_counts(counts: dict[str, int], n_test: int) -> dict[str, int]:
    """Test examples per class: proportional, summing to ``n_test``, and 1..count-1 for each class.

    Largest-remainder allocation like scikit-learn's, plus the bounds that keep every class on both
    sides of the split (scikit-learn can give a small class no test example at all).
    """
    n = sum(counts.values())
    ideal = {c: k * n_test / n for c, k in counts.items()}
    alloc = {c: min(max(1, math.floor(ideal[c])), counts[c] - 1) for c in counts}
    order = sorted(counts)  # ties go to the class that sorts first, so the result is deterministic
    while sum(alloc.values()) < n_test:
        c = max((c for c in order if alloc[c] < counts[c] - 1), key=lambda c: ideal[c] - alloc[c])
        alloc[c] += 1
    while sum(alloc.values()) > n_test:
        c = min((c for c in order if alloc[c] > 1), key=lambda c: ideal[c] - alloc[c])
        alloc[c] -= 1
    return alloc


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
    each class gets its proportional share, at least one and at most all but one of its examples. The
    same sample, ``test_size`` and ``random_state`` always give the same split.

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
        DataError: No labels; a class with fewer than 2 examples; ``test_size`` too small (or too large)
            to put one example of every class in the test (and training) set.

    Example:
        >>> split = stratified_split(tuple("abcdefgh"), ("x",) * 4 + ("y",) * 4, test_size=0.25,
        ...                          random_state=0, source="example")
        >>> sorted(split.test_labels), len(split.train_texts)
        (['x', 'y'], 6)
    """
    validate_params(
        {"test_size": test_size, "random_state": random_state},
        {
            "test_size": [Interval(Real, 0, 1, closed="neither")],
            "random_state": [Interval(Integral, 0, None)],
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
    small = sorted(c for c, k in counts.items() if k < 2)
    if small:
        names = ", ".join(repr(c) for c in small)
        raise DataError(
            f"Class{'es' if len(small) > 1 else ''} {names} {'have' if len(small) > 1 else 'has'} only 1 "
            f"example in the sample ({source}); a stratified split needs at least 2 per class "
            "(one to train on, one to test on). Add examples or remove "
            f"{'those classes' if len(small) > 1 else 'that class'}."
        )
    n, k = len(texts), len(counts)
    n_test = math.ceil(test_size * n)
    # Every class has >= 2 examples here, so n >= 2k and both bounds below can be met.
    if n_test < k:
        smallest = math.ceil(k / n * 1000) / 1000  # rounded up, so it is enough
        raise DataError(
            f"test_size={test_size:g} holds out {n_test} of {n} examples, fewer than the {k} classes; "
            f"every class needs a test example. Use test_size >= {smallest:g}."
        )
    if n - n_test < k:
        largest = math.floor((n - k) / n * 1000) / 1000  # rounded down, so it leaves enough
        raise DataError(
            f"test_size={test_size:g} leaves {n - n_test} of {n} examples for training, fewer than the "
            f"{k} classes; every class needs a training example. Use test_size <= {largest:g}."
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
